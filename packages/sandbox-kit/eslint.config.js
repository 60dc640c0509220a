import { eslintConfig } from "@erpbridge/eslint-config";

export default eslintConfig({ tsconfigRootDir: import.meta.dirname });
