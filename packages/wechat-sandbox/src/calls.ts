import type { SandboxCalls } from "./types.js";

/** Every gateway request, counted on arrival (before any fault, auth or rate-limit decision). */
export class CallLog implements SandboxCalls {
  #all: number[] = [];
  #byPath = new Map<string, number[]>();

  record(path: string, at: number): void {
    this.#all.push(at);
    const list = this.#byPath.get(path);
    if (list) list.push(at);
    else this.#byPath.set(path, [at]);
  }

  count(path?: string): number {
    return path === undefined ? this.#all.length : (this.#byPath.get(path)?.length ?? 0);
  }

  times(path?: string): number[] {
    return (path === undefined ? this.#all : (this.#byPath.get(path) ?? [])).slice();
  }

  byPath(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [path, list] of this.#byPath) out[path] = list.length;
    return out;
  }

  reset(): void {
    this.#all = [];
    this.#byPath.clear();
  }
}
