/** Thrown when the job runtime cannot reach its job store (or cannot start on it). */
export class SchedulerStartError extends Error {
  /** The environment variable holding the URL that failed: `MONGODB_URL` or `DATABASE_URL`. */
  readonly variable: "MONGODB_URL" | "DATABASE_URL";
  /** Which store was tried. */
  readonly backend: "mongo" | "postgres";
  /** The URL with any password masked. */
  readonly target: string;

  constructor(
    message: string,
    details: { variable: "MONGODB_URL" | "DATABASE_URL"; backend: "mongo" | "postgres"; target: string; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "SchedulerStartError";
    this.variable = details.variable;
    this.backend = details.backend;
    this.target = details.target;
  }
}
