import sharp from "sharp";
import { z } from "zod";
import { IMAGE_TYPES, type ImageType, MiB, UPLOAD_LIMITS } from "./limits.js";

/** An upload that is not an acceptable image; the message is safe to show to the client. */
export class ImageRejectedError extends Error {
  override readonly name = "ImageRejectedError";
}

/** Bytes decoded from base64 whose type was detected from their magic bytes. */
export interface DecodedImage {
  type: ImageType;
  bytes: Buffer;
}

const DATA_URL = /^data:([^;,]{1,100});base64,/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DECLARED_MIME: Record<string, ImageType> = { "image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg" };

const sizeText = (bytes: number) => (bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${Math.round(bytes / 1024)} KiB`);

/** PNG or JPEG by magic bytes; anything else (GIF, WebP, random bytes) is undefined. */
export function detectImageType(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b)) return "png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  return undefined;
}

/**
 * A data URL (`data:image/png;base64,…`) or bare base64 → the image bytes. Strict: canonical
 * base64 only (no whitespace, no URL-safe alphabet, correct padding), at most `maxBytes` decoded,
 * PNG or JPEG by magic bytes, and a data URL's declared type must match the bytes.
 */
export function decodeImage(value: string, maxBytes: number): DecodedImage {
  let payload = value;
  let declared: ImageType | undefined;
  if (value.startsWith("data:")) {
    const match = DATA_URL.exec(value);
    if (!match) throw new ImageRejectedError("malformed data URL: expected data:image/png;base64,… or data:image/jpeg;base64,…");
    const mime = match[1]!.trim().toLowerCase();
    declared = DECLARED_MIME[mime];
    if (!declared) throw new ImageRejectedError(`only PNG or JPEG images are accepted, not ${mime.slice(0, 40)}`);
    payload = value.slice(match[0].length);
  }
  if (payload.length === 0) throw new ImageRejectedError("image is empty");
  const padding = payload.endsWith("==") ? 2 : payload.endsWith("=") ? 1 : 0;
  if ((payload.length / 4) * 3 - padding > maxBytes) throw new ImageRejectedError(`image is larger than ${sizeText(maxBytes)}`);
  if (payload.length % 4 !== 0 || !BASE64.test(payload)) throw new ImageRejectedError("image is not valid base64");
  const bytes = Buffer.from(payload, "base64");
  if (bytes.toString("base64") !== payload) throw new ImageRejectedError("image is not valid base64");
  const type = detectImageType(bytes);
  if (!type) throw new ImageRejectedError("image is not a PNG or JPEG");
  if (declared && declared !== type) {
    throw new ImageRejectedError(`data URL declares ${IMAGE_TYPES[declared].mime} but the image is ${IMAGE_TYPES[type].mime}`);
  }
  return { type, bytes };
}

/** A zod string field that decodes to a checked image; rejections are field errors at its path. */
export function imageField(maxBytes: number) {
  return z.string().transform((value, ctx): DecodedImage => {
    try {
      return decodeImage(value, maxBytes);
    } catch (error) {
      if (!(error instanceof ImageRejectedError)) throw error;
      ctx.addIssue({ code: "custom", message: error.message });
      return z.NEVER;
    }
  });
}

sharp.cache(false);

const open = (image: DecodedImage) => sharp(image.bytes, { limitInputPixels: UPLOAD_LIMITS.maxInputPixels, failOn: "warning" });

async function checked<T>(image: DecodedImage, work: () => Promise<T>): Promise<T> {
  try {
    const meta = await open(image).metadata();
    if (meta.format !== image.type) throw new Error(`decoded as ${meta.format}`);
    return await work();
  } catch {
    throw new ImageRejectedError(`image is not a decodable ${IMAGE_TYPES[image.type].mime} (corrupt, truncated or too many pixels)`);
  }
}

/**
 * The signature re-encoded in its own format: proves it decodes, drops metadata and anything
 * appended after the image data.
 */
export function normalizeSignature(image: DecodedImage): Promise<DecodedImage> {
  return checked(image, async () => ({
    type: image.type,
    bytes: await (image.type === "png" ? open(image).png({ compressionLevel: 9 }) : open(image).jpeg({ quality: 90 })).toBuffer(),
  }));
}

/**
 * A photo compressed server-side: EXIF orientation applied, at most `photoMaxDimension` px on the
 * longer side, JPEG, metadata (including EXIF GPS) dropped.
 */
export function compressPhoto(image: DecodedImage): Promise<DecodedImage> {
  const max = UPLOAD_LIMITS.photoMaxDimension;
  return checked(image, async () => ({
    type: "jpeg",
    bytes: await open(image)
      .rotate()
      .resize({ width: max, height: max, fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" })
      .jpeg({ quality: UPLOAD_LIMITS.photoJpegQuality, mozjpeg: true })
      .toBuffer(),
  }));
}
