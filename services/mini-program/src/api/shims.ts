/**
 * Web globals the bundled tRPC client and superjson use that the mini-program JS runtime lacks.
 * esbuild `inject`s this file: every free reference to `AbortController` or `URL` in the bundle
 * (node_modules included) becomes these exports. A native implementation wins where one exists.
 */

type Listener = (event: { type: string }) => void;

class MiniAbortSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: Listener | null = null;
  private listeners: Listener[] = [];

  addEventListener(type: string, listener: Listener): void {
    if (type === "abort" && !this.listeners.includes(listener)) this.listeners.push(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    if (type === "abort") this.listeners = this.listeners.filter((l) => l !== listener);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  /** @internal */
  fire(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    if (reason === undefined) {
      const error = new Error("This operation was aborted");
      error.name = "AbortError";
      this.reason = error;
    } else this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    const event = { type: "abort" };
    this.onabort?.(event);
    for (const listener of listeners) listener(event);
  }
}

class MiniAbortController {
  readonly signal = new MiniAbortSignal();
  abort(reason?: unknown): void {
    this.signal.fire(reason);
  }
}

/** Enough of `URL` for superjson (an `instanceof` check and a round trip through a string). */
class MiniURL {
  readonly href: string;
  constructor(url: string, base?: string) {
    this.href = base && !/^[a-z][a-z0-9+.-]*:/i.test(url) ? `${base.replace(/\/+$/, "")}/${url.replace(/^\/+/, "")}` : String(url);
  }
  toString(): string {
    return this.href;
  }
  toJSON(): string {
    return this.href;
  }
}

const root: Record<string, unknown> = typeof globalThis === "object" ? (globalThis as unknown as Record<string, unknown>) : {};

const AbortControllerImpl = (typeof root.AbortController === "function" ? root.AbortController : MiniAbortController) as typeof MiniAbortController;
const URLImpl = (typeof root.URL === "function" ? root.URL : MiniURL) as typeof MiniURL;

export { AbortControllerImpl as AbortController, URLImpl as URL };
