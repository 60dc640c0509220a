import type { RedisLike } from "../redis.js";
import { sleep } from "../transport.js";
import { DEFAULT_WINDOW_MS, type RateBudget, type RateBudgetLimit } from "./rate-budget.js";

export interface RedisRateBudgetOptions extends RateBudgetLimit {
  redis: RedisLike;
  /**
   * The outside account the budget belongs to — what the outside system counts calls against
   * (for Kingdee JDY: the account set, see the SDK's `accountKey`). Every client with the same key
   * shares one budget.
   */
  account: string;
  /** Key prefix; default `integration-kit:budget:`. The state lives at `<prefix><account>`. */
  prefix?: string;
  /**
   * Calls that may go back to back after an idle spell (default 2, or the limit if lower). One beyond
   * the first lets a caller whose timer fires late keep the pace instead of losing the slot.
   */
  burst?: number;
  /**
   * Extra spacing against the delay between Redis granting a call and the call reaching the outside
   * system (event-loop stalls, connection setup): calls are spaced as if the window were this much
   * longer. Default 1 % of the window.
   */
  marginMs?: number;
  /** How long every sharer pauses after a throttled answer without `Retry-After` (ms, default 1 000). */
  backoffMs?: number;
}

/*
 * GCRA, in one script so replicas never race. The state is the theoretical arrival time (TAT) of
 * the next call, on Redis's own clock (one clock for every replica). A call may go when
 * now ≥ TAT - tolerance; it then moves TAT to max(TAT, now) + interval. Otherwise the script answers
 * how long to wait and the caller asks again then: permission is granted when the caller is ready to
 * send, so a caller whose timer fires late cannot bunch up with the next one (a reservation would).
 * KEYS[1] state; ARGV interval ms, tolerance ms, window ms. Answers 0 (go) or the wait in ms.
 */
const TAKE = `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval, tolerance, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call("GET", KEYS[1]) or "0")
if tat < now then tat = now end
local allowAt = tat - tolerance
if allowAt > now then return string.format("%.3f", allowAt - now) end
local nextTat = tat + interval
redis.call("SET", KEYS[1], string.format("%.3f", nextTat), "PX", math.ceil(nextTat - now + window))
return "0"`;

/* Pushes TAT to at least now + pause + tolerance: no call is granted before now + pause. */
const PAUSE = `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local pause, tolerance, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call("GET", KEYS[1]) or "0")
local paused = now + pause + tolerance
if paused > tat then
  redis.call("SET", KEYS[1], string.format("%.3f", paused), "PX", math.ceil(paused - now + window))
end
return 1`;

/**
 * A rate budget shared through Redis by every process that calls one outside account: calls in ANY
 * window of `windowMs` stay ≤ `limit`, however many replicas share it. GCRA rather than a fixed
 * window, which would let 2·limit through around a window edge. The emission interval I is
 * `(windowMs + marginMs) / (limit - burst + 0.5)`: a burst at 0 and calls at I, 2I, … put at most
 * `limit` calls in any window, and the next one lands marginMs + I/2 past the window's end — slack
 * against the delay between a grant on Redis's clock and the HTTP call reaching the outside system.
 * The cost is a sustained rate of (limit - burst + 0.5)/limit · windowMs/(windowMs + marginMs) of
 * the ceiling (≈ 0.98 for 450 calls a minute). Takers of one instance queue in
 * arrival order, so only one per process asks Redis at a time.
 */
export class RedisRateBudget implements RateBudget {
  readonly #redis: RedisLike;
  readonly #key: string;
  readonly #intervalMs: number;
  readonly #toleranceMs: number;
  readonly #windowMs: number;
  readonly #backoffMs: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: RedisRateBudgetOptions) {
    const burst = options.burst ?? Math.min(2, Math.floor(options.limit));
    if (!(options.limit >= 1) || !Number.isInteger(burst) || burst < 1 || burst > options.limit) {
      throw new RangeError(`a rate budget needs limit ≥ burst ≥ 1 (limit ${options.limit}, burst ${burst})`);
    }
    this.#redis = options.redis;
    this.#key = `${options.prefix ?? "integration-kit:budget:"}${options.account}`;
    this.#windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    const marginMs = options.marginMs ?? this.#windowMs / 100;
    this.#intervalMs = (this.#windowMs + marginMs) / (options.limit - burst + 0.5);
    this.#toleranceMs = (burst - 1) * this.#intervalMs;
    this.#backoffMs = options.backoffMs ?? 1_000;
  }

  take(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#takeOne(signal));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async #takeOne(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const wait = Number(await this.#redis.eval(TAKE, 1, this.#key, this.#intervalMs, this.#toleranceMs, this.#windowMs));
      if (!(wait > 0)) return;
      await sleep(Math.max(1, wait), signal);
    }
  }

  async backOff(retryAfterMs?: number): Promise<void> {
    await this.#redis.eval(PAUSE, 1, this.#key, retryAfterMs ?? this.#backoffMs, this.#toleranceMs, this.#windowMs);
  }
}
