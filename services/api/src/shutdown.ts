import type { Logger } from "pino";

/** Time from SIGTERM/SIGINT to exit: below the 30 s a container runtime waits before SIGKILL. */
export const SHUTDOWN_BUDGET_MS = 25_000;

export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown>;
  /** Its own limit instead of what is left of the budget (a step with no container kill to beat). */
  timeoutMs?: number;
}

/**
 * Runs the steps in order within one budget, so together they end before the container's kill;
 * a step that fails or runs out of time is logged and the next one runs. Then exits 0.
 */
export async function shutdown(logger: Logger, signal: string, steps: ShutdownStep[]): Promise<never> {
  logger.info({ signal }, "shutting down");
  const deadline = Date.now() + SHUTDOWN_BUDGET_MS;
  for (const step of steps) {
    const timeoutMs = step.timeoutMs ?? Math.max(deadline - Date.now(), 0);
    try {
      await Promise.race([step.run(), new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), timeoutMs).unref())]);
    } catch (error) {
      logger.warn({ step: step.name, err: error instanceof Error ? error.message : String(error) }, "shutdown step failed");
    }
  }
  logger.info("stopped cleanly");
  process.exit(0);
}

/** Calls `onSignal` once, on the first SIGINT or SIGTERM. */
export function onStopSignal(onSignal: (signal: string) => Promise<unknown>): void {
  let closing = false;
  const handle = (signal: string) => {
    if (closing) return;
    closing = true;
    void onSignal(signal);
  };
  process.on("SIGINT", () => handle("SIGINT"));
  process.on("SIGTERM", () => handle("SIGTERM"));
}
