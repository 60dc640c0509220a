/**
 * The mini-program's pages, exactly as in `services/mini-program/src/app.json` (a test keeps the two
 * equal). The embedded demo's WeChat sandbox publishes them as the released version, so codes and
 * subscribe messages that open a page work there with defaults.
 */
export const MINI_PROGRAM_PAGES = [
  "pages/login/index",
  "pages/deliveries/index",
  "pages/delivery/index",
  "pages/statements/index",
  "pages/statement/index",
  "pages/orders/index",
  "pages/order/index",
] as const;

export type MiniProgramPage = (typeof MINI_PROGRAM_PAGES)[number];
