import type { KitRequest, Send } from "../transport.js";

/** A plugin that works with any SDK's request and answer types (it reads only `KitRequest`). */
export type AnyPlugin = <Req extends KitRequest, Res extends object>(next: Send<Req, Res>) => Send<Req, Res>;
