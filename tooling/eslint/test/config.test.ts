import { join } from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { eslintConfig } from "../src/index.js";

const fixtures = join(import.meta.dirname, "fixtures");
const eslint = new ESLint({
  cwd: fixtures,
  overrideConfigFile: true,
  overrideConfig: eslintConfig({ tsconfigRootDir: fixtures }),
});

async function rulesHit(file: string): Promise<string[]> {
  const [result] = await eslint.lintFiles([join(fixtures, file)]);
  return (result?.messages ?? []).map((message) => message.ruleId ?? message.message);
}

describe("the shared ESLint config", () => {
  it("catches a floating promise", async () => {
    expect(await rulesHit("floating.ts")).toEqual(["@typescript-eslint/no-floating-promises"]);
  });

  it("catches a promise passed where a void callback is expected", async () => {
    expect(await rulesHit("misused.ts")).toEqual(["@typescript-eslint/no-misused-promises"]);
  });

  it("catches an import cycle, from both ends", async () => {
    expect(await rulesHit("cycle-a.ts")).toEqual(["import-x/no-cycle"]);
    expect(await rulesHit("cycle-b.ts")).toEqual(["import-x/no-cycle"]);
  });

  it("allows a cycle through type-only imports (gone at runtime)", async () => {
    expect(await rulesHit("type-cycle-a.ts")).toEqual([]);
    expect(await rulesHit("type-cycle-b.ts")).toEqual([]);
  });

  it("asks for `import type` when only types are imported", async () => {
    expect(await rulesHit("type-import.ts")).toEqual(["@typescript-eslint/consistent-type-imports"]);
  });

  it("passes code that awaits its promises", async () => {
    expect(await rulesHit("clean.ts")).toEqual([]);
  });
});
