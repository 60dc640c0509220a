import type { AppRouter } from "@erpbridge/api/router";
import { createTRPCClient, httpBatchLink, type TRPCClient, TRPCClientError } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import superjson from "superjson";

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export { TRPCClientError };

/** Anything shaped like `fetch` (the mini-program passes a `wx.request` adapter). */
export type FetchLike = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal | null }) => Promise<{
  ok: boolean;
  status: number;
  statusText?: string;
  headers: { get(name: string): string | null } | Headers;
  json(): Promise<unknown>;
  text?(): Promise<string>;
}>;

export interface ClientOptions {
  /** API base URL, e.g. `http://localhost:3000` (the client adds `/trpc`). */
  url: string;
  /** Bearer token per request: the admin token or a customer session token. */
  getToken?: () => string | undefined | null | Promise<string | undefined | null>;
  fetch?: FetchLike;
  /** Calls batched into one HTTP request at most (the mini-program keeps this small). */
  maxItems?: number;
}

/** A typed client for the erpbridge API. */
export function createClient(options: ClientOptions): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${options.url.replace(/\/+$/, "")}/trpc`,
        transformer: superjson,
        maxItems: options.maxItems ?? 10,
        headers: async () => {
          const token = await options.getToken?.();
          return token ? { authorization: `Bearer ${token}` } : {};
        },
        ...(options.fetch ? { fetch: options.fetch as unknown as typeof fetch } : {}),
      }),
    ],
  });
}

export type ErpbridgeClient = TRPCClient<AppRouter>;

/** Field errors of a BAD_REQUEST, as the server's error formatter sends them. */
export function fieldErrors(error: unknown): Array<{ path: string; message: string }> {
  if (!(error instanceof TRPCClientError)) return [];
  const data = error.data as { fieldErrors?: Array<{ path: string; message: string }> | null } | undefined;
  return data?.fieldErrors ?? [];
}
