import { ApiError } from "@erpbridge/integration-kit";
import { JDY_PROTOCOL } from "./protocol.js";

export type KingdeeErrorCategory =
  | "authentication"
  | "authorization"
  | "network"
  | "timeout"
  | "validation"
  | "business"
  | "rate_limit"
  /** A write may or may not have run (e.g. HTTP 502 on an unchanged domain): check before sending it again. */
  | "outcome_unknown"
  | "unknown";

export type JdySignal = keyof typeof JDY_PROTOCOL.signals;

const has = (list: readonly number[], value: number | undefined) => value !== undefined && list.includes(value);

/** Which row of `JDY_PROTOCOL.signals` an answer matches, if any. */
export function signalOf(status: number | undefined, errcode: number | undefined): JdySignal | undefined {
  for (const [name, signal] of Object.entries(JDY_PROTOCOL.signals) as Array<[JdySignal, (typeof JDY_PROTOCOL.signals)[JdySignal]]>) {
    if (has(signal.httpStatus, status)) return name;
    if (status === JDY_PROTOCOL.gatewayErrorStatus && has(signal.gatewayErrcodes, errcode)) return name;
    if (status === 200 && has(signal.bodyErrcodes, errcode)) return name;
  }
  return undefined;
}

export interface KingdeeErrorInit {
  message: string;
  category: KingdeeErrorCategory;
  method: string;
  endpoint: string;
  status?: number;
  errcode?: number;
  description?: string;
  requestId?: string;
  retryable?: boolean;
  /** The answer's headers (credential-bearing ones are masked; `Retry-After` is read from them). */
  headers?: Headers | Record<string, string>;
  cause?: unknown;
}

/**
 * The one error the SDK throws (an `ApiError` of the integration kit). Carries what a caller needs
 * to decide and to report: HTTP status, Kingdee errcode (also as `code`) and description, the
 * endpoint, the gateway request id, the answer's headers and `Retry-After`, a category, and whether
 * a retry could help. Never contains secrets, tokens or signatures.
 */
export class KingdeeError extends ApiError<KingdeeErrorCategory> {
  override readonly name = "KingdeeError";
  readonly errcode: number | undefined;
  readonly description: string | undefined;

  constructor(init: KingdeeErrorInit) {
    super({ ...init, code: init.errcode });
    this.errcode = init.errcode;
    this.description = init.description;
  }

  /** The `JDY_PROTOCOL.signals` row this failure matches, if any. */
  get signal(): JdySignal | undefined {
    return signalOf(this.status, this.errcode);
  }

  /** The app-token was rejected: refreshing it may cure the call. */
  get isTokenRejected(): boolean {
    return this.signal === "tokenRejected";
  }

  /** Timestamp or nonce rejected by the replay guard: a fresh signature may cure the call. */
  get isReplayRejected(): boolean {
    return this.signal === "replayRejected";
  }

  /** The call reached the wrong IDC: pulling authorization may bring the account's new domain. */
  get isStaleDomain(): boolean {
    return this.signal === "staleDomain";
  }

  override toJSON() {
    return { ...super.toJSON(), errcode: this.errcode, description: this.description };
  }
}

interface Failure {
  method: string;
  endpoint: string;
  status: number;
  errcode?: number;
  description?: string;
  requestId?: string;
  headers?: Headers | Record<string, string>;
}

/** Maps an HTTP status + errcode to a category and retryability, in one place. */
export function classifyFailure(f: Failure): { category: KingdeeErrorCategory; retryable: boolean } {
  const g = JDY_PROTOCOL.gateway;
  const code = f.errcode;
  const signal = signalOf(f.status, code);
  if (signal === "throttled") return { category: "rate_limit", retryable: true };
  if (signal === "tokenRejected") return { category: "authentication", retryable: false };
  if (signal === "replayRejected") return { category: "authentication", retryable: true };
  if (f.status === JDY_PROTOCOL.gatewayErrorStatus && code !== undefined) {
    if (code === g.forbidden) return { category: "authorization", retryable: false };
    if (code === g.timeout) return { category: "timeout", retryable: true };
    if (code === g.internal || code === g.unavailable) return { category: "network", retryable: true };
    if (code === g.apiNotFound || code === g.methodNotAllowed) return { category: "validation", retryable: false };
    if (code >= 4001 && code <= 4011) return { category: "authentication", retryable: false };
    return { category: "unknown", retryable: false };
  }
  if (f.status === 403) return { category: "authorization", retryable: false };
  if (f.status === 408 || f.status === 504) return { category: "timeout", retryable: true };
  if (f.status >= 500) return { category: "network", retryable: true };
  if (f.status >= 400) return { category: "validation", retryable: false };
  // HTTP 200 with a non-zero errcode: a business answer.
  if (code === JDY_PROTOCOL.authorizationInfoErrcode || code === JDY_PROTOCOL.staleAppSecretErrcode) {
    return { category: "authentication", retryable: false };
  }
  if (code !== undefined && code >= 1030002000 && code <= 1030002999) return { category: "validation", retryable: false };
  return { category: "business", retryable: false };
}

export function failureError(f: Failure): KingdeeError {
  const { category, retryable } = classifyFailure(f);
  const detail = [f.errcode !== undefined ? `errcode ${f.errcode}` : undefined, f.description].filter(Boolean).join(": ");
  return new KingdeeError({
    ...f,
    category,
    retryable,
    message: `Kingdee ${f.method} ${f.endpoint} failed (HTTP ${f.status}${detail ? `, ${detail}` : ""})`,
  });
}
