import { randomBytes } from "node:crypto";
import { mkdir, open, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { IMAGE_TYPES, type ImageType } from "./limits.js";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/** `<tenantId>/<deliveryId>/<32 hex>.png|jpg`: the only shape a stored sign-off file has. */
const SIGNOFF_FILE = new RegExp(`^(${UUID})/(${UUID})/([0-9a-f]{32})\\.(png|jpg)$`);

export interface SignoffFileRef {
  tenantId: string;
  deliveryId: string;
  relativePath: string;
  mime: string;
}

/** A requested relative path → its parts, or null for anything not of the stored shape. */
export function parseSignoffFilePath(relativePath: string): SignoffFileRef | null {
  const match = SIGNOFF_FILE.exec(relativePath);
  if (!match) return null;
  return {
    tenantId: match[1]!,
    deliveryId: match[2]!,
    relativePath,
    mime: match[4] === "png" ? IMAGE_TYPES.png.mime : IMAGE_TYPES.jpeg.mime,
  };
}

/** The authorized download URL of a stored file (relative when PUBLIC_URL is not configured). */
export function uploadUrl(publicUrl: string | undefined, relativePath: string): string {
  return `${(publicUrl ?? "").replace(/\/+$/, "")}/uploads/${relativePath}`;
}

/** Creates a new file (never overwrites); a folder removed concurrently by a cleanup is made again. */
async function createExclusive(absolute: string) {
  for (let attempt = 1; ; attempt++) {
    await mkdir(path.dirname(absolute), { recursive: true, mode: 0o750 });
    try {
      return await open(absolute, "wx", 0o640);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 3) throw error;
    }
  }
}

/**
 * Sign-off files on disk under `UPLOAD_DIR/<tenantId>/<deliveryId>/<random>.png|jpg`. Names are
 * generated here (never taken from a client); paths are checked to stay inside the root.
 */
export class UploadStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Absolute path of a stored relative path; null if it is not of the stored shape or escapes the root. */
  resolve(relativePath: string): string | null {
    if (!parseSignoffFilePath(relativePath)) return null;
    const absolute = path.resolve(this.root, relativePath);
    return absolute.startsWith(this.root + path.sep) ? absolute : null;
  }

  /** Writes the files of one sign-off; all or nothing. Returns their relative paths, in order. */
  async saveSignoffFiles(tenantId: string, deliveryId: string, files: Array<{ type: ImageType; bytes: Buffer }>): Promise<string[]> {
    const written: string[] = [];
    try {
      for (const file of files) {
        const relativePath = `${tenantId}/${deliveryId}/${randomBytes(16).toString("hex")}.${IMAGE_TYPES[file.type].ext}`;
        const absolute = this.resolve(relativePath);
        if (!absolute) throw new Error(`refusing to write outside the upload root: ${relativePath}`);
        const handle = await createExclusive(absolute);
        written.push(relativePath);
        try {
          await handle.writeFile(file.bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
      return written;
    } catch (error) {
      await this.remove(written);
      throw error;
    }
  }

  /** Removes stored files (missing ones are fine) and their delivery folder if it became empty. */
  async remove(relativePaths: string[]): Promise<void> {
    const folders = new Set<string>();
    for (const relativePath of relativePaths) {
      const absolute = this.resolve(relativePath);
      if (!absolute) continue;
      await rm(absolute, { force: true });
      folders.add(path.dirname(absolute));
    }
    for (const folder of folders) {
      await rmdir(folder).catch(() => undefined); // not empty: another submit's files stay
    }
  }
}
