import type { Reply, SandboxRequest } from "./http.js";

/** What a control-route handler gets: the JSON body and the query, unsigned. */
export interface ControlInput {
  readonly body: Record<string, unknown>;
  readonly req: SandboxRequest;
  /** A string from the body, else from the query. */
  str(key: string): string | undefined;
}

/** Returns the JSON answer (200); a thrown error answers 400 `{ error }`. */
export type ControlHandler = (input: ControlInput) => unknown;

const JSON_TYPE = "application/json; charset=utf-8";

const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value), contentType: JSON_TYPE });

/** The `/__sandbox/*` routes: unsigned JSON, never counted as calls. A later route for the same method and path wins. */
export class ControlRoutes {
  readonly #routes = new Map<string, ControlHandler>();

  route(method: "GET" | "POST" | "DELETE", path: string, handler: ControlHandler): this {
    this.#routes.set(`${method} ${path}`, handler);
    return this;
  }

  async dispatch(req: SandboxRequest): Promise<Reply> {
    const route = `${req.method} ${req.path.replace(/\/+$/, "")}`;
    let body: Record<string, unknown> = {};
    try {
      if (req.body) body = JSON.parse(req.body) as Record<string, unknown>;
      if (!body || typeof body !== "object") throw new Error("body must be a JSON object");
    } catch (err) {
      return json(400, { error: `invalid JSON body: ${(err as Error).message}` });
    }
    const handler = this.#routes.get(route);
    if (!handler) return json(404, { error: `unknown control route: ${route}` });
    const input: ControlInput = {
      body,
      req,
      str: (key) => (typeof body[key] === "string" ? (body[key] as string) : req.query.get(key)?.[0]),
    };
    try {
      return json(200, await handler(input));
    } catch (err) {
      return json(400, { error: (err as Error).message });
    }
  }
}
