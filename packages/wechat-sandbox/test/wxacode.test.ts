import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWechatSandbox } from "../src/index.js";
import { PATHS, PNG_SIGNATURE, business, call, pngSize, token } from "./helpers.js";

const sandbox = await startWechatSandbox({ pages: ["pages/index/index", "pages/delivery/detail"] });
afterAll(() => sandbox.stop());
let accessToken = "";
beforeAll(async () => {
  accessToken = await token(sandbox);
});
const qr = (body: unknown) => business(sandbox, PATHS.getUnlimited, accessToken, body);

describe("getwxacodeunlimit", () => {
  it("answers a real PNG with Content-Type image/png, sized by width", async () => {
    const res = await qr({ scene: "d=SO-2025-0001&t=1", page: "pages/delivery/detail", width: 430 });
    expect(res.status).toBe(200);
    expect(res.contentType).toBe("image/png");
    expect(res.bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(pngSize(res.bytes)).toEqual({ width: 430, height: 430 });
    expect(pngSize((await qr({ scene: "a", width: 1280 })).bytes).width).toBe(1280);
    expect(pngSize((await qr({ scene: "a" })).bytes).width).toBe(430);
    expect(sandbox.wxacodes.generated()[0]).toMatchObject({ scene: "d=SO-2025-0001&t=1", page: "pages/delivery/detail", width: 430, envVersion: "release", checkPath: true });
  });

  it("the whole allowed scene alphabet, 32 characters, transparent and coloured", async () => {
    const scene = "Az09!#$&'()*+,/:;=?@-._~";
    expect((await qr({ scene, is_hyaline: true, line_color: { r: 12, g: 34, b: 56 } })).contentType).toBe("image/png");
    expect((await qr({ scene: "x".repeat(32) })).contentType).toBe("image/png");
  });

  it("scene errors: empty/too long/not JSON → 40169, bad characters → 40129", async () => {
    for (const body of [{ scene: "" }, {}, { scene: "x".repeat(33) }]) {
      const res = await qr(body);
      expect(res.contentType).toContain("application/json");
      expect(res.json.errcode, JSON.stringify(body)).toBe(40169);
    }
    expect((await call(sandbox, PATHS.getUnlimited, { query: { access_token: accessToken }, rawBody: "scene=a" })).json.errcode).toBe(40169);
    for (const scene of ["a%20b", "中文", "a b", "a\"b"]) expect((await qr({ scene })).json.errcode, scene).toBe(40129);
  });

  it("page rules: leading / or a query → 41030; unreleased page only with check_path false", async () => {
    expect((await qr({ scene: "a", page: "/pages/index/index" })).json.errcode).toBe(41030);
    expect((await qr({ scene: "a", page: "pages/index/index?x=1" })).json.errcode).toBe(41030);
    expect((await qr({ scene: "a", page: "pages/draft/index" })).json.errcode).toBe(41030);
    expect((await qr({ scene: "a", page: "pages/draft/index", check_path: false, env_version: "develop" })).contentType).toBe("image/png");
  });

  it("argument errors → 40097", async () => {
    for (const extra of [{ width: 279 }, { width: 1281 }, { width: "430" }, { env_version: "beta" }, { check_path: "no" }, { is_hyaline: 1 }, { line_color: { r: 300, g: 0, b: 0 } }]) {
      expect((await qr({ scene: "a", ...extra })).json.errcode, JSON.stringify(extra)).toBe(40097);
    }
  });
});
