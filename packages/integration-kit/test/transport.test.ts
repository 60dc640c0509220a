import { createServer, type Server } from "node:http";
import { getEventListeners } from "node:events";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, clientFactory, compose, HttpFailure, type Plugin, retry, type Send, sendHttp } from "../src/index.js";

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const delay = Number(new URL(req.url!, "http://x").searchParams.get("delay") ?? 0);
    setTimeout(() => res.end(JSON.stringify({ path: req.url })), delay);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("sendHttp", () => {
  it("returns the response and its whole body", async () => {
    const { response, body } = await sendHttp({ url: new URL(`${base}/a`), method: "GET", timeoutMs: 2_000 });
    expect(response.status).toBe(200);
    expect(JSON.parse(body.toString())).toEqual({ path: "/a" });
  });

  it("gives up after its timeout with kind `timeout`", async () => {
    const started = performance.now();
    const failure = await sendHttp({ url: new URL(`${base}/slow?delay=2000`), method: "GET", timeoutMs: 100 }).catch((e) => e);
    expect(failure).toBeInstanceOf(HttpFailure);
    expect(failure).toMatchObject({ kind: "timeout", neverSent: false });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("stops when the caller's signal aborts, with kind `aborted` and the signal's reason as cause", async () => {
    const controller = new AbortController();
    const reason = new Error("user went away");
    setTimeout(() => controller.abort(reason), 50);
    const failure = await sendHttp({ url: new URL(`${base}/slow?delay=2000`), method: "GET", timeoutMs: 5_000, signal: controller.signal }).catch(
      (e) => e,
    );
    expect(failure).toMatchObject({ kind: "aborted" });
    expect(failure.cause).toBe(reason);
  });

  it("a long-lived caller signal (a sync stream's) keeps no listener from finished exchanges; one already aborted stops at once", async () => {
    const stream = new AbortController();
    await Promise.all(Array.from({ length: 20 }, (_, i) => sendHttp({ url: new URL(`${base}/p${i}`), method: "GET", timeoutMs: 2_000, signal: stream.signal })));
    await sendHttp({ url: new URL(`${base}/slow?delay=300`), method: "GET", timeoutMs: 50, signal: stream.signal }).catch(() => undefined);
    expect(getEventListeners(stream.signal, "abort")).toHaveLength(0);

    stream.abort(new Error("stream stopped"));
    const failure = await sendHttp({ url: new URL(`${base}/late`), method: "GET", timeoutMs: 2_000, signal: stream.signal }).catch((e) => e);
    expect(failure).toMatchObject({ kind: "aborted", cause: stream.signal.reason });
  });

  it("a refused connection is a network failure that provably never reached the server", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failure = await sendHttp({ url: new URL(`http://127.0.0.1:${port}/`), method: "POST", timeoutMs: 2_000 }).catch((e) => e);
    expect(failure).toMatchObject({ kind: "network", neverSent: true });
  });
});

interface Req {
  method: string;
  path: string;
  signal?: AbortSignal;
  tags?: string[];
}
type Res = { status: number };

describe("compose", () => {
  const core: Send<Req, Res> = async <T>(request: Req) => ({ status: 200, data: (request.tags ?? []) as T });
  const tag =
    (name: string): Plugin<Req, Res> =>
    (next) =>
    (request) =>
      next({ ...request, tags: [...(request.tags ?? []), name] });

  it("runs plugins outermost first, so a user's own plugin slots in anywhere", async () => {
    const send = compose(core, tag("outer"), tag("user"), tag("inner"));
    expect((await send<string[]>({ method: "GET", path: "/" })).data).toEqual(["outer", "user", "inner"]);
  });

  it("retry resends a curable failure and the retry sleep stops when the caller aborts", async () => {
    let attempts = 0;
    const flaky: Send<Req, Res> = async <T>() => {
      attempts++;
      if (attempts < 3) throw new ApiError({ message: "busy", category: "network", method: "GET", endpoint: "/", retryable: true });
      return { status: 200, data: "ok" as T };
    };
    const send = compose(flaky, retry({ retries: 5, baseDelayMs: 1, maxDelayMs: 2 }));
    expect((await send({ method: "GET", path: "/" })).data).toBe("ok");
    expect(attempts).toBe(3);

    const failing: Send<Req, Res> = async () => {
      throw new ApiError({ message: "busy", category: "rate_limit", method: "GET", endpoint: "/", retryable: true, retryAfterMs: 10_000 });
    };
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 30);
    const started = performance.now();
    await expect(compose(failing, retry({ retries: 3, baseDelayMs: 1, maxDelayMs: 1 }))({ method: "GET", path: "/", signal: controller.signal })).rejects.toThrow("stop");
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe("clientFactory().defaults()", () => {
  interface Config {
    appId: string;
    timeoutMs?: number;
    retry?: { retries?: number; baseDelayMs?: number };
  }
  const create = clientFactory((config: Config) => ({ config }));

  it("merges presets under the caller's config, plain objects key by key, and stacks", () => {
    const fast = create.defaults({ timeoutMs: 1_000, retry: { retries: 1, baseDelayMs: 5 } });
    const tenant = fast.defaults({ appId: "wx1" });
    expect(tenant({ retry: { retries: 4 } }).config).toEqual({ appId: "wx1", timeoutMs: 1_000, retry: { retries: 4, baseDelayMs: 5 } });
    expect(create({ appId: "wx2" }).config).toEqual({ appId: "wx2" });
  });
});
