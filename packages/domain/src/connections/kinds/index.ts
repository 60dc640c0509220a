import { z } from "zod";
import {
  KINGDEE_JDY_SECRETS, kingdeeJdyMissing, kingdeeJdySecretsSchema, kingdeeJdySettingsSchema, type KingdeeJdySecrets, type KingdeeJdySettings,
} from "./kingdee-jdy.js";

/**
 * Every kind of outside system a connection can point at, in one place. A new kind adds its file
 * under kinds/ (settings schema, secret names, what makes it ready) and one entry here and in
 * the `connection_kind_check` constraint.
 */
export const CONNECTION_KINDS = ["kingdee_jdy"] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];
export const connectionKindSchema = z.enum(CONNECTION_KINDS);

export interface ConnectionKindSpec<Settings, Secrets extends Partial<Record<string, string>>> {
  /** Strict: an unknown or misspelt key is refused, not dropped. */
  settings: z.ZodType<Settings>;
  /** The secrets this kind takes; each is encrypted on its own. */
  secrets: readonly (keyof Secrets & string)[];
  /** Secrets as written: strict, each optional (unchanged) or null (cleared). */
  secretsInput: z.ZodType<Partial<Record<keyof Secrets & string, string | null>>>;
  /** What is missing before it can be used: empty means ready. */
  missing(settings: Settings, secrets: Secrets): string[];
}

export const connectionKinds = {
  kingdee_jdy: {
    settings: kingdeeJdySettingsSchema,
    secrets: KINGDEE_JDY_SECRETS,
    secretsInput: kingdeeJdySecretsSchema,
    missing: kingdeeJdyMissing,
  } satisfies ConnectionKindSpec<KingdeeJdySettings, KingdeeJdySecrets>,
} as const satisfies Record<ConnectionKind, unknown>;
