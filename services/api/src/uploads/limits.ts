/** Every limit of customer uploads, in one place. */
export const UPLOAD_LIMITS = {
  /** Decoded bytes of the signature image. */
  signatureMaxBytes: 1024 * 1024,
  /** Decoded bytes of each photo, as sent (before server-side compression). */
  photoMaxBytes: 8 * 1024 * 1024,
  /** Photos per sign-off. */
  maxPhotos: 9,
  /** Images larger than this many pixels (by their header) are refused before decoding (decompression bombs). */
  maxInputPixels: 50_000_000,
  /**
   * All images of one sign-off together, by their headers, checked before any is decoded: nine
   * 12-megapixel phone photos and a signature fit; a request that would take seconds of CPU does not.
   */
  maxRequestPixels: 120_000_000,
  /** Photos are re-encoded as JPEG no larger than this on their longer side. */
  photoMaxDimension: 1920,
  photoJpegQuality: 80,
} as const;

/** Accepted image types: detected from the bytes, never from a name or a declared mime. */
export const IMAGE_TYPES = {
  png: { mime: "image/png", ext: "png" },
  jpeg: { mime: "image/jpeg", ext: "jpg" },
} as const;

export type ImageType = keyof typeof IMAGE_TYPES;

/** Note: the whole request is also capped by the server's body limit (see http/server.ts). */
export const MiB = 1024 * 1024;
