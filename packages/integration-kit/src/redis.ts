/**
 * The few Redis commands the kit uses, so it needs no Redis client of its own: an ioredis `Redis`
 * (or `Cluster`) satisfies this as it is. Every script touches one key, so it runs on a cluster too.
 */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  del(key: string): Promise<number>;
  eval(script: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
}
