/**
 * At most `max` tasks in flight; the rest wait in order. WeChat allows 10 concurrent
 * request/upload/download tasks per mini-program and fails the extra ones.
 */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly waiting: number;
  /** The most tasks that were ever in flight at once. */
  readonly peak: number;
}

export function createLimiter(max: number): Limiter {
  let active = 0;
  let peak = 0;
  const queue: Array<() => void> = [];
  const pump = () => {
    while (active < max && queue.length > 0) {
      active++;
      if (active > peak) peak = active;
      queue.shift()!();
    }
  };
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push(() => {
          const done = () => {
            active--;
            pump();
          };
          let started: Promise<T>;
          try {
            started = task();
          } catch (error) {
            started = Promise.reject(error);
          }
          started.then(
            (value) => {
              done();
              resolve(value);
            },
            (error: unknown) => {
              done();
              reject(error);
            },
          );
        });
        pump();
      });
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    get peak() {
      return peak;
    },
  };
}

const SHARED_KEY = "__erpbridgeNetworkLimiter";
let local: Limiter | undefined;

/**
 * The one limiter of the whole mini-program. Each page is its own bundle (its own copy of this
 * module), so the limiter lives on the App instance that all pages share.
 */
export function networkLimiter(): Limiter {
  const app = typeof getApp === "function" ? (getApp({ allowDefault: true }) as unknown as Record<string, unknown> | undefined) : undefined;
  if (app) {
    if (!app[SHARED_KEY]) app[SHARED_KEY] = createLimiter(10);
    return app[SHARED_KEY] as Limiter;
  }
  return (local ??= createLimiter(10));
}
