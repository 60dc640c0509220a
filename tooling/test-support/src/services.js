/** URL of the Redis server for tests, or undefined when REDIS_URL is unset. */
export function redisUrl() {
  return process.env.REDIS_URL || undefined;
}

/**
 * Like redisUrl(), but when REDIS_URL is unset it logs `skipped: REDIS_URL not set (<what>)`
 * so a skipped suite is visible in the output. Use with `describe.skipIf(!url)`.
 */
export function requireRedis(what) {
  const url = redisUrl();
  if (!url) console.log(`skipped: REDIS_URL not set (${what})`);
  return url;
}

/** URL of the MongoDB server for tests, or undefined when MONGODB_URL is unset. */
export function mongoUrl() {
  return process.env.MONGODB_URL || undefined;
}

/** Like mongoUrl(), but logs `skipped: MONGODB_URL not set (<what>)` when unset. */
export function requireMongo(what) {
  const url = mongoUrl();
  if (!url) console.log(`skipped: MONGODB_URL not set (${what})`);
  return url;
}
