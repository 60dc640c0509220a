import type { SandboxClock } from "./types.js";

/** Wall clock plus an offset tests can advance (codes and tokens expire by it). */
export class Clock implements SandboxClock {
  #offset = 0;
  now(): number {
    return Date.now() + this.#offset;
  }
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error("clock.advance needs ms >= 0");
    this.#offset += ms;
  }
}
