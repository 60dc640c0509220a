import type { DomainLogger } from "@erpbridge/domain/logger";
import pino, { type DestinationStream, type Logger } from "pino";

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
  // A connection's secrets, whatever the kind names them.
  "*.secrets",
  "input.*.secrets",
];

/** Query parameters whose values never reach a log line. */
const SECRET_QUERY_KEYS = new Set(["token", "secret", "signature", "access_token", "app_secret"]);
/** Routes whose whole query is a secret (the webhook's shared token, and whatever a caller adds to it). */
const SECRET_QUERY_ROUTES = /^\/webhook\//;

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed escape stays as it came
  }
}

/** A request URL fit for a log line: secret query values (or a webhook's whole query) replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const path = url.slice(0, q);
  if (SECRET_QUERY_ROUTES.test(safeDecode(path))) return `${path}?[redacted]`;
  const params = url
    .slice(q + 1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const rawKey = eq < 0 ? pair : pair.slice(0, eq);
      return SECRET_QUERY_KEYS.has(safeDecode(rawKey.replace(/\+/g, " ")).toLowerCase()) ? `${rawKey}=[redacted]` : pair;
    });
  return `${path}?${params.join("&")}`;
}

/** Fastify's request serializer with the URL redacted. */
const requestSerializer = (req: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
  method: req.method,
  url: req.url === undefined ? undefined : redactUrl(req.url),
  host: req.host,
  remoteAddress: req.ip,
  remotePort: req.socket?.remotePort,
});

/**
 * JSON logs in production; pretty when a TTY asks for it in development. `destination` replaces
 * stdout (tests capture the log there).
 */
export function createLogger(options: { level: string; pretty: boolean; destination?: DestinationStream }): Logger {
  const settings = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: { req: requestSerializer },
  };
  if (options.destination) return pino(settings, options.destination);
  return pino({
    ...settings,
    ...(options.pretty ? { transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss" } } } : {}),
  });
}

/** The domain's DomainLogger, writing to pino. */
export function domainLogger(logger: Logger): DomainLogger {
  return {
    info: (msg: string, meta?: object) => logger.info(meta ?? {}, msg),
    warn: (msg: string, meta?: object) => logger.warn(meta ?? {}, msg),
    error: (msg: string, meta?: object) => logger.error(meta ?? {}, msg),
  };
}
