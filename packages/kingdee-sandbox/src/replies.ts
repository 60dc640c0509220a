import type { Reply } from "@erpbridge/sandbox-kit";
import { GATEWAY_ERRORS, type GatewayErrorName, type SandboxProtocol } from "./protocol.js";

export type Query = ReadonlyMap<string, string[]>;

const JSON_TYPE = "application/json;charset=UTF-8";

export const json = (status: number, value: unknown, errcode?: number): Reply => ({
  status,
  body: JSON.stringify(value),
  contentType: JSON_TYPE,
  errcode,
});

export const htmlPage = (status: number, text: string): Reply => ({
  status,
  body: `<html><head><title>${text}</title></head><body><h1>${text}</h1></body></html>`,
  contentType: "text/html",
});

/** A request the business layer refuses: answered as an HTTP 200 envelope with this errcode. */
export class BadRequest extends Error {
  constructor(
    readonly errcode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The gateway's and the business layer's envelopes, worded by the protocol. */
export class Envelopes {
  constructor(private readonly protocol: SandboxProtocol) {}

  gatewayError(name: GatewayErrorName, detail?: string, status = this.protocol.gatewayErrorStatus): Reply {
    const e = GATEWAY_ERRORS[name];
    const errcode = name === "nonceRepeated" ? this.protocol.nonceReplayErrcode : e.errcode;
    return json(status, { errcode, description: `${e.en}${detail ?? ""} [GW]`, description_cn: `${e.cn}[网关]` }, errcode);
  }

  ok(data: unknown): Reply {
    return json(200, { errcode: 0, description: this.protocol.successDescription, data }, 0);
  }

  business(errcode: number, description: string): Reply {
    return json(200, { errcode, description }, errcode);
  }
}
