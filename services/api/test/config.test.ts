import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";

// Settings that guard the service: the webhook's shared token, its freshness window, the listen address.

const base = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
  ADMIN_TOKEN: "admin-token-0123456789abcdefghij",
  ENCRYPTION_KEY: "k".repeat(44),
};
const WEBHOOK_TOKEN = "w".repeat(24);

describe("configuration", () => {
  it("production refuses to start without a KINGDEE_WEBHOOK_TOKEN of at least 24 characters", () => {
    expect(() => loadConfig({ ...base, NODE_ENV: "production" })).toThrow(/KINGDEE_WEBHOOK_TOKEN: KINGDEE_WEBHOOK_TOKEN is required in production/);
    expect(() => loadConfig({ ...base, NODE_ENV: "production", KINGDEE_WEBHOOK_TOKEN: "" })).toThrow(/KINGDEE_WEBHOOK_TOKEN is required/);
    expect(() => loadConfig({ ...base, NODE_ENV: "production", KINGDEE_WEBHOOK_TOKEN: "short-token" })).toThrow(/at least 24 characters/);
    try {
      loadConfig({ ...base, NODE_ENV: "production", KINGDEE_WEBHOOK_TOKEN: "short-token" });
    } catch (error) {
      expect(String(error)).not.toContain("short-token"); // values are never echoed
    }
    expect(loadConfig({ ...base, NODE_ENV: "production", KINGDEE_WEBHOOK_TOKEN: WEBHOOK_TOKEN }).KINGDEE_WEBHOOK_TOKEN).toBe(WEBHOOK_TOKEN);
  });

  it("elsewhere the token is optional (the webhook is then off), and an empty value means unset", () => {
    expect(loadConfig({ ...base }).KINGDEE_WEBHOOK_TOKEN).toBeUndefined();
    expect(loadConfig({ ...base, KINGDEE_WEBHOOK_TOKEN: "" }).KINGDEE_WEBHOOK_TOKEN).toBeUndefined();
    expect(() => loadConfig({ ...base, KINGDEE_WEBHOOK_TOKEN: "short" })).toThrow(/at least 24 characters/);
  });

  it("pushes are fresh for 10 minutes unless KINGDEE_WEBHOOK_MAX_AGE_SECONDS says otherwise", () => {
    expect(loadConfig({ ...base }).KINGDEE_WEBHOOK_MAX_AGE_SECONDS).toBe(600);
    expect(loadConfig({ ...base, KINGDEE_WEBHOOK_MAX_AGE_SECONDS: "120" }).KINGDEE_WEBHOOK_MAX_AGE_SECONDS).toBe(120);
    expect(() => loadConfig({ ...base, KINGDEE_WEBHOOK_MAX_AGE_SECONDS: "-1" })).toThrow(/KINGDEE_WEBHOOK_MAX_AGE_SECONDS/);
  });

  it("production listens on all interfaces unless HOST says otherwise (the embedded default binds 127.0.0.1)", () => {
    expect(loadConfig({ ...base, NODE_ENV: "production", KINGDEE_WEBHOOK_TOKEN: WEBHOOK_TOKEN }).HOST).toBe("0.0.0.0");
  });

  it("jobs run in the API process unless JOBS=off (then workers run them); anything else is refused by name", () => {
    expect(loadConfig({ ...base }).JOBS).toBe("embedded");
    expect(loadConfig({ ...base, JOBS: "off" }).JOBS).toBe("off");
    expect(() => loadConfig({ ...base, JOBS: "false" })).toThrow(/JOBS: JOBS must be "embedded" or "off"/);
  });
});
