import { SIGNAL_VARIANTS } from "@erpbridge/kingdee-sandbox";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { JDY_PROTOCOL, KingdeeError } from "../src/index.js";
import { CUSTOMER_PATH, TOKEN_PATH, sandboxWithClient } from "./helpers.js";

// Every row of JDY_PROTOCOL.signals, in every form the sandbox can emit (POST /__sandbox/signals),
// driven through the SDK: the SDK must recognise each form and react as the table says.

const { sandbox, client } = await sandboxWithClient();
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.faults.clear();
  sandbox.calls.reset();
});

const PULL_PATH = JDY_PROTOCOL.pullAuthorizationPath;

async function emit(signal: string, variant: string, times = 1, path = CUSTOMER_PATH) {
  const response = await fetch(`${sandbox.url}/__sandbox/signals`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ signal, variant, times, path }),
  });
  expect(response.status).toBe(200);
}

const list = (kingdee = client()) => kingdee.resource("customer").list({ pageSize: 1 });

/** sandbox signal → SDK table row. */
const ROW = { token_expired: "tokenRejected", throttled: "throttled", replay: "replayRejected", stale_idc: "staleDomain" } as const;

describe("the sandbox emits every variant the table names", () => {
  it("each variant is recognised as its row", async () => {
    const kingdee = client({ retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    await kingdee.token.get();
    for (const [signal, variants] of Object.entries(SIGNAL_VARIANTS)) {
      for (const variant of Object.keys(variants)) {
        sandbox.faults.clear();
        // Twice, so the one cure the SDK tries cannot hide the signal.
        await emit(signal, variant, 2);
        const error = await list(kingdee).catch((e: unknown) => e);
        expect(error, `${signal}/${variant}`).toBeInstanceOf(KingdeeError);
        expect((error as KingdeeError).signal, `${signal}/${variant}`).toBe(ROW[signal as keyof typeof ROW]);
      }
    }
  });

  it("every status and errcode in the table has a sandbox variant", () => {
    const emitted = Object.values(SIGNAL_VARIANTS).flatMap((v) => Object.keys(v));
    for (const [name, row] of Object.entries(JDY_PROTOCOL.signals)) {
      for (const status of row.httpStatus) expect(emitted, name).toContain(`http_${status}`);
      for (const code of row.gatewayErrcodes) expect(emitted, name).toContain(`gateway_${code}`);
      for (const code of row.bodyErrcodes) expect(emitted, name).toContain(`body_${code}`);
    }
  });
});

describe("token rejected: refresh once and resend", () => {
  for (const variant of Object.keys(SIGNAL_VARIANTS.token_expired)) {
    it(variant, async () => {
      const kingdee = client();
      await kingdee.token.get();
      sandbox.calls.reset();
      await emit("token_expired", variant);
      const page = await list(kingdee);
      expect(page.rows).toHaveLength(1);
      expect(sandbox.calls.count(TOKEN_PATH)).toBe(1);
      expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(2);
    });
  }
});

describe("throttled: back off and retry, writes included (refused before running)", () => {
  for (const variant of Object.keys(SIGNAL_VARIANTS.throttled)) {
    it(variant, async () => {
      const before = sandbox.data.count("customer");
      await emit("throttled", variant);
      await client().request({ method: "POST", path: CUSTOMER_PATH, body: { data: [{ name: `限流客户 ${variant}`, number: `T-${variant}` }] } });
      expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(2);
      expect(sandbox.data.count("customer")).toBe(before + 1);
    });
  }
});

describe("replay rejected: re-sign and resend once", () => {
  it("gateway_4006", async () => {
    await emit("replay", "gateway_4006");
    await list();
    expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(2);
  });
});

describe("stale IDC: pull authorization, resend only when the domain moved", () => {
  const withPull = (overrides = {}) => client({ outerInstanceId: sandbox.demoTenant.outerInstanceId, ...overrides });

  it("http_502 on a read, domain unchanged: pulled once, then the read is retried", async () => {
    await emit("stale_idc", "http_502");
    const page = await list(withPull());
    expect(page.rows).toHaveLength(1);
    expect(sandbox.calls.count(PULL_PATH)).toBe(1);
    expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(2);
  });

  it("gateway_5001 on a read, domain unchanged: pulled once, then reported (no route is not retried)", async () => {
    await emit("stale_idc", "gateway_5001");
    const error = await list(withPull()).catch((e) => e);
    expect(error).toMatchObject({ status: 519, errcode: 5001, signal: "staleDomain" });
    expect(sandbox.calls.count(PULL_PATH)).toBe(1);
    expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(1);
  });

  it("gateway_5001 because the client's domain is stale: the pull brings the right one and the call is resent", async () => {
    const seen: string[] = [];
    const kingdee = withPull({ domain: "https://stale.jdy.com", onAuthorizationChange: (info: { domain: string }) => void seen.push(info.domain) });
    const page = await list(kingdee);
    expect(page.rows).toHaveLength(1);
    expect(seen).toEqual([sandbox.demoTenant.domain]);
    expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(2);
  });
});
