import { describe, expect, it } from "vitest";
import { ApiError, parseRetryAfter, redact, redactUrl } from "../src/index.js";

describe("ApiError", () => {
  const secret = "s3cr3t-app-secret-value";
  const error = new ApiError({
    message: `GET /token?app_secret=${secret}&x=1 failed: echo ${secret}`,
    category: "rate_limit",
    method: "GET",
    endpoint: `/token?app_key=k1&access_token=tok-123456&x=1`,
    status: 429,
    code: 5007,
    requestId: "req-1",
    retryable: true,
    headers: new Headers({ "Retry-After": "3", "Set-Cookie": "sid=abcdef123", "X-Api-Signature": "sig", "Content-Type": "application/json" }),
    secrets: [secret],
    cause: new Error("root"),
  });

  it("carries status, code, category, retryable, request id, endpoint, headers and Retry-After, and keeps cause", () => {
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "ApiError", status: 429, code: 5007, category: "rate_limit", retryable: true, requestId: "req-1", retryAfterMs: 3_000 });
    expect(error.headers?.["content-type"]).toBe("application/json");
    expect((error.cause as Error).message).toBe("root");
  });

  it("redacts credentials from the message, the endpoint's query and the headers", () => {
    const printed = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`;
    expect(printed).not.toContain(secret);
    expect(printed).not.toContain("tok-123456");
    expect(printed).not.toContain("abcdef123");
    expect(error.endpoint).toBe("/token?app_key=k1&access_token=[redacted]&x=1");
    expect(error.headers?.["set-cookie"]).toBe("[redacted]");
    expect(error.headers?.["x-api-signature"]).toBe("[redacted]");
  });

  it("an explicit retryAfterMs wins over the header", () => {
    const e = new ApiError({ message: "m", category: "x", method: "GET", endpoint: "/", headers: { "retry-after": "9" }, retryAfterMs: 5 });
    expect(e.retryAfterMs).toBe(5);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("reads delta-seconds and HTTP dates; a past date is 0; nonsense is undefined", () => {
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(" 1.5 ", now)).toBe(1_500);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("redact", () => {
  it("masks credential-named pairs and known secrets, but not short values or ordinary words", () => {
    expect(redact("secret=abc&grant_type=client", [])).toBe("secret=[redacted]&grant_type=client");
    expect(redact("token rejected for tenant abc", ["abc"])).toBe("token rejected for tenant abc");
    expect(redactUrl("/cgi-bin/x?access_token=T0K3N-xyz&appid=wx1")).toBe("/cgi-bin/x?access_token=[redacted]&appid=wx1");
  });
});
