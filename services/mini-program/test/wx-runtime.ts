/**
 * A small stand-in for the WeChat mini-program runtime, enough to run the BUILT pages (dist/) in
 * Node: each script runs in its own `node:vm` context that has only what the mini-program JS
 * runtime has (ECMAScript built-ins, console, timers, and the globals `wx`, `Page`, `App`,
 * `getApp`, `getCurrentPages`) — no `fetch`, `URL`, `AbortController`, `process` or `require`, so a
 * bundle that leans on a Node or browser global fails here as it would on a phone.
 *
 * - `wx.request` makes real HTTP calls (to the test API). Like WeChat it calls `success` for every
 *   HTTP status and `fail` only on a network error, and it FAILS a request started while 10 are in
 *   flight ("exceed max task count"). `offline = true` makes every request fail.
 * - `setData` merges into `data` ('a.b' and 'a[0].b' paths), serialising values like the real
 *   bridge does; values that would not survive it (Dates, functions, undefined) are recorded in
 *   `warnings`.
 * - Storage, `wx.login` (codes from a callback: the WeChat sandbox), toasts, modals (answered with
 *   `modalAnswer`), navigation (recorded; `follow()` opens the target), `wx.chooseMedia` (files
 *   set in `mediaFiles`), `wx.getLocation`, `wx.scanCode`, `wx.requestSubscribeMessage`,
 *   `wx.downloadFile` (real HTTP), a 2D canvas that really rasterises strokes, and
 *   `wx.canvasToTempFilePath` writing a real PNG; `getFileSystemManager().readFile` reads files.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import vm from "node:vm";
import { encodePng } from "./png.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- stands in for the untyped objects WeChat's runtime and the built pages pass around
type AnyRecord = Record<string, any>;
type Callbacks = { success?: (res: unknown) => void; fail?: (err: unknown) => void; complete?: (res: unknown) => void };

export const MAX_CONCURRENT_REQUESTS = 10;

export interface RequestRecord {
  kind: "request" | "download";
  method: string;
  url: string;
  status?: number;
  error?: string;
  body?: string;
}

export interface Navigation {
  type: "navigateTo" | "redirectTo" | "reLaunch" | "switchTab" | "navigateBack";
  url: string;
}

/** A page instance and helpers to drive it like the view layer would. */
export interface PageHandle {
  route: string;
  query: Record<string, string>;
  instance: AnyRecord;
  readonly data: AnyRecord;
  /** Calls a page method (lifecycle or handler) and waits for the promise it returns, if any. */
  call(method: string, ...args: unknown[]): Promise<unknown>;
  /** A `bindtap` with `data-*` attributes. */
  tap(method: string, dataset?: AnyRecord): Promise<unknown>;
  /** A `bindinput` with its value. */
  input(method: string, value: string): Promise<unknown>;
  /** Touches on a `<canvas type="2d">`: start, moves, end. */
  draw(points: Array<[number, number]>, handlers?: { start: string; move: string; end: string }): Promise<void>;
}

// ---------------------------------------------------------------- the 2D canvas

function parseColor(value: unknown): [number, number, number] {
  const s = String(value ?? "#000").trim().toLowerCase();
  let m = /^#([0-9a-f]{6})$/.exec(s);
  if (m) return [parseInt(m[1]!.slice(0, 2), 16), parseInt(m[1]!.slice(2, 4), 16), parseInt(m[1]!.slice(4, 6), 16)];
  m = /^#([0-9a-f]{3})$/.exec(s);
  if (m) return [...m[1]!].map((c) => parseInt(c + c, 16)) as [number, number, number];
  if (s === "white") return [255, 255, 255];
  return [0, 0, 0];
}

/** The canvas node of `<canvas type="2d">`: drawing really lands in an RGB pixel buffer. */
export class FakeCanvas {
  width = 300;
  height = 150;
  pixels = new Uint8Array(300 * 150 * 3).fill(0);
  private context: FakeContext2D | undefined;

  constructor(readonly id: string) {}

  getContext(type: string): FakeContext2D | null {
    if (type !== "2d") return null;
    this.resize();
    return (this.context ??= new FakeContext2D(this));
  }

  /** Reallocates the buffer when width/height changed (like a real canvas, that clears it). */
  resize(): void {
    if (this.pixels.length !== this.width * this.height * 3) this.pixels = new Uint8Array(this.width * this.height * 3);
  }

  plot(x: number, y: number, rgb: [number, number, number]): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const i = (py * this.width + px) * 3;
    this.pixels[i] = rgb[0];
    this.pixels[i + 1] = rgb[1];
    this.pixels[i + 2] = rgb[2];
  }

  /** Pixels that are not white. */
  inkPixels(): number {
    let n = 0;
    for (let i = 0; i < this.pixels.length; i += 3) if (this.pixels[i]! < 250 || this.pixels[i + 1]! < 250 || this.pixels[i + 2]! < 250) n++;
    return n;
  }

  toPng(): Buffer {
    this.resize();
    return encodePng(this.width, this.height, this.pixels);
  }
}

class FakeContext2D {
  fillStyle = "#000000";
  strokeStyle = "#000000";
  lineWidth = 1;
  lineCap = "butt";
  lineJoin = "miter";
  private sx = 1;
  private sy = 1;
  private path: Array<Array<[number, number]>> = [];
  /** Calls made, for assertions. */
  readonly ops: string[] = [];

  constructor(private readonly canvas: FakeCanvas) {}

  scale(x: number, y: number) {
    this.ops.push("scale");
    this.sx *= x;
    this.sy *= y;
  }
  setTransform(a: number, _b: number, _c: number, d: number) {
    this.sx = a;
    this.sy = d;
  }
  fillRect(x: number, y: number, w: number, h: number) {
    this.ops.push("fillRect");
    this.canvas.resize();
    const rgb = parseColor(this.fillStyle);
    const x0 = Math.max(0, Math.floor(x * this.sx));
    const y0 = Math.max(0, Math.floor(y * this.sy));
    const x1 = Math.min(this.canvas.width, Math.ceil((x + w) * this.sx));
    const y1 = Math.min(this.canvas.height, Math.ceil((y + h) * this.sy));
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.canvas.plot(px, py, rgb);
  }
  clearRect(x: number, y: number, w: number, h: number) {
    const saved = this.fillStyle;
    this.fillStyle = "#ffffff";
    this.fillRect(x, y, w, h);
    this.fillStyle = saved;
  }
  beginPath() {
    this.path = [];
  }
  moveTo(x: number, y: number) {
    this.path.push([[x * this.sx, y * this.sy]]);
  }
  lineTo(x: number, y: number) {
    const current = this.path[this.path.length - 1];
    if (current) current.push([x * this.sx, y * this.sy]);
    else this.path.push([[x * this.sx, y * this.sy]]);
  }
  stroke() {
    this.ops.push("stroke");
    this.canvas.resize();
    const rgb = parseColor(this.strokeStyle);
    const radius = Math.max(0.5, (this.lineWidth * (this.sx + this.sy)) / 4);
    for (const sub of this.path) {
      for (let i = 1; i < sub.length; i++) {
        const [ax, ay] = sub[i - 1]!;
        const [bx, by] = sub[i]!;
        const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay)));
        for (let s = 0; s <= steps; s++) {
          const cx = ax + ((bx - ax) * s) / steps;
          const cy = ay + ((by - ay) * s) / steps;
          for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) if (dx * dx + dy * dy <= radius * radius) this.canvas.plot(cx + dx, cy + dy, rgb);
        }
      }
    }
  }
}

// ---------------------------------------------------------------- paths in setData

function parsePath(path: string): Array<string | number> {
  const parts: Array<string | number> = [];
  for (const piece of path.split(".")) {
    const re = /([^[\]]+)|\[(\d+)\]/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(piece))) parts.push(m[1] !== undefined ? m[1] : Number(m[2]));
  }
  return parts;
}

/** Where a value would not survive the bridge to the view layer. */
function unserialisable(value: unknown, at: string, found: string[]): void {
  if (value === undefined) found.push(`${at}: undefined`);
  else if (typeof value === "function") found.push(`${at}: function`);
  else if (value instanceof Date || Object.prototype.toString.call(value) === "[object Date]") found.push(`${at}: Date`);
  else if (value && typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && proto !== null && Object.getPrototypeOf(proto) !== null) found.push(`${at}: ${proto?.constructor?.name ?? "object"} instance`);
    for (const [k, v] of Object.entries(value)) unserialisable(v, `${at}.${k}`, found);
  }
}

// ---------------------------------------------------------------- the runtime

export interface RuntimeOptions {
  /** The built mini-program (what project.config.json's miniprogramRoot points at). */
  distDir: string;
  /** Where temp files (canvas exports, downloads) go. */
  tmpDir: string;
  /** The code `wx.login` gives (e.g. from the WeChat sandbox); none: wx.login fails. */
  login?: () => string | Promise<string>;
}

export class MiniRuntime {
  readonly storage = new Map<string, string>();
  readonly requests: RequestRecord[] = [];
  readonly navigations: Navigation[] = [];
  readonly toasts: AnyRecord[] = [];
  readonly modals: AnyRecord[] = [];
  readonly titles: string[] = [];
  readonly warnings: string[] = [];
  readonly subscribeRequests: string[][] = [];
  readonly stack: PageHandle[] = [];
  /** What `wx.showModal` answers. */
  modalAnswer = true;
  /** What `wx.chooseMedia` returns (temp file paths). */
  mediaFiles: string[] = [];
  /** What `wx.scanCode` returns. */
  scanResult: { result?: string; path?: string } | null = null;
  /** Per template id what `wx.requestSubscribeMessage` answers (default accept). */
  subscribeAnswer: Record<string, "accept" | "reject" | "ban" | "filter"> = {};
  /** Every request fails as a network error. */
  offline = false;
  inFlight = 0;
  peakInFlight = 0;
  loadingShown = 0;
  app: AnyRecord | undefined;
  private readonly appJson: { pages: string[] };
  private readonly pageOptions = new Map<string, AnyRecord>();
  private readonly contexts = new Map<string, vm.Context>();
  private registered: AnyRecord | undefined;
  private fileCounter = 0;
  readonly canvases: FakeCanvas[] = [];

  constructor(readonly options: RuntimeOptions) {
    this.appJson = JSON.parse(readFileSync(join(options.distDir, "app.json"), "utf8"));
    mkdirSync(options.tmpDir, { recursive: true });
  }

  // ------------------------------------------------------------ scripts

  /**
   * One realm for the whole mini-program, like the real logic layer (pages share globals). A
   * value a page keeps (data, storage reads) is made in that realm.
   */
  private realm(): vm.Context {
    let context = this.contexts.get("main");
    if (!context) {
      const sandbox: AnyRecord = {
        console,
        setTimeout,
        clearTimeout,
        setInterval,
        clearInterval,
        wx: this.wx(),
        Page: (options: AnyRecord) => this.register("Page", options),
        App: (options: AnyRecord) => this.register("App", options),
        getApp: () => this.app,
        getCurrentPages: () => this.stack.map((p) => p.instance),
      };
      context = vm.createContext(sandbox, { name: "mini-program" });
      this.contexts.set("main", context);
    }
    return context;
  }

  /** JSON round trip inside the mini-program realm (what crosses the bridge). */
  clone<T>(value: T): T {
    if (value === undefined) return value;
    const parse = vm.runInContext("JSON.parse", this.realm()) as (s: string) => T;
    return parse(JSON.stringify(value));
  }

  private register(kind: "Page" | "App", options: AnyRecord) {
    if (this.registered) throw new Error(`${kind}() called twice by one script`);
    this.registered = { kind, options };
  }

  private run(file: string, kind: "Page" | "App"): AnyRecord {
    const code = readFileSync(join(this.options.distDir, file), "utf8");
    this.registered = undefined;
    vm.runInContext(code, this.realm(), { filename: file });
    const registered = this.registered as AnyRecord | undefined;
    this.registered = undefined;
    if (!registered || registered.kind !== kind) throw new Error(`${file} did not call ${kind}()`);
    return registered.options;
  }

  /** Runs app.js and its onLaunch. */
  launch(): AnyRecord {
    const options = this.run("app.js", "App");
    const app: AnyRecord = {};
    for (const [key, value] of Object.entries(options)) app[key] = typeof value === "function" ? value : this.clone(value);
    this.app = app;
    app.onLaunch?.call(app, { path: this.appJson.pages[0], query: {}, scene: 1001 });
    return app;
  }

  // ------------------------------------------------------------ pages

  /** Opens a page like a navigation would: onLoad(query), onShow, onReady; waits for what they started. */
  async open(route: string, query: Record<string, string> = {}): Promise<PageHandle> {
    route = route.replace(/^\//, "");
    if (!this.appJson.pages.includes(route)) throw new Error(`${route} is not in app.json`);
    if (!this.app) this.launch();
    let options = this.pageOptions.get(route);
    if (!options) {
      options = this.run(`${route}.js`, "Page");
      this.pageOptions.set(route, options);
    }
    const handle = this.instantiate(route, options, query);
    this.stack.push(handle);
    const instance = handle.instance;
    // Like WeChat: onShow right after onLoad (not after its promise), onReady after the first render.
    const loaded = instance.onLoad?.call(instance, this.clone(query));
    const shown = instance.onShow?.call(instance);
    await Promise.all([loaded, shown]);
    await instance.onReady?.call(instance);
    return handle;
  }

  /** Opens the target of the last navigation (reLaunch/redirectTo replace the stack). */
  async follow(): Promise<PageHandle> {
    const nav = this.navigations[this.navigations.length - 1];
    if (!nav) throw new Error("no navigation to follow");
    const [path, search = ""] = nav.url.split("?");
    const query: Record<string, string> = {};
    for (const pair of search.split("&").filter(Boolean)) {
      const [k, v = ""] = pair.split("=");
      query[k!] = v; // left encoded, as the runtime hands it over
    }
    if (nav.type === "reLaunch" || nav.type === "switchTab") this.stack.length = 0;
    if (nav.type === "redirectTo") this.stack.pop();
    return this.open(path!, query);
  }

  private instantiate(route: string, options: AnyRecord, query: Record<string, string>): PageHandle {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the page's methods run with the page as `this`
    const runtime = this;
    const instance: AnyRecord = { route, __route__: route, options: this.clone(query) };
    for (const [key, value] of Object.entries(options)) instance[key] = typeof value === "function" ? value : this.clone(value);
    instance.data = this.clone(options.data ?? {});
    instance.setData = function setData(patch: AnyRecord, callback?: () => void) {
      for (const [path, value] of Object.entries(patch)) {
        const found: string[] = [];
        unserialisable(value, path, found);
        for (const w of found) runtime.warnings.push(`${route} setData ${w}`);
        const parts = parsePath(path);
        let target: AnyRecord = instance.data;
        for (let i = 0; i < parts.length - 1; i++) {
          const key = parts[i]!;
          if (target[key as never] == null || typeof target[key as never] !== "object") {
            target[key as never] = (typeof parts[i + 1] === "number" ? runtime.clone([]) : runtime.clone({})) as never;
          }
          target = target[key as never] as AnyRecord;
        }
        target[parts[parts.length - 1] as never] = runtime.clone(value) as never;
      }
      if (callback) setTimeout(() => callback.call(instance), 0);
    };
    const call = async (method: string, ...args: unknown[]) => {
      const fn = instance[method];
      if (typeof fn !== "function") throw new Error(`${route} has no method ${method}`);
      return fn.apply(instance, args);
    };
    const event = (dataset: AnyRecord, detail: AnyRecord = {}) =>
      this.clone({ type: "tap", timeStamp: Date.now(), currentTarget: { id: "", dataset }, target: { id: "", dataset }, detail, touches: [], changedTouches: [] });
    return {
      route,
      query,
      instance,
      get data() {
        return instance.data;
      },
      call,
      tap: (method, dataset = {}) => call(method, event(dataset)),
      input: (method, value) => call(method, event({}, { value, cursor: value.length })),
      async draw(points, handlers = { start: "onSignStart", move: "onSignMove", end: "onSignEnd" }) {
        const touch = ([x, y]: [number, number]) => runtime.clone({ type: "touch", touches: [{ identifier: 0, x, y }], changedTouches: [{ identifier: 0, x, y }], currentTarget: { dataset: {} } });
        await call(handlers.start, touch(points[0]!));
        for (const p of points.slice(1)) await call(handlers.move, touch(p));
        await call(handlers.end, runtime.clone({ type: "touchend", touches: [], changedTouches: [], currentTarget: { dataset: {} } }));
      },
    };
  }

  /** The `<canvas>` tags of a page's WXML: what a selector query can find. */
  private canvasesOf(route: string): Map<string, string> {
    const wxml = readFileSync(join(this.options.distDir, `${route}.wxml`), "utf8");
    const found = new Map<string, string>();
    for (const tag of wxml.match(/<canvas\b[^>]*>/g) ?? []) {
      const id = /\bid="([^"]+)"/.exec(tag)?.[1];
      if (id) found.set(id, /\btype="([^"]+)"/.exec(tag)?.[1] ?? "");
    }
    return found;
  }

  private tempPath(ext: string): string {
    return join(this.options.tmpDir, `wxfile-${process.pid}-${++this.fileCounter}.${ext}`);
  }

  // ------------------------------------------------------------ wx

  private wx(): AnyRecord {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- wx's methods are called as wx.x(...), with wx as `this`
    const runtime = this;
    const done = (o: Callbacks, res: AnyRecord) => setTimeout(() => {
      o.success?.(runtime.clone(res));
      o.complete?.(runtime.clone(res));
    }, 0);
    const failed = (o: Callbacks, errMsg: string, extra: AnyRecord = {}) => setTimeout(() => {
      o.fail?.(runtime.clone({ errMsg, ...extra }));
      o.complete?.(runtime.clone({ errMsg, ...extra }));
    }, 0);
    const navigate = (type: Navigation["type"]) => (o: Callbacks & { url?: string; delta?: number }) => {
      runtime.navigations.push({ type, url: o.url ?? "" });
      done(o, { errMsg: `${type}:ok` });
    };

    return {
      // ---- network
      request(o: Callbacks & { url: string; method?: string; header?: AnyRecord; data?: unknown; dataType?: string; timeout?: number }) {
        const method = (o.method ?? "GET").toUpperCase();
        const record: RequestRecord = { kind: "request", method, url: o.url };
        runtime.requests.push(record);
        const controller = new AbortController();
        const task = { abort: () => controller.abort(), onHeadersReceived() {}, offHeadersReceived() {} };
        if (!["OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT"].includes(method)) {
          record.error = "bad method";
          failed(o, `request:fail invalid method ${method}`);
          return task;
        }
        if (runtime.inFlight >= MAX_CONCURRENT_REQUESTS) {
          record.error = "too many";
          failed(o, "request:fail exceed max task count");
          return task;
        }
        if (runtime.offline) {
          record.error = "offline";
          failed(o, "request:fail net::ERR_INTERNET_DISCONNECTED", { errno: 600001 });
          return task;
        }
        runtime.inFlight++;
        runtime.peakInFlight = Math.max(runtime.peakInFlight, runtime.inFlight);
        let url = o.url;
        let body: string | undefined;
        const header: Record<string, string> = {};
        for (const [k, v] of Object.entries(o.header ?? {})) header[k] = String(v);
        if (!Object.keys(header).some((k) => k.toLowerCase() === "content-type")) header["content-type"] = "application/json";
        if (o.data !== undefined && o.data !== null) {
          if (method === "GET" && typeof o.data === "object") {
            const qs = Object.entries(o.data as AnyRecord).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join("&");
            url += (url.includes("?") ? "&" : "?") + qs;
          } else if (method !== "GET") body = typeof o.data === "string" ? o.data : JSON.stringify(o.data);
        }
        record.body = body;
        const timer = setTimeout(() => controller.abort(), o.timeout ?? 60_000);
        fetch(url, { method, headers: header, ...(body !== undefined ? { body } : {}), signal: controller.signal })
          .then(async (res) => {
            const text = await res.text();
            let data: unknown = text;
            if ((o.dataType ?? "json") === "json") {
              try {
                data = JSON.parse(text);
              } catch {
                // WeChat hands over the raw string when it is not JSON
              }
            }
            record.status = res.status;
            clearTimeout(timer);
            runtime.inFlight--;
            const result = runtime.clone({ statusCode: res.status, data, header: Object.fromEntries(res.headers), cookies: [], errMsg: "request:ok" });
            o.success?.(result);
            o.complete?.(result);
          })
          .catch((error: Error) => {
            clearTimeout(timer);
            runtime.inFlight--;
            record.error = error.message;
            const result = runtime.clone({ errMsg: controller.signal.aborted ? "request:fail abort" : `request:fail ${error.message}`, errno: 600001 });
            o.fail?.(result);
            o.complete?.(result);
          });
        return task;
      },

      downloadFile(o: Callbacks & { url: string; header?: AnyRecord }) {
        const record: RequestRecord = { kind: "download", method: "GET", url: o.url };
        runtime.requests.push(record);
        if (runtime.inFlight >= MAX_CONCURRENT_REQUESTS) {
          failed(o, "downloadFile:fail exceed max task count");
          return { abort() {} };
        }
        runtime.inFlight++;
        runtime.peakInFlight = Math.max(runtime.peakInFlight, runtime.inFlight);
        const header: Record<string, string> = {};
        for (const [k, v] of Object.entries(o.header ?? {})) header[k] = String(v);
        fetch(o.url, { headers: header })
          .then(async (res) => {
            const bytes = Buffer.from(await res.arrayBuffer());
            const type = res.headers.get("content-type") ?? "";
            const path = runtime.tempPath(type.includes("png") ? "png" : type.includes("jpeg") ? "jpg" : "bin");
            writeFileSync(path, bytes);
            record.status = res.status;
            runtime.inFlight--;
            const result = runtime.clone({ tempFilePath: path, statusCode: res.status, errMsg: "downloadFile:ok" });
            o.success?.(result);
            o.complete?.(result);
          })
          .catch((error: Error) => {
            runtime.inFlight--;
            record.error = error.message;
            o.fail?.(runtime.clone({ errMsg: `downloadFile:fail ${error.message}` }));
          });
        return { abort() {} };
      },

      // ---- login
      login(o: Callbacks) {
        const source = runtime.options.login;
        if (!source) return failed(o, "login:fail no WeChat session in this runtime");
        Promise.resolve()
          .then(source)
          .then((code) => done(o, { code, errMsg: "login:ok" }))
          .catch((error: Error) => failed(o, `login:fail ${error.message}`));
      },

      requestSubscribeMessage(o: Callbacks & { tmplIds: string[] }) {
        runtime.subscribeRequests.push([...o.tmplIds]);
        const res: AnyRecord = { errMsg: "requestSubscribeMessage:ok" };
        for (const id of o.tmplIds) res[id] = runtime.subscribeAnswer[id] ?? "accept";
        done(o, res);
      },

      // ---- storage
      getStorageSync(key: string) {
        const raw = runtime.storage.get(key);
        return raw === undefined ? "" : runtime.clone(JSON.parse(raw));
      },
      setStorageSync(key: string, value: unknown) {
        runtime.storage.set(key, JSON.stringify(value));
      },
      removeStorageSync(key: string) {
        runtime.storage.delete(key);
      },
      clearStorageSync() {
        runtime.storage.clear();
      },

      // ---- UI
      showToast(o: Callbacks & AnyRecord) {
        runtime.toasts.push({ title: o.title, icon: o.icon });
        done(o, { errMsg: "showToast:ok" });
      },
      showModal(o: Callbacks & AnyRecord) {
        runtime.modals.push({ title: o.title, content: o.content });
        done(o, { confirm: runtime.modalAnswer, cancel: !runtime.modalAnswer, errMsg: "showModal:ok" });
      },
      showLoading(o: Callbacks = {}) {
        runtime.loadingShown++;
        done(o, { errMsg: "showLoading:ok" });
      },
      hideLoading(o: Callbacks = {}) {
        done(o, { errMsg: "hideLoading:ok" });
      },
      setNavigationBarTitle(o: Callbacks & { title: string }) {
        runtime.titles.push(o.title);
        done(o, { errMsg: "setNavigationBarTitle:ok" });
      },
      stopPullDownRefresh(o: Callbacks = {}) {
        done(o, { errMsg: "stopPullDownRefresh:ok" });
      },
      previewImage(o: Callbacks) {
        done(o, { errMsg: "previewImage:ok" });
      },
      navigateTo: navigate("navigateTo"),
      redirectTo: navigate("redirectTo"),
      reLaunch: navigate("reLaunch"),
      switchTab: navigate("switchTab"),
      navigateBack: navigate("navigateBack"),

      // ---- device
      getWindowInfo: () => runtime.clone({ pixelRatio: 2, windowWidth: 375, windowHeight: 667, screenWidth: 375, screenHeight: 667 }),
      getSystemInfoSync: () => runtime.clone({ pixelRatio: 2, windowWidth: 375, windowHeight: 667, platform: "devtools", SDKVersion: "3.4.0" }),
      getLocation(o: Callbacks) {
        done(o, { latitude: 31.2304, longitude: 121.4737, accuracy: 15, speed: 0, altitude: 0, errMsg: "getLocation:ok" });
      },
      scanCode(o: Callbacks) {
        if (!runtime.scanResult) return failed(o, "scanCode:fail cancel");
        done(o, { result: runtime.scanResult.result ?? "", path: runtime.scanResult.path ?? "", scanType: "QR_CODE", charSet: "utf-8", errMsg: "scanCode:ok" });
      },
      chooseMedia(o: Callbacks & { count?: number }) {
        const files = runtime.mediaFiles.slice(0, o.count ?? 9);
        if (!files.length) return failed(o, "chooseMedia:fail cancel");
        done(o, {
          type: "image",
          tempFiles: files.map((tempFilePath) => ({ tempFilePath, size: statSync(tempFilePath).size, fileType: "image", width: 0, height: 0, duration: 0 })),
          errMsg: "chooseMedia:ok",
        });
      },

      // ---- canvas and files
      createSelectorQuery() {
        const wanted: Array<{ selector: string }> = [];
        const query = {
          in: () => query,
          select(selector: string) {
            const ref = {
              fields(_fields: AnyRecord, _cb?: unknown) {
                wanted.push({ selector });
                return query;
              },
              node(_cb?: unknown) {
                wanted.push({ selector });
                return query;
              },
              boundingClientRect() {
                wanted.push({ selector });
                return query;
              },
            };
            return ref;
          },
          exec(cb?: (res: unknown[]) => void) {
            const page = runtime.stack[runtime.stack.length - 1];
            const canvases = page ? runtime.canvasesOf(page.route) : new Map<string, string>();
            const results = wanted.map(({ selector }) => {
              const id = selector.replace(/^#/, "");
              if (!canvases.has(id)) return null;
              if (canvases.get(id) !== "2d") return { id, width: 300, height: 180 };
              const canvas = new FakeCanvas(id);
              runtime.canvases.push(canvas);
              return { id, width: 300, height: 180, node: canvas };
            });
            setTimeout(() => cb?.(results), 0);
          },
        };
        return query;
      },
      canvasToTempFilePath(o: Callbacks & { canvas?: unknown; fileType?: string }) {
        const canvas = o.canvas;
        if (!(canvas instanceof FakeCanvas)) return failed(o, "canvasToTempFilePath:fail canvas is empty");
        const path = runtime.tempPath("png");
        writeFileSync(path, canvas.toPng());
        done(o, { tempFilePath: path, errMsg: "canvasToTempFilePath:ok" });
      },
      getFileSystemManager() {
        return {
          readFile(o: Callbacks & { filePath: string; encoding?: string }) {
            readFile(o.filePath)
              .then((bytes) => done(o, { data: o.encoding ? bytes.toString(o.encoding as BufferEncoding) : bytes.toString("latin1"), errMsg: "readFile:ok" }))
              .catch((error: Error) => failed(o, `readFile:fail ${error.message}`));
          },
          readFileSync(filePath: string, encoding?: BufferEncoding) {
            return readFileSync(filePath).toString(encoding ?? "latin1");
          },
        };
      },
    };
  }

  /** Waits until no request is in flight and timers queued by callbacks ran. */
  async idle(): Promise<void> {
    for (let i = 0; i < 200 && this.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 5));
  }
}
