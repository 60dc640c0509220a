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
  /** Calls that may go back to back after an idle spell (default 1: evenly spaced). */
  burst?: number;
  /** How long every sharer pauses after a throttled answer without `Retry-After` (ms, default 1 000). */
  backoffMs?: number;
}

/*
 * GCRA with reservations, in one script so replicas never race. The state is the theoretical
 * arrival time (TAT) of the next call, on Redis's own clock (one clock for every replica).
 * Each call reserves the slot max(TAT - tolerance, now) and moves TAT on by one interval; the
 * caller sleeps until its slot. KEYS[1] state; ARGV interval ms, tolerance ms, window ms.
 */
const RESERVE = `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval, tolerance, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call("GET", KEYS[1]) or "0")
if tat < now then tat = now end
local slot = tat - tolerance
if slot < now then slot = now end
local nextTat = tat + interval
redis.call("SET", KEYS[1], string.format("%.3f", nextTat), "PX", math.ceil(nextTat - now + window))
return string.format("%.3f", slot - now)`;

/* Pushes TAT to at least now + pause + tolerance: no reservation made after this starts before now + pause. */
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
 * `windowMs / (limit - burst + 0.5)`: a burst at 0 and calls at I, 2I, … put exactly `limit` calls in
 * any window, and the next one lands I/2 past the window's end — slack against the jitter between a
 * reservation on Redis's clock and the HTTP call reaching the outside system. The cost is a
 * sustained rate of (limit - burst + 0.5)/limit of the ceiling. A call reserved before a `backOff`
 * keeps its slot; later ones wait.
 */
export class RedisRateBudget implements RateBudget {
  readonly #redis: RedisLike;
  readonly #key: string;
  readonly #intervalMs: number;
  readonly #toleranceMs: number;
  readonly #windowMs: number;
  readonly #backoffMs: number;

  constructor(options: RedisRateBudgetOptions) {
    const burst = options.burst ?? 1;
    if (!(options.limit >= 1) || !Number.isInteger(burst) || burst < 1 || burst > options.limit) {
      throw new RangeError(`a rate budget needs limit ≥ burst ≥ 1 (limit ${options.limit}, burst ${burst})`);
    }
    this.#redis = options.redis;
    this.#key = `${options.prefix ?? "integration-kit:budget:"}${options.account}`;
    this.#windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.#intervalMs = this.#windowMs / (options.limit - burst + 0.5);
    this.#toleranceMs = (burst - 1) * this.#intervalMs;
    this.#backoffMs = options.backoffMs ?? 1_000;
  }

  async take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const wait = Number(await this.#redis.eval(RESERVE, 1, this.#key, this.#intervalMs, this.#toleranceMs, this.#windowMs));
    if (wait > 0) await sleep(wait, signal);
  }

  async backOff(retryAfterMs?: number): Promise<void> {
    await this.#redis.eval(PAUSE, 1, this.#key, retryAfterMs ?? this.#backoffMs, this.#toleranceMs, this.#windowMs);
  }
}
