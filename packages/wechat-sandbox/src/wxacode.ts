import QRCode from "qrcode";
import { ApiError, parseBody, type Answer } from "./answers.js";
import { ENV_VERSIONS, SCENE_PATTERN, type SandboxProtocol } from "./protocol.js";
import type { GeneratedCode, SandboxApp } from "./types.js";

/** Unlimited mini-program codes: validated like the platform, rendered as real PNGs (QR codes of the scene). */
export class WxaCodes {
  readonly generated: GeneratedCode[] = [];
  /** Rendered PNGs by their inputs: rendering is deterministic and the costliest thing the sandbox does. */
  readonly #pngs = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly protocol: SandboxProtocol,
    private readonly pages: ReadonlySet<string>,
  ) {}

  /** `POST /wxa/getwxacodeunlimit`: a real PNG (QR code of the scene) or a JSON error. */
  async answer(app: SandboxApp, rawBody: string): Promise<Answer> {
    const p = this.protocol;
    const body = parseBody(rawBody, p.sceneTooLongErrcode);
    const scene = body.scene;
    if (typeof scene !== "string" || scene.length === 0 || [...scene].length > p.sceneMaxLength) {
      throw new ApiError(p.sceneTooLongErrcode, "scene");
    }
    if (!SCENE_PATTERN.test(scene)) throw new ApiError(p.sceneCharsetErrcode);

    const checkPath = body.check_path ?? true;
    if (typeof checkPath !== "boolean") throw new ApiError(p.invalidArgsErrcode, "check_path");
    const envVersion = body.env_version ?? "release";
    if (!(ENV_VERSIONS as readonly unknown[]).includes(envVersion)) throw new ApiError(p.invalidArgsErrcode, "env_version");
    const width = body.width ?? p.widthDefault;
    if (typeof width !== "number" || !Number.isInteger(width) || width < p.widthMin || width > p.widthMax) {
      throw new ApiError(p.invalidArgsErrcode, "width");
    }
    for (const flag of ["auto_color", "is_hyaline"]) {
      if (body[flag] !== undefined && typeof body[flag] !== "boolean") throw new ApiError(p.invalidArgsErrcode, flag);
    }
    const color = lineColor(body.line_color, p.invalidArgsErrcode);

    let page: string | undefined;
    if (body.page !== undefined && body.page !== "") {
      if (typeof body.page !== "string" || body.page.startsWith("/") || body.page.includes("?")) throw new ApiError(41030);
      if (checkPath && !this.pages.has(body.page)) throw new ApiError(41030);
      page = body.page;
    }

    const light = body.is_hyaline === true ? "#ffffff00" : "#ffffffff";
    const bytes = await this.#render(scene, width, color, light);
    this.generated.push({ appId: app.appId, scene, ...(page ? { page } : {}), width, envVersion: String(envVersion), checkPath, bytes: bytes.length });
    return { kind: "image", bytes };
  }

  #render(scene: string, width: number, dark: string, light: string): Promise<Buffer> {
    const key = JSON.stringify([scene, width, dark, light]);
    let png = this.#pngs.get(key);
    if (!png) {
      png = QRCode.toBuffer(scene, { type: "png", width, margin: 2, errorCorrectionLevel: "M", color: { dark, light } });
      png.catch(() => this.#pngs.delete(key));
      if (this.#pngs.size >= 256) this.#pngs.delete(this.#pngs.keys().next().value!);
      this.#pngs.set(key, png);
    }
    return png;
  }
}

function lineColor(input: unknown, errcode: number): string {
  if (input === undefined) return "#000000ff";
  const c = input as Record<string, unknown>;
  const parts = ["r", "g", "b"].map((k) => (typeof c?.[k] === "number" ? (c[k] as number) : Number(c?.[k])));
  if (!input || typeof input !== "object" || parts.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) {
    throw new ApiError(errcode, "line_color");
  }
  return "#" + parts.map((v) => v.toString(16).padStart(2, "0")).join("") + "ff";
}
