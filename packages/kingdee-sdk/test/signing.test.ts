import { describe, expect, it } from "vitest";
import { appSignature, canonicalString, hmacHexBase64, queryPairs, signRequest } from "../src/signing.js";

// Vectors from ../shared/reference/kingdee-openapi.md §2.1 and §3.5, byte for byte.
const own = { secret: "0123456789abcdef0123456789abcdef", nonce: "8217306451", timestamp: "1735747200123" };

describe("JDY request signing (reference vectors)", () => {
  it("DOC: the official token-call example", () => {
    const input = {
      method: "GET",
      path: "/jdyconnector/app_management/kingdee_auth_token",
      query: queryPairs({
        app_key: "bVZgAZOv1",
        app_signature: "MzZlYTk0ODk4MWZlNjdiODNmNWU4YzViNzYxNGM5MTFlOGJkN2NjMzk0MTJkZGNhZGM0NzZhN2YxZDJmOTlkZA==",
      }),
      nonce: "4427456950",
      timestamp: "1670305063559",
    };
    expect(canonicalString(input)).toBe(
      "GET\n%2Fjdyconnector%2Fapp_management%2Fkingdee_auth_token\napp_key=bVZgAZOv1&app_signature=MzZlYTk0ODk4MWZlNjdiODNmNWU4YzViNzYxNGM5MTFlOGJkN2NjMzk0MTJkZGNhZGM0NzZhN2YxZDJmOTlkZA%253D%253D\nx-api-nonce:4427456950\nx-api-timestamp:1670305063559\n",
    );
    expect(signRequest("f2adcfef73369bfc4e1384677d38a0ff", input)).toBe(
      "OTFiZTliNDFiMjNkYTI3YzVhNzg4MDI4ZGU3MWY1ZTA5ZTk1NjVlNGM1YTI1ZjIxY2Y5YTA3ZGY2OGI1MGQ1MQ==",
    );
  });

  it("A: incremental list call", () => {
    const input = {
      method: "GET",
      path: "/jdy/v2/scm/sal_out_bound",
      query: queryPairs({
        page: 1,
        page_size: 100,
        modify_start_time: "1735660800000",
        modify_end_time: "1735747200000",
        bill_status: "C",
      }),
      nonce: own.nonce,
      timestamp: own.timestamp,
    };
    expect(canonicalString(input)).toBe(
      "GET\n%2Fjdy%2Fv2%2Fscm%2Fsal_out_bound\nbill_status=C&modify_end_time=1735747200000&modify_start_time=1735660800000&page=1&page_size=100\nx-api-nonce:8217306451\nx-api-timestamp:1735747200123\n",
    );
    expect(signRequest(own.secret, input)).toBe(
      "ZjgzMzU2MmJjNmMxNzAxNzY1N2U2ZjE4MzkwOGQzMWU4YTA3NGRhNGM1ZGE0OTMxNDE4ZTU3YTkyZWI0M2JjZA==",
    );
  });

  it("B: POST with a JSON body and no query keeps the empty query line", () => {
    const input = { method: "post", path: "/jdy/v2/bd/customer", nonce: own.nonce, timestamp: own.timestamp };
    expect(canonicalString(input)).toBe(
      "POST\n%2Fjdy%2Fv2%2Fbd%2Fcustomer\n\nx-api-nonce:8217306451\nx-api-timestamp:1735747200123\n",
    );
    expect(signRequest(own.secret, input)).toBe(
      "ZjkzODhhN2U3OTQyOTRkMDQxMGJjZmNiMDAwYWJkYTBhZThhNGY2NDdiMmVkYWExYjQ4ZTk1N2M0YmYzYTUyZA==",
    );
  });

  it("C: special characters follow the Java client, not encodeURIComponent", () => {
    const input = {
      method: "GET",
      path: "/jdy/v2/bd/customer",
      query: queryPairs({ page: 1, search: "客户 A*~'()!" }),
      nonce: own.nonce,
      timestamp: own.timestamp,
    };
    expect(canonicalString(input).split("\n")[2]).toBe(
      "page=1&search=%25E5%25AE%25A2%25E6%2588%25B7%2BA%2A%257E%2527%2528%2529%2521",
    );
    expect(signRequest(own.secret, input)).toBe(
      "ZTljMzIxM2ZiMDczMDJlMmQwZWVlMGQ5MDEyMDZjNTMyM2Y5YWYzZmE5Y2U2OWUwZmRmYjIzNTI2YjU3Y2VlNQ==",
    );
  });

  it("D: key-prefix ordering sorts whole k=v strings like Java", () => {
    const input = {
      method: "GET",
      path: "/jdy/v2/bd/customer",
      query: queryPairs({ aux: "x", aux1: "y" }),
      nonce: own.nonce,
      timestamp: own.timestamp,
    };
    expect(canonicalString(input).split("\n")[2]).toBe("aux1=y&aux=x");
    expect(signRequest(own.secret, input)).toBe(
      "ZmMxZjJlNjJhZWNhM2RlYThlNGUwMzk2MDAzYWJmYTFkMGFkYTdmNjU1MWY4NjIxMTFiYzRiZjA4OWFhODY4MQ==",
    );
  });

  it("E: app_signature (doc example and own vector)", () => {
    expect(appSignature("abc", "abc123")).toBe(
      "ZDljMTI3NGIyNTE1MTRkYzlkNjc1MDNhYjUzMzgzNWMyY2M4YTdjMzdmNmM3YTVlNDkxMTkzNjdiOTFjNzUyZQ==",
    );
    expect(appSignature("Ab3dEf9H", "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567")).toBe(
      "YTdlOTM1NzFkMTA4ODI0MWY0YTEyYzE2ODExZGM1MGQxNzQ0ZjE3OGU0Y2U3OTJhN2Q4MDg0YjI2ZjI5MzM4Zg==",
    );
  });

  it("the trailing newline matters: the doc's wrong value is the HMAC without it", () => {
    const input = {
      method: "GET",
      path: "/jdyconnector/app_management/kingdee_auth_token",
      query: queryPairs({
        app_key: "bVZgAZOv1",
        app_signature: "MzZlYTk0ODk4MWZlNjdiODNmNWU4YzViNzYxNGM5MTFlOGJkN2NjMzk0MTJkZGNhZGM0NzZhN2YxZDJmOTlkZA==",
      }),
      nonce: "4427456950",
      timestamp: "1670305063559",
    };
    expect(hmacHexBase64("f2adcfef73369bfc4e1384677d38a0ff", canonicalString(input).slice(0, -1))).toBe(
      "N2NmYjIzMTgxZGY1MDk2ZmE5MTEyZWE1NjVhNDRkZGNlNWMzNzkzNDk0MzQ4NGJkYTE1ODE4NjViM2I2MTMyOA==",
    );
  });
});
