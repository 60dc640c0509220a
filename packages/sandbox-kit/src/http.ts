import type { IncomingMessage } from "node:http";

/** One request to a sandbox, parsed once. */
export interface SandboxRequest {
  /** Upper-case. */
  readonly method: string;
  /** As received, with the query. */
  readonly url: string;
  /** Percent-decoded path (the raw one when it does not decode). */
  readonly path: string;
  readonly rawQuery: string;
  /** Decoded query pairs in wire order (the sandbox's own decoder, if it gave one). */
  readonly pairs: ReadonlyArray<[string, string]>;
  /** The same pairs by name. */
  readonly query: ReadonlyMap<string, string[]>;
  readonly body: string;
  /** Sandbox-clock time at arrival. */
  readonly receivedAt: number;
  readonly raw: IncomingMessage;
  /** A request header's first value, "" when absent. */
  header(name: string): string;
}

export interface Reply {
  status: number;
  body: string | Buffer;
  contentType: string;
  /** Logged with the request, never sent. */
  errcode?: number;
}

/** The first value of a query parameter. */
export const first = (query: ReadonlyMap<string, string[]>, key: string): string | undefined => query.get(key)?.[0];

export function urlSearchPairs(rawQuery: string): Array<[string, string]> {
  return [...new URLSearchParams(rawQuery)];
}

export async function parseRequest(
  raw: IncomingMessage,
  options: { maxBodyBytes: number; decodeQuery: (rawQuery: string) => Array<[string, string]>; now: number },
): Promise<SandboxRequest> {
  const url = raw.url ?? "/";
  const qi = url.indexOf("?");
  const rawPath = qi < 0 ? url : url.slice(0, qi);
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // keep the raw path: the API answers it as unknown
  }
  const rawQuery = qi < 0 ? "" : url.slice(qi + 1);
  const pairs = options.decodeQuery(rawQuery);
  const query = new Map<string, string[]>();
  for (const [k, v] of pairs) {
    const list = query.get(k);
    if (list) list.push(v);
    else query.set(k, [v]);
  }
  const body = await readBody(raw, options.maxBodyBytes);
  return {
    method: (raw.method ?? "GET").toUpperCase(),
    url,
    path,
    rawQuery,
    pairs,
    query,
    body,
    receivedAt: options.now,
    raw,
    header(name) {
      const v = raw.headers[name.toLowerCase()];
      return Array.isArray(v) ? (v[0] ?? "") : (v ?? "");
    },
  };
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  if (req.method === "GET" || req.method === "HEAD") {
    req.resume();
    return "";
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
