/**
 * The few Redis commands the kit uses, so it needs no Redis client of its own: an ioredis `Redis`
 * (or `Cluster`) satisfies this as it is. Scripts run with `EVAL`; keys of one budget or one token
 * share a hash tag-free prefix, so put them on one node in a cluster by choosing the prefix.
 */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  del(key: string): Promise<number>;
  eval(script: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
}
