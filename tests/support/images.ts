/** Crafted image files for tests of bad input. */
import zlib from "node:zlib";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data, CRC. */
function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

function ihdr(width: number, height: number, bitDepth: number, colourType: number): Buffer {
  const h = Buffer.alloc(13);
  h.writeUInt32BE(width, 0);
  h.writeUInt32BE(height, 4);
  h[8] = bitDepth;
  h[9] = colourType;
  return h;
}

/** A valid PNG signature and IHDR claiming 20000×20000, with a token IDAT: 70-odd bytes. */
export function hugeHeaderPng(width = 20000, height = 20000): Buffer {
  return Buffer.concat([PNG_SIGNATURE, pngChunk("IHDR", ihdr(width, height, 8, 2)), pngChunk("IDAT", zlib.deflateSync(Buffer.alloc(1000))), pngChunk("IEND", Buffer.alloc(0))]);
}

/** A valid 1-bit grayscale PNG of width × height, all black: ~12 KB for 10000×10000 (12.5 MB of pixels decoded). */
export function blackPng(width: number, height: number): Buffer {
  const raw = Buffer.alloc(height * (1 + Math.ceil(width / 8))); // filter byte 0 + zero bits per row
  return Buffer.concat([PNG_SIGNATURE, pngChunk("IHDR", ihdr(width, height, 1, 0)), pngChunk("IDAT", zlib.deflateSync(raw, { level: 9 })), pngChunk("IEND", Buffer.alloc(0))]);
}
