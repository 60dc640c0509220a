import type { SandboxClock } from "@erpbridge/sandbox-kit";
import { ApiError, parseBody, str, type Answer } from "./answers.js";
import { ACCESS_TOKEN_SHAPE, newAccessToken } from "./ids.js";
import type { SandboxProtocol } from "./protocol.js";
import type { SandboxApp } from "./types.js";

interface TokenRecord {
  token: string;
  appId: string;
  kind: "stable" | "classic";
  expiresAt: number;
  /** From this instant the token answers 40001 ("invalid or not latest"). */
  revokedAt?: number;
}

interface StableState {
  current?: TokenRecord;
  forces: number[];
  issued: number;
  forced: number;
}

interface ClassicState {
  current?: TokenRecord;
  issued: number;
}

const DAY_MS = 86_400_000;
const BEIJING_MS = 8 * 3_600_000;
const beijingDay = (ms: number) => Math.floor((ms + BEIJING_MS) / DAY_MS);

/** Access tokens: the stable and the classic endpoint, and the check every token-bearing call makes. */
export class AccessTokens {
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #stable = new Map<string, StableState>();
  readonly #classic = new Map<string, ClassicState>();

  constructor(
    private readonly protocol: SandboxProtocol,
    private readonly clock: SandboxClock,
    private readonly apps: ReadonlyMap<string, SandboxApp>,
  ) {}

  #mint(appId: string, kind: TokenRecord["kind"], now: number): TokenRecord {
    const record: TokenRecord = { token: newAccessToken(), appId, kind, expiresAt: now + this.protocol.tokenLifetimeSeconds * 1000 };
    this.#tokens.set(record.token, record);
    return record;
  }

  #stableState(appId: string): StableState {
    let state = this.#stable.get(appId);
    if (!state) this.#stable.set(appId, (state = { forces: [], issued: 0, forced: 0 }));
    return state;
  }

  #classicState(appId: string): ClassicState {
    let state = this.#classic.get(appId);
    if (!state) this.#classic.set(appId, (state = { issued: 0 }));
    return state;
  }

  /** Checks appid/secret like the token endpoints do: 41002, 41004, 40013, then `badSecretErrcode`. */
  credentials(appid: unknown, secret: unknown, badSecretErrcode: number): SandboxApp {
    const id = str(appid);
    if (!id) throw new ApiError(41002);
    const sec = str(secret);
    if (!sec) throw new ApiError(41004);
    const app = this.apps.get(id);
    if (!app) throw new ApiError(40013);
    if (app.appSecret !== sec) throw new ApiError(badSecretErrcode);
    return app;
  }

  /** `POST /cgi-bin/stable_token`. */
  stableToken(rawBody: string): Answer {
    const p = this.protocol;
    const body = parseBody(rawBody, p.bodyNotJsonErrcode);
    if (body.grant_type !== "client_credential") throw new ApiError(40002);
    const app = this.credentials(body.appid, body.secret, 40001);
    if (body.force_refresh !== undefined && typeof body.force_refresh !== "boolean") {
      throw new ApiError(p.invalidArgsErrcode, "force_refresh must be a boolean");
    }
    const now = this.clock.now();
    const state = this.#stableState(app.appId);
    const today = beijingDay(now);
    state.forces = state.forces.filter((t) => beijingDay(t) === today);
    const last = state.forces[state.forces.length - 1];
    const forceAllowed =
      state.forces.length < p.forceRefreshPerDay && (last === undefined || now - last >= p.forceRefreshMinIntervalSeconds * 1000);

    let current = state.current;
    if (body.force_refresh === true && forceAllowed) {
      // Force: the current token dies now; a new one is minted.
      if (current) current.revokedAt = now;
      current = this.#mint(app.appId, "stable", now);
      state.forces.push(now);
      state.forced++;
      state.issued++;
    } else {
      // Normal (or force over its allowance: "no refresh"): the same token while valid, rotated in its
      // last window; a rotated-out token stays valid until its own expiry.
      const windowMs = Math.min(p.stableRotationWindowSeconds * 1000, (p.tokenLifetimeSeconds * 1000) / 2);
      if (!current || (current.revokedAt !== undefined && current.revokedAt <= now) || now >= current.expiresAt - windowMs) {
        current = this.#mint(app.appId, "stable", now);
        state.issued++;
      }
    }
    state.current = current;
    return { kind: "json", body: { access_token: current.token, expires_in: Math.floor((current.expiresAt - now) / 1000) } };
  }

  /** `GET /cgi-bin/token`: every call mints a new token; the previous one lives on for the grace period. */
  classicToken(query: URLSearchParams): Answer {
    if (query.get("grant_type") !== "client_credential") throw new ApiError(40002);
    const app = this.credentials(query.get("appid"), query.get("secret"), 40001);
    const now = this.clock.now();
    const state = this.#classicState(app.appId);
    if (state.current) {
      const graceEnd = now + this.protocol.classicGraceSeconds * 1000;
      state.current.revokedAt = Math.min(state.current.revokedAt ?? graceEnd, graceEnd);
    }
    state.current = this.#mint(app.appId, "classic", now);
    state.issued++;
    return { kind: "json", body: { access_token: state.current.token, expires_in: this.protocol.tokenLifetimeSeconds } };
  }

  /** The app behind `?access_token=`: 41001 missing, 40014 malformed, 40001 unknown/revoked, 42001 expired. */
  authenticate(query: URLSearchParams): SandboxApp {
    const token = query.get("access_token");
    if (!token) throw new ApiError(41001);
    if (!ACCESS_TOKEN_SHAPE.test(token)) throw new ApiError(40014);
    const record = this.#tokens.get(token);
    if (!record) throw new ApiError(40001);
    const now = this.clock.now();
    if (record.revokedAt !== undefined && record.revokedAt <= now) throw new ApiError(40001);
    if (record.expiresAt <= now) throw new ApiError(42001);
    return this.apps.get(record.appId)!;
  }

  /** The app a token was issued to, valid or not (the call log's account). */
  appIdOf(token: string): string | undefined {
    return this.#tokens.get(token)?.appId;
  }

  expire(): void {
    const now = this.clock.now();
    for (const record of this.#tokens.values()) record.expiresAt = Math.min(record.expiresAt, now - 1);
  }

  current(appId: string): string | undefined {
    return this.#stable.get(appId)?.current?.token;
  }

  stats(appId: string) {
    const stable = this.#stable.get(appId);
    return { stableIssued: stable?.issued ?? 0, forced: stable?.forced ?? 0, classicIssued: this.#classic.get(appId)?.issued ?? 0 };
  }
}
