import { resolve } from "node:path";
import { createClient, type ErpbridgeClient, type FetchLike } from "@erpbridge/client";

export const DEFAULT_URL = "http://localhost:3000";
/** A request that takes longer than this is reported as the server being unreachable. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Bad or missing arguments (exit code 2, with the command's usage). */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Wrong configuration, e.g. no ADMIN_TOKEN (exit code 2, no usage). */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** A failure already explained to the user (e.g. a sync run that ended `failed`): exit code 1. */
export class CommandFailed extends Error {
  override name = "CommandFailed";
}

export interface Io {
  out(line?: string): void;
  err(line?: string): void;
  /** Whether stdout is a terminal (progress lines are rewritten in place). */
  isTTY: boolean;
  /** Rewrites the current terminal line (only called when isTTY). */
  rewrite(line: string): void;
}

export interface Env {
  ERPBRIDGE_URL?: string | undefined;
  ADMIN_TOKEN?: string | undefined;
  INIT_CWD?: string | undefined;
  [name: string]: string | undefined;
}

export interface RunContext {
  io: Io;
  /** Server base URL (from --url, ERPBRIDGE_URL, or the default). */
  url: string;
  /** The typed client with the admin token; throws ConfigError when ADMIN_TOKEN is unset. */
  api(): ErpbridgeClient;
  /** Resolves a path the user typed (relative to where they ran `pnpm admin`, not the package). */
  path(file: string): string;
  /** The environment, for values better kept off the command line (secrets). */
  env: Env;
}

export function resolveUrl(flag: string | undefined, env: Env): string {
  const raw = (flag ?? env.ERPBRIDGE_URL ?? "").trim() || DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new UsageError(`--url / ERPBRIDGE_URL is not a URL: ${JSON.stringify(raw)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(`--url / ERPBRIDGE_URL must be http(s): ${JSON.stringify(raw)}`);
  }
  return raw.replace(/\/+$/, "");
}

/** fetch with a timeout, so a server that accepts but never answers is reported instead of hanging. */
const fetchWithTimeout: FetchLike = (url, init) => {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  return fetch(url, { ...init, signal });
};

export function createContext(options: { io: Io; env: Env; cwd: string; urlFlag: string | undefined }): RunContext {
  const url = resolveUrl(options.urlFlag, options.env);
  let client: ErpbridgeClient | undefined;
  // pnpm runs the package script in the package folder; INIT_CWD is where the user typed the command.
  const base = options.env.INIT_CWD || options.cwd;
  return {
    io: options.io,
    url,
    api() {
      if (client) return client;
      const token = options.env.ADMIN_TOKEN?.trim();
      if (!token) throw new ConfigError("ADMIN_TOKEN is not set: export the server's admin token as ADMIN_TOKEN");
      client = createClient({ url, getToken: () => token, fetch: fetchWithTimeout, maxItems: 10 });
      return client;
    },
    path: (file) => resolve(base, file),
    env: options.env,
  };
}
