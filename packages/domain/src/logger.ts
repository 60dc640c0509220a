/**
 * The one logger the domain writes to: a message and structured fields. Pino and the console fit
 * it; the api hands in pino through `domainLogger`.
 */
export interface DomainLogger {
  info(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
  error(msg: string, meta?: object): void;
}

export const consoleLogger: DomainLogger = {
  info: (msg, meta) => console.log(msg, ...(meta ? [meta] : [])),
  warn: (msg, meta) => console.warn(msg, ...(meta ? [meta] : [])),
  error: (msg, meta) => console.error(msg, ...(meta ? [meta] : [])),
};

export const silentLogger: DomainLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
