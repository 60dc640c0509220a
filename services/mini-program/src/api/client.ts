import { createClient, type ErpbridgeClient } from "@erpbridge/client";
import { clearSession, getToken } from "./session";
import { createWxFetch, NetworkError } from "./wx-fetch";

declare const __API_URL__: string;

/** The API base URL, fixed at build time (`MINI_API_URL`). */
export const API_URL: string = __API_URL__.replace(/\/+$/, "");

export const LOGIN_PAGE = "/pages/login/index";

/** The typed client over `wx.request`, with the stored session token. Few calls per batch: GET batches travel in the URL. */
export const api: ErpbridgeClient = createClient({ url: API_URL, getToken, fetch: createWxFetch(), maxItems: 4 });

interface ErrorShape {
  message?: string;
  data?: { code?: string; httpStatus?: number; fieldErrors?: Array<{ path: string; message: string }> | null } | null;
}

/** The tRPC error code (`UNAUTHORIZED`, `NOT_FOUND`, …) of a failed call, if it has one. */
export function errorCode(error: unknown): string | undefined {
  return (error as ErrorShape | null)?.data?.code ?? undefined;
}

/** A message for the customer: field errors first, then the server's message; network failures named as such. */
export function errorMessage(error: unknown): string {
  if (error instanceof NetworkError || (error as { cause?: unknown } | null)?.cause instanceof NetworkError) {
    return "网络连接失败，请稍后重试 (network error)";
  }
  const shape = error as ErrorShape | null;
  const fields = shape?.data?.fieldErrors ?? [];
  if (fields.length > 0) return fields.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message)).join("; ");
  return shape?.message || String(error);
}

let redirecting = false;

/** The session is gone or invalid: forget it and go to the login page (once, however many calls fail). */
export function sessionExpired(): void {
  clearSession();
  if (redirecting) return;
  redirecting = true;
  wx.reLaunch({ url: LOGIN_PAGE, complete: () => (redirecting = false) });
}

/**
 * Runs a call for a signed-in page. UNAUTHORIZED (no, expired or revoked session) clears the
 * session and relaunches the login page; the error is rethrown for the page to stop loading.
 */
export async function authed<T>(call: () => Promise<T>): Promise<T> {
  if (!getToken()) {
    sessionExpired();
    throw Object.assign(new Error("not signed in"), { data: { code: "UNAUTHORIZED" } });
  }
  try {
    return await call();
  } catch (error) {
    if (errorCode(error) === "UNAUTHORIZED") sessionExpired();
    throw error;
  }
}
