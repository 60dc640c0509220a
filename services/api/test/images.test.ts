import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { readImageSize } from "../src/uploads/images.js";

// The pixel budget trusts our own header reading: it must agree with the decoder on every common encoding.
describe("readImageSize", () => {
  const base = () => sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 20, g: 120, b: 200 } } });

  it("reads PNG and JPEG (baseline, progressive, with EXIF and an ICC profile) sizes as the decoder does", async () => {
    const images: Array<["png" | "jpeg", Buffer]> = [
      ["png", await base().png().toBuffer()],
      ["png", await base().png({ palette: true }).toBuffer()],
      ["jpeg", await base().jpeg().toBuffer()],
      ["jpeg", await base().jpeg({ progressive: true }).toBuffer()],
      ["jpeg", await base().withMetadata({ orientation: 6 }).withExif({ IFD0: { Copyright: "x".repeat(3000) } }).jpeg().toBuffer()],
      ["jpeg", await base().withIccProfile("p3").jpeg({ mozjpeg: true }).toBuffer()],
    ];
    for (const [type, bytes] of images) {
      const meta = await sharp(bytes).metadata();
      expect(readImageSize(type, bytes)).toEqual({ width: meta.width, height: meta.height });
    }
  });

  it("is undefined for a header it cannot read, without throwing", async () => {
    const jpeg = await base().jpeg().toBuffer();
    const png = await base().png().toBuffer();
    expect(readImageSize("jpeg", jpeg.subarray(0, 20))).toBeUndefined();
    expect(readImageSize("jpeg", Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 8, 1, 2, 3, 4]))).toBeUndefined();
    expect(readImageSize("jpeg", Buffer.from([0xff, 0xd8, 0x00, 0x00, 0, 8]))).toBeUndefined();
    expect(readImageSize("png", png.subarray(0, 20))).toBeUndefined();
    const zeroWidth = Buffer.from(png);
    zeroWidth.writeUInt32BE(0, 16);
    expect(readImageSize("png", zeroWidth)).toBeUndefined();
  });
});
