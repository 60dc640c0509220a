import sharp from "sharp";
import { z } from "zod";
import { IMAGE_TYPES, type ImageType, MiB, UPLOAD_LIMITS } from "./limits.js";

/** An upload that is not an acceptable image; the message is safe to show to the client. */
export class ImageRejectedError extends Error {
  override readonly name = "ImageRejectedError";
}

/** Bytes decoded from base64 whose type was detected from their magic bytes, with the size its header declares. */
export interface DecodedImage {
  type: ImageType;
  bytes: Buffer;
  width: number;
  height: number;
}

/** An image re-encoded for storage. */
export type StoredImage = Pick<DecodedImage, "type" | "bytes">;

const DATA_URL = /^data:([^;,]{1,100});base64,/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DECLARED_MIME: Record<string, ImageType> = { "image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg" };

export const megapixels = (pixels: number) => Math.round(pixels / 1_000_000);
const sizeText = (bytes: number) => (bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${Math.round(bytes / 1024)} KiB`);

/** PNG or JPEG by magic bytes; anything else (GIF, WebP, random bytes) is undefined. */
export function detectImageType(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b)) return "png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  return undefined;
}

// JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic): they carry the frame size.
const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
// Markers without a length field.
const JPEG_STANDALONE = new Set([0x01, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8]);

/**
 * Width and height as the image header declares them, read without decoding any pixel data (PNG:
 * the IHDR chunk; JPEG: the first start-of-frame segment). Decoders allocate by these numbers, so
 * they are what a pixel budget must be checked against. Undefined when the header is unreadable.
 */
export function readImageSize(type: ImageType, bytes: Buffer): { width: number; height: number } | undefined {
  if (type === "png") {
    if (bytes.length < 24 || bytes.toString("latin1", 12, 16) !== "IHDR") return undefined;
    const width = bytes.readUInt32BE(16);
    const height = bytes.readUInt32BE(20);
    return width > 0 && height > 0 ? { width, height } : undefined;
  }
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (JPEG_STANDALONE.has(marker)) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image or scan data before any frame header
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2) return undefined;
    if (JPEG_SOF.has(marker)) {
      if (offset + 9 > bytes.length) return undefined;
      const height = bytes.readUInt16BE(offset + 5);
      const width = bytes.readUInt16BE(offset + 7);
      return width > 0 && height > 0 ? { width, height } : undefined;
    }
    offset += 2 + length;
  }
  return undefined;
}

/**
 * A data URL (`data:image/png;base64,…`) or bare base64 → the image bytes. Strict: canonical
 * base64 only (no whitespace, no URL-safe alphabet, correct padding), at most `maxBytes` decoded,
 * PNG or JPEG by magic bytes, a data URL's declared type must match the bytes, and the header must
 * declare a size of at most `maxInputPixels`. Nothing here decodes pixel data.
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
  const size = readImageSize(type, bytes);
  if (!size) throw new ImageRejectedError(`image is not a decodable ${IMAGE_TYPES[type].mime} (its header is unreadable)`);
  if (size.width * size.height > UPLOAD_LIMITS.maxInputPixels) {
    throw new ImageRejectedError(`image is ${size.width}×${size.height} pixels, more than ${megapixels(UPLOAD_LIMITS.maxInputPixels)} megapixels`);
  }
  return { type, bytes, ...size };
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
    // The pixel budget was checked against our own header reading: the decoder must agree with it.
    if (meta.width !== image.width || meta.height !== image.height) throw new Error("header size disagrees with the decoder's");
    return await work();
  } catch {
    throw new ImageRejectedError(`image is not a decodable ${IMAGE_TYPES[image.type].mime} (corrupt, truncated or too many pixels)`);
  }
}

/**
 * The signature re-encoded in its own format: proves it decodes, drops metadata and anything
 * appended after the image data.
 */
export function normalizeSignature(image: DecodedImage): Promise<StoredImage> {
  return checked(image, async () => ({
    type: image.type,
    bytes: await (image.type === "png" ? open(image).png({ compressionLevel: 9 }) : open(image).jpeg({ quality: 90 })).toBuffer(),
  }));
}

/**
 * A photo compressed server-side: EXIF orientation applied, at most `photoMaxDimension` px on the
 * longer side, JPEG, metadata (including EXIF GPS) dropped.
 */
export function compressPhoto(image: DecodedImage): Promise<StoredImage> {
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
