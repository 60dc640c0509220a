import { MemoryTokenStore, RedisTokenStore, type RedisTokenStoreOptions, type TokenStore } from "@erpbridge/integration-kit";
import { Redis } from "ioredis";

export type ClosableTokenStore = TokenStore & { close(): Promise<void> };

class ClosableMemoryTokenStore extends MemoryTokenStore {
  async close(): Promise<void> {}
}

/** The kit's Redis store on a connection of its own, closed with the store. */
class ClosableRedisTokenStore extends RedisTokenStore {
  constructor(
    readonly connection: Redis,
    options: RedisTokenStoreOptions,
  ) {
    super(connection, options);
  }

  /** Resolves once the connection has ended (QUIT's reply comes before the socket closes). */
  async close(): Promise<void> {
    if (this.connection.status === "end") return;
    const ended = new Promise<void>((resolve) => {
      this.connection.once("end", () => resolve());
      setTimeout(resolve, 2_000).unref(); // never hang a shutdown on a socket that will not say so
    });
    await this.connection.quit().catch(() => this.connection.disconnect());
    await ended;
  }
}

/**
 * Redis-backed when `redisUrl` is given (shared across replicas, keys under `erpbridge:kingdee:` unless
 * `prefix` says otherwise), else an in-memory store.
 */
export function createTokenStore(opts: { redisUrl?: string | undefined } & RedisTokenStoreOptions = {}): ClosableTokenStore {
  const { redisUrl, ...redisOpts } = opts;
  if (!redisUrl) return new ClosableMemoryTokenStore();
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false });
  return new ClosableRedisTokenStore(connection, { prefix: "erpbridge:kingdee:", ...redisOpts });
}
