import { eslintConfig } from "./src/index.js";

// The fixtures break the rules on purpose; test/config.test.ts lints them.
export default eslintConfig({ tsconfigRootDir: import.meta.dirname, ignores: ["test/fixtures/**"] });
