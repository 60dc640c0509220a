import type { Linter } from "eslint";

/** The repo's flat config for the package in `tsconfigRootDir` (pass `import.meta.dirname`). */
export declare function eslintConfig(options: { tsconfigRootDir: string; ignores?: string[] }): Linter.Config[];
