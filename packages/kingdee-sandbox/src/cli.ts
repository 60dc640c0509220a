#!/usr/bin/env node
import { startKingdeeSandbox } from "./index.js";

const port = Number(process.env.KINGDEE_SANDBOX_PORT ?? 8787);
const seed = Number(process.env.KINGDEE_SANDBOX_SEED ?? 1);
const verbose = process.env.KINGDEE_SANDBOX_LOG === "1";

const sandbox = await startKingdeeSandbox({
  port,
  seed,
  ...(process.env.KINGDEE_SANDBOX_HOST ? { host: process.env.KINGDEE_SANDBOX_HOST } : {}),
  ...(verbose ? { logger: (line: string) => console.log(line) } : {}),
});

// Demo values of a local simulator — printing them is intended.
console.log(`Kingdee JDY sandbox listening on ${sandbox.url} (seed ${seed})`);
console.log(JSON.stringify({ baseUrl: sandbox.url, ...sandbox.demoTenant }, null, 2));
console.log(`control: ${sandbox.url}/__sandbox/{calls,faults,rate-limit,clock,reset,mutate,add,remove,tenants}`);

const shutdown = () => {
  void sandbox.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
