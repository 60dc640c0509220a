import { describe, expect, it } from "vitest";
import {
  canonicalQuery,
  canonicalString,
  decodeQuery,
  expectedAppSignature,
  expectedSignature,
  gwEncode,
  hmacHexBase64,
  javaUrlEncode,
} from "../src/signing.js";

// Vectors from /work/shared/reference/kingdee-openapi.md §2.1 and §3.5, byte for byte.
const own = { secret: "0123456789abcdef0123456789abcdef", nonce: "8217306451", timestamp: "1735747200123" };
const headers = (nonce: string, ts: string) =>
  [
    ["x-api-timestamp", ts],
    ["x-api-nonce", nonce],
  ] as const;

describe("gateway signature verification (reference vectors)", () => {
  const doc = {
    method: "GET",
    path: "/jdyconnector/app_management/kingdee_auth_token",
    query: decodeQuery(
      "app_key=bVZgAZOv1&app_signature=MzZlYTk0ODk4MWZlNjdiODNmNWU4YzViNzYxNGM5MTFlOGJkN2NjMzk0MTJkZGNhZGM0NzZhN2YxZDJmOTlkZA%3D%3D",
    ),
    headers: headers("4427456950", "1670305063559"),
  };

  it("DOC: official token-call example (decoded from the URL, %3D%3D → ==)", () => {
    expect(canonicalString(doc)).toBe(
      "GET\n%2Fjdyconnector%2Fapp_management%2Fkingdee_auth_token\napp_key=bVZgAZOv1&app_signature=MzZlYTk0ODk4MWZlNjdiODNmNWU4YzViNzYxNGM5MTFlOGJkN2NjMzk0MTJkZGNhZGM0NzZhN2YxZDJmOTlkZA%253D%253D\nx-api-nonce:4427456950\nx-api-timestamp:1670305063559\n",
    );
    expect(expectedSignature("f2adcfef73369bfc4e1384677d38a0ff", doc)).toBe(
      "OTFiZTliNDFiMjNkYTI3YzVhNzg4MDI4ZGU3MWY1ZTA5ZTk1NjVlNGM1YTI1ZjIxY2Y5YTA3ZGY2OGI1MGQ1MQ==",
    );
  });

  it("DOC: without the trailing newline the HMAC is the doc's wrong value", () => {
    expect(hmacHexBase64("f2adcfef73369bfc4e1384677d38a0ff", canonicalString(doc).slice(0, -1))).toBe(
      "N2NmYjIzMTgxZGY1MDk2ZmE5MTEyZWE1NjVhNDRkZGNlNWMzNzkzNDk0MzQ4NGJkYTE1ODE4NjViM2I2MTMyOA==",
    );
  });

  it("A: incremental list call", () => {
    const input = {
      method: "GET",
      path: "/jdy/v2/scm/sal_out_bound",
      query: decodeQuery("page=1&page_size=100&modify_start_time=1735660800000&modify_end_time=1735747200000&bill_status=C"),
      headers: headers(own.nonce, own.timestamp),
    };
    expect(canonicalString(input)).toBe(
      "GET\n%2Fjdy%2Fv2%2Fscm%2Fsal_out_bound\nbill_status=C&modify_end_time=1735747200000&modify_start_time=1735660800000&page=1&page_size=100\nx-api-nonce:8217306451\nx-api-timestamp:1735747200123\n",
    );
    expect(expectedSignature(own.secret, input)).toBe(
      "ZjgzMzU2MmJjNmMxNzAxNzY1N2U2ZjE4MzkwOGQzMWU4YTA3NGRhNGM1ZGE0OTMxNDE4ZTU3YTkyZWI0M2JjZA==",
    );
  });

  it("B: POST without query keeps the empty query line; method is upper-cased", () => {
    const input = { method: "post", path: "/jdy/v2/bd/customer", query: [], headers: headers(own.nonce, own.timestamp) };
    expect(canonicalString(input)).toBe(
      "POST\n%2Fjdy%2Fv2%2Fbd%2Fcustomer\n\nx-api-nonce:8217306451\nx-api-timestamp:1735747200123\n",
    );
    expect(expectedSignature(own.secret, input)).toBe(
      "ZjkzODhhN2U3OTQyOTRkMDQxMGJjZmNiMDAwYWJkYTBhZThhNGY2NDdiMmVkYWExYjQ4ZTk1N2M0YmYzYTUyZA==",
    );
  });

  it("C: special characters follow the Java client (space as + and %20 both decode to space)", () => {
    for (const raw of [
      "page=1&search=%E5%AE%A2%E6%88%B7+A*~'()!",
      "page=1&search=%E5%AE%A2%E6%88%B7%20A%2A%7E%27%28%29%21",
    ]) {
      const input = { method: "GET", path: "/jdy/v2/bd/customer", query: decodeQuery(raw), headers: headers(own.nonce, own.timestamp) };
      expect(canonicalString(input).split("\n")[2]).toBe(
        "page=1&search=%25E5%25AE%25A2%25E6%2588%25B7%2BA%2A%257E%2527%2528%2529%2521",
      );
      expect(expectedSignature(own.secret, input)).toBe(
        "ZTljMzIxM2ZiMDczMDJlMmQwZWVlMGQ5MDEyMDZjNTMyM2Y5YWYzZmE5Y2U2OWUwZmRmYjIzNTI2YjU3Y2VlNQ==",
      );
      // the encodeURIComponent×2 variant is NOT what the gateway computes
      expect(expectedSignature(own.secret, input)).not.toBe(
        "OTk0MjYwZWRmMDQ3NjlhOWRmNTQwZDg4ZmUwNmY1ZGY4NDI1NDUzZjdmN2QzNTRlZGFiY2UyNmU1NDcwMmQ1YQ==",
      );
    }
  });

  it("D: key-prefix ordering sorts whole k=v strings like Java", () => {
    const input = { method: "GET", path: "/jdy/v2/bd/customer", query: decodeQuery("aux=x&aux1=y"), headers: headers(own.nonce, own.timestamp) };
    expect(canonicalQuery(input.query)).toBe("aux1=y&aux=x");
    expect(expectedSignature(own.secret, input)).toBe(
      "ZmMxZjJlNjJhZWNhM2RlYThlNGUwMzk2MDAzYWJmYTFkMGFkYTdmNjU1MWY4NjIxMTFiYzRiZjA4OWFhODY4MQ==",
    );
  });

  it("E: app_signature (doc example and own vector)", () => {
    expect(expectedAppSignature("abc", "abc123")).toBe(
      "ZDljMTI3NGIyNTE1MTRkYzlkNjc1MDNhYjUzMzgzNWMyY2M4YTdjMzdmNmM3YTVlNDkxMTkzNjdiOTFjNzUyZQ==",
    );
    expect(expectedAppSignature("Ab3dEf9H", "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567")).toBe(
      "YTdlOTM1NzFkMTA4ODI0MWY0YTEyYzE2ODExZGM1MGQxNzQ0ZjE3OGU0Y2U3OTJhN2Q4MDg0YjI2ZjI5MzM4Zg==",
    );
  });

  it("encoders match Java's GwURLEncoder and URLEncoder", () => {
    expect(gwEncode("a b*~'()!/_.-")).toBe("a+b%2A~%27%28%29%21%2F_.-");
    expect(javaUrlEncode("a b*~'()!/_.-")).toBe("a+b*%7E%27%28%29%21%2F_.-");
    expect(gwEncode("客")).toBe("%E5%AE%A2");
  });
});
