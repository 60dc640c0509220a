#!/usr/bin/env node
import { startWechatSandbox } from "./index.js";

const port = Number(process.env.WECHAT_SANDBOX_PORT ?? 8788);
const verbose = process.env.WECHAT_SANDBOX_LOG === "1";

const sandbox = await startWechatSandbox({
  port,
  ...(process.env.WECHAT_SANDBOX_HOST ? { host: process.env.WECHAT_SANDBOX_HOST } : {}),
  ...(verbose ? { logger: (line: string) => console.log(line) } : {}),
});

// Demo values of a local simulator — printing them is intended.
console.log(`WeChat mini-program sandbox listening on ${sandbox.url}`);
console.log(JSON.stringify({ baseUrl: sandbox.url, ...sandbox.demoApp, demoTemplate: sandbox.demoTemplate }, null, 2));
console.log(`control: ${sandbox.url}/__sandbox/{codes,users,phone-codes,consent,templates,messages,faults,rate-limit,calls,clock,reset}`);

const shutdown = () => {
  void sandbox.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
