/** Minimal structured logger the scheduler writes to (pino/console compatible). */
export interface SchedulerLogger {
  info(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
  error(msg: string, meta?: object): void;
}

export type SchedulerBackendName = "mongo" | "postgres";

export const consoleSchedulerLogger: SchedulerLogger = {
  info: (msg, meta) => console.log(msg, ...(meta ? [meta] : [])),
  warn: (msg, meta) => console.warn(msg, ...(meta ? [meta] : [])),
  error: (msg, meta) => console.error(msg, ...(meta ? [meta] : [])),
};
