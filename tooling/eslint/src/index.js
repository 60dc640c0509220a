// The shared ESLint flat config. Each package's eslint.config.js calls eslintConfig() with its own folder;
// typescript-eslint's project service then finds the tsconfig.json nearest to each file, so the
// type-aware rules see exactly what `tsc --noEmit` sees.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/**
 * @param {{ tsconfigRootDir: string, ignores?: string[] }} options
 * @returns {import("eslint").Linter.Config[]}
 */
export function eslintConfig({ tsconfigRootDir, ignores = [] }) {
  return defineConfig([
    { ignores: ["dist/**", "node_modules/**", ...ignores] },
    { linterOptions: { reportUnusedDisableDirectives: "error" } },
    {
      files: ["**/*.ts"],
      extends: [js.configs.recommended, tseslint.configs.recommended],
      languageOptions: {
        parser: tseslint.parser,
        parserOptions: { projectService: true, tsconfigRootDir },
      },
      plugins: { "@typescript-eslint": tseslint.plugin, "import-x": importX },
      settings: {
        // Which files import-x reads to follow imports, and with which parser.
        "import-x/extensions": [".ts", ".js", ".mjs"],
        "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
        // NodeNext sources import "./x.js" and mean "./x.ts".
        "import-x/resolver-next": [
          createNodeResolver({
            extensions: [".ts", ".d.ts", ".js", ".mjs", ".json"],
            extensionAlias: { ".js": [".ts", ".d.ts", ".js"] },
          }),
        ],
      },
      rules: {
        "@typescript-eslint/no-floating-promises": "error",
        "@typescript-eslint/no-misused-promises": "error",
        "@typescript-eslint/consistent-type-imports": "error",
        "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
        // Cycles through `import type` vanish at runtime and are allowed; value cycles crash the built app
        // (decorator metadata reads a class before it is initialised) while tsx and vitest pass.
        "import-x/no-cycle": ["error", { ignoreExternal: true }],
      },
    },
  ]);
}
