/** Sandbox time: the wall clock plus an offset tests can advance (tokens, codes and rate windows expire by it). */
export interface SandboxClock {
  /** Sandbox time, epoch ms. */
  now(): number;
  /** Moves sandbox time forward; time never runs backwards. */
  advance(ms: number): void;
}

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
