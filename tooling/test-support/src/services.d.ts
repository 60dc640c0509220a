/** `process.env.REDIS_URL`, or undefined when unset/empty. */
export declare function redisUrl(): string | undefined;
/** `redisUrl()`; when unset, logs exactly `skipped: REDIS_URL not set (<what>)`. */
export declare function requireRedis(what: string): string | undefined;
/** `process.env.MONGODB_URL`, or undefined when unset/empty. */
export declare function mongoUrl(): string | undefined;
/** `mongoUrl()`; when unset, logs exactly `skipped: MONGODB_URL not set (<what>)`. */
export declare function requireMongo(what: string): string | undefined;
