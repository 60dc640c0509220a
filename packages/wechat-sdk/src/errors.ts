import { ApiError } from "@erpbridge/integration-kit";
import { type RetryPolicy, WECHAT_PROTOCOL } from "./protocol.js";

export type WechatErrorCategory =
  /** Bad appid/secret, or an access token that stayed invalid after one refresh. */
  | "authentication"
  /** API not granted to the app, caller IP not whitelisted, user blocked as high-risk. */
  | "authorization"
  /** 43101: the user gave no (remaining) subscription consent. A normal outcome: log at info, never retry. */
  | "consent"
  /** js_code / phone code invalid, expired or already used: ask the mini-program for a new one. */
  | "invalid_code"
  | "rate_limit"
  | "network"
  | "timeout"
  | "validation"
  | "business"
  | "unknown";

export interface WechatErrorInit {
  message: string;
  category: WechatErrorCategory;
  method: string;
  endpoint: string;
  status?: number;
  errcode?: number;
  errmsg?: string;
  requestId?: string;
  retryable?: boolean;
  /** The answer's headers (credential-bearing ones are masked; `Retry-After` is read from them). */
  headers?: Headers | Record<string, string>;
  cause?: unknown;
}

/**
 * The one error the SDK throws (an `ApiError` of the integration kit). Carries what a caller needs
 * to decide and to report: WeChat errcode (also as `code`) and errmsg, the endpoint (a path: never a
 * URL with its query), HTTP status, the `rid` request id, the answer's headers, a category, and
 * whether sending the same request again could help. Never contains the access token, the AppSecret
 * or a session_key.
 */
export class WechatError extends ApiError<WechatErrorCategory> {
  override readonly name = "WechatError";
  readonly errcode: number | undefined;
  readonly errmsg: string | undefined;
  /** What the errcode means, in a few words (`WECHAT_PROTOCOL.explanations`); undefined for an unknown one. */
  readonly explanation: string | undefined;

  constructor(init: WechatErrorInit) {
    super({ ...init, code: init.errcode });
    this.errcode = init.errcode;
    this.errmsg = init.errmsg;
    this.explanation = init.errcode === undefined ? undefined : WECHAT_PROTOCOL.explanations[init.errcode];
  }

  /** A business call's access token was rejected (40001/40014/42001): a refresh may cure it. */
  get isTokenRejected(): boolean {
    return (
      this.endpoint !== WECHAT_PROTOCOL.paths.stableToken &&
      this.errcode !== undefined &&
      (WECHAT_PROTOCOL.tokenRejectedCodes as readonly number[]).includes(this.errcode)
    );
  }

  override toJSON() {
    return { ...super.toJSON(), errcode: this.errcode, errmsg: this.errmsg, explanation: this.explanation };
  }
}

interface Failure {
  method: string;
  endpoint: string;
  status: number;
  errcode?: number;
  errmsg?: string;
  requestId?: string;
  headers?: Headers | Record<string, string>;
}

const has = (list: readonly number[], code: number | undefined) => code !== undefined && list.includes(code);

/**
 * Maps an HTTP status + errcode to a category, and — given the endpoint's retry policy — whether
 * sending the same request again could help. The one place these decisions are made.
 */
export function classifyFailure(f: Failure, policy: RetryPolicy = "idempotent"): { category: WechatErrorCategory; retryable: boolean } {
  const p = WECHAT_PROTOCOL;
  const code = f.errcode;
  const idempotent = policy === "idempotent";
  if (has(p.quotaCodes, code)) return { category: "rate_limit", retryable: false };
  if (f.status === 429 || has(p.rateLimitCodes, code)) return { category: "rate_limit", retryable: policy !== "single_use" };
  if (f.status === 408 || f.status === 504) return { category: "timeout", retryable: idempotent };
  if (f.status >= 500 || code === p.errcodes.systemBusy) return { category: "network", retryable: idempotent };
  if (has(p.consentCodes, code)) return { category: "consent", retryable: false };
  if (has(p.invalidCodeCodes, code)) return { category: "invalid_code", retryable: false };
  if (has(p.authenticationCodes, code) || f.status === 401) return { category: "authentication", retryable: false };
  if (has(p.authorizationCodes, code) || f.status === 403) return { category: "authorization", retryable: false };
  if (has(p.validationCodes, code) || f.status >= 400) return { category: "validation", retryable: false };
  return { category: code === undefined ? "unknown" : "business", retryable: false };
}

const OUTCOME: Record<RetryPolicy, string> = {
  idempotent: "",
  write: " (outcome unknown: it may have been delivered; check before sending again)",
  single_use: " (the code may have been consumed: obtain a new one from the mini-program)",
};

/** Why a failure left the outcome open, for messages. Empty when the answer proves nothing ran. */
export const outcomeNote = (policy: RetryPolicy) => OUTCOME[policy];

export function failureError(f: Failure, policy: RetryPolicy): WechatError {
  const { category, retryable } = classifyFailure(f, policy);
  const explanation = f.errcode === undefined ? undefined : WECHAT_PROTOCOL.explanations[f.errcode];
  const detail = [f.errcode !== undefined ? `errcode ${f.errcode}` : undefined, f.errmsg].filter(Boolean).join(": ");
  const unknownOutcome = (category === "network" || category === "timeout") && policy !== "idempotent";
  return new WechatError({
    ...f,
    category,
    retryable,
    message: `WeChat ${f.method} ${f.endpoint} failed${explanation ? `: ${explanation}` : ""} (HTTP ${f.status}${detail ? `, ${detail}` : ""})${unknownOutcome ? outcomeNote(policy) : ""}`,
  });
}
