import pino, { type Logger } from "pino";

/** Paths never written to logs: credentials, tokens, signatures, uploaded images. */
export const REDACT_PATHS = [
  "req.headers.authorization",
  'req.headers["app-token"]',
  'req.headers["x-api-signature"]',
  "*.clientSecret",
  "*.appSecret",
  "*.client_secret",
  "*.app_secret",
  "*.appsecret",
  "*.token",
  "*.sessionToken",
  "*.password",
  "*.signatureBase64",
  "*.photosBase64",
  "input.*.clientSecret",
  "input.*.appSecret",
];

/** JSON logs in production; pretty when a TTY asks for it in development. */
export function createLogger(options: { level: string; pretty: boolean }): Logger {
  return pino({
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    ...(options.pretty ? { transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss" } } } : {}),
  });
}

/** The `(message, meta)` logger shape the domain's services take, writing to pino. */
export function domainLogger(logger: Logger) {
  return {
    info: (msg: string, meta?: object) => logger.info(meta ?? {}, msg),
    warn: (msg: string, meta?: object) => logger.warn(meta ?? {}, msg),
    error: (msg: string, meta?: object) => logger.error(meta ?? {}, msg),
  };
}
