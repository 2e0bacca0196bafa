import { createHash } from "node:crypto";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { inspectImage } from "@/lib/assets/inspect";
import { makeThumbnail } from "@/lib/assets/thumbnail";
import { sniffImageType } from "@/lib/assets/sniff";
import { parseEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { hugeHeaderPng } from "../support/images";

const solid = (width: number, height: number, background: string) =>
  sharp({ create: { width, height, channels: 3, background } });

/** Noise does not compress: gives files big enough to truncate meaningfully. */
const noisy = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 40 } } });

async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all(["#ff0000", "#00ff00", "#0000ff"].map((c) => solid(30, 20, c).png().toBuffer()));
  return sharp(frames, { join: { animated: true } }).gif({ delay: [100, 100, 100], loop: 0 }).toBuffer();
}

async function expectAppError(promise: Promise<unknown>, code: AppError["code"], status: number, message: RegExp): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  const appError = error as AppError;
  expect(appError.code).toBe(code);
  expect(appError.status).toBe(status);
  expect(appError.message).toMatch(message);
  return appError;
}

describe("inspectImage: accepted formats", () => {
  it.each([
    ["image/png", () => solid(64, 48, "#336699").png().toBuffer()],
    ["image/jpeg", () => solid(64, 48, "#336699").jpeg().toBuffer()],
    ["image/webp", () => solid(64, 48, "#336699").webp().toBuffer()],
    ["image/gif", () => solid(64, 48, "#336699").gif().toBuffer()],
  ] as const)("measures a %s by content", async (mediaType, make) => {
    const bytes = await make();
    const info = await inspectImage(bytes);
    expect(info).toEqual({
      id: createHash("sha256").update(bytes).digest("hex"),
      mediaType,
      width: 64,
      height: 48,
      byteSize: bytes.length,
    });
  });

  it("measures the first frame of an animated GIF", async () => {
    const gif = await animatedGif();
    const meta = await sharp(gif).metadata();
    expect(meta.pages).toBe(3); // really animated
    const info = await inspectImage(gif);
    expect(info).toMatchObject({ mediaType: "image/gif", width: 30, height: 20 });
  });

  it("accepts a plain Uint8Array as well as a Buffer", async () => {
    const buf = await solid(8, 8, "#000").png().toBuffer();
    const copy = new Uint8Array(buf);
    expect((await inspectImage(copy)).id).toBe((await inspectImage(buf)).id);
  });

  it("reports the displayed size of an EXIF-rotated JPEG", async () => {
    const jpeg = await solid(40, 20, "#888888").jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await inspectImage(jpeg)).toMatchObject({ width: 20, height: 40 });
  });

  it("gives identical bytes an identical id, and different bytes a different one", async () => {
    const a = await solid(16, 16, "#ff0000").png().toBuffer();
    const b = Buffer.from(a); // same content, another buffer
    const c = await solid(16, 16, "#ff0001").png().toBuffer();
    const [ia, ib, ic] = await Promise.all([inspectImage(a), inspectImage(b), inspectImage(c)]);
    expect(ia.id).toMatch(/^[0-9a-f]{64}$/);
    expect(ib.id).toBe(ia.id);
    expect(ic.id).not.toBe(ia.id);
  });
});

describe("inspectImage: bad input", () => {
  it("rejects an empty upload", async () => {
    await expectAppError(inspectImage(new Uint8Array(0)), "bad_request", 400, /empty/);
  });

  it("rejects a text file renamed .png, whatever its name", async () => {
    const text = Buffer.from("name,score\nalice,3\n", "utf8"); // the bytes of "scores.png"
    await expectAppError(inspectImage(text), "unsupported_media_type", 415, /not a PNG, JPEG, WebP or GIF image.*text file renamed \.png/);
  });

  it("rejects formats sharp could read but we do not accept (SVG)", async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    await expectAppError(inspectImage(svg), "unsupported_media_type", 415, /not a PNG/);
  });

  it("detects a truncated PNG even though its header is intact", async () => {
    const png = await noisy(200, 150).png().toBuffer();
    const truncated = png.subarray(0, Math.floor(png.length * 0.7));
    expect((await sharp(truncated).metadata()).width).toBe(200); // the header alone looks fine
    await expectAppError(inspectImage(truncated), "unprocessable", 422, /PNG image is truncated or corrupt/);
  });

  it("detects a PNG cut off just before its IEND chunk, which libpng alone accepts", async () => {
    const png = await noisy(50, 40).png().toBuffer();
    await expectAppError(inspectImage(png.subarray(0, png.length - 12)), "unprocessable", 422, /PNG image is truncated or corrupt.*IEND/);
    // Bytes after IEND (some tools append them) are not truncation.
    await expect(inspectImage(Buffer.concat([png, Buffer.from("trailer")]))).resolves.toMatchObject({ width: 50 });
  });

  it("detects a truncated JPEG", async () => {
    const jpeg = await noisy(200, 150).jpeg().toBuffer();
    await expectAppError(inspectImage(jpeg.subarray(0, jpeg.length >> 1)), "unprocessable", 422, /JPEG image is truncated or corrupt/);
  });

  it("rejects a PNG signature followed by garbage", async () => {
    const junk = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from("not really a png at all")]);
    await expectAppError(inspectImage(junk), "unprocessable", 422, /PNG image but its header cannot be read/);
  });

  it.each([
    ["WebP", () => noisy(120, 90).webp().toBuffer()],
    ["GIF", () => noisy(120, 90).gif().toBuffer()],
  ] as const)("detects a truncated %s", async (format, make) => {
    const bytes = await make();
    await expectAppError(inspectImage(bytes.subarray(0, Math.floor(bytes.length * 0.8))), "unprocessable", 422, new RegExp(format));
  });

  it("rejects a RIFF file that is not a decodable WebP", async () => {
    const riff = Buffer.concat([Buffer.from("RIFF\x20\x00\x00\x00WEBPVP8 ", "latin1"), Buffer.alloc(24)]);
    await expectAppError(inspectImage(riff), "unprocessable", 422, /WebP/);
  });

  it("rejects a 20000×20000 image from its header, without decoding it", async () => {
    const bomb = hugeHeaderPng();
    expect(bomb.length).toBeLessThan(200);
    const started = performance.now();
    // The file holds no pixel data: a decode would fail as "corrupt", so a
    // size error proves the header check ran first.
    const error = await expectAppError(inspectImage(bomb), "payload_too_large", 413, /20000×20000 pixels \(400 megapixels\); the limit is 40 megapixels/);
    expect(error.message).toMatch(/ASSET_MAX_MEGAPIXELS/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("rejects files over the byte limit with 413", async () => {
    const png = await noisy(100, 100).png().toBuffer();
    await expectAppError(inspectImage(png, { maxBytes: 1024 }), "payload_too_large", 413, /the limit is 1 KB \(ASSET_MAX_BYTES\)/);
  });

  it("applies a configurable pixel limit", async () => {
    const png = await solid(100, 100, "#000").png().toBuffer();
    await expect(inspectImage(png, { maxPixels: 10_000 })).resolves.toMatchObject({ width: 100 });
    await expectAppError(inspectImage(png, { maxPixels: 9_999 }), "payload_too_large", 413, /100×100/);
  });
});

describe("sniffImageType", () => {
  it("ignores everything but the leading bytes", () => {
    expect(sniffImageType(Buffer.from("GIF89a..."))).toBe("image/gif");
    expect(sniffImageType(Buffer.from("RIFF1234WAVE"))).toBeNull();
    expect(sniffImageType(Buffer.from([0xff, 0xd8]))).toBeNull();
  });
});

describe("makeThumbnail", () => {
  it("shrinks to 256 px on the long side as WebP", async () => {
    const png = await solid(1000, 500, "#00aa00").png().toBuffer();
    const meta = await sharp(await makeThumbnail(png)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["webp", 256, 128]);
  });

  it("honours a smaller maximum side", async () => {
    const meta = await sharp(await makeThumbnail(await solid(300, 600, "#000").png().toBuffer(), { maxSide: 64 })).metadata();
    expect([meta.width, meta.height]).toEqual([32, 64]);
  });

  it("never enlarges a small image", async () => {
    const meta = await sharp(await makeThumbnail(await solid(40, 30, "#000").jpeg().toBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([40, 30]);
  });

  it("uses the first frame of an animated GIF", async () => {
    const thumb = await makeThumbnail(await animatedGif());
    const meta = await sharp(thumb).metadata();
    expect([meta.width, meta.height, meta.pages ?? 1]).toEqual([30, 20, 1]);
    const { data } = await sharp(thumb).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const [r, g, b] = [data[0]!, data[1]!, data[2]!];
    expect(r).toBeGreaterThan(200); // the red first frame
    expect(g + b).toBeLessThan(60);
  });
});

describe("asset limits from the environment", () => {
  it("defaults to 10 MB and 40 megapixels", () => {
    expect(parseEnv({})).toMatchObject({ ASSET_MAX_BYTES: 10 * 1024 * 1024, ASSET_MAX_MEGAPIXELS: 40 });
    expect(parseEnv({ ASSET_MAX_BYTES: "", ASSET_MAX_MEGAPIXELS: " " })).toMatchObject({ ASSET_MAX_BYTES: 10 * 1024 * 1024 });
  });

  it("reads overrides and names a bad variable", () => {
    expect(parseEnv({ ASSET_MAX_BYTES: "2048", ASSET_MAX_MEGAPIXELS: "1.5" })).toMatchObject({ ASSET_MAX_BYTES: 2048, ASSET_MAX_MEGAPIXELS: 1.5 });
    expect(() => parseEnv({ ASSET_MAX_BYTES: "ten" })).toThrow(/ASSET_MAX_BYTES/);
    expect(() => parseEnv({ ASSET_MAX_MEGAPIXELS: "-1" })).toThrow(/ASSET_MAX_MEGAPIXELS: must be greater than 0/);
  });
});
