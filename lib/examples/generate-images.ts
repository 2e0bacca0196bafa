/**
 * Rebuild lib/examples/images/ from the catalog. Not used at run time: the
 * PNGs are committed. Run from the repo root after changing catalog.ts:
 *
 *   mkdir -p /tmp/emoji && (cd /tmp/emoji && npm init -y >/dev/null && npm install emoji-datasource-google)
 *   npx tsx lib/examples/generate-images.ts /tmp/emoji/node_modules/emoji-datasource-google
 *
 * Noto images are copied byte for byte; drawn ones are rendered with sharp.
 */
import { copyFile, writeFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { EXAMPLE_IMAGES, drawnSvg, type ExampleImage } from "./catalog";

const emojiPackage = process.argv[2];
if (!emojiPackage) {
  console.error("usage: npx tsx lib/examples/generate-images.ts <path to node_modules/emoji-datasource-google>");
  process.exit(2);
}
const outDir = path.join(process.cwd(), "lib", "examples", "images");

for (const [file, image] of Object.entries(EXAMPLE_IMAGES) as [string, ExampleImage][]) {
  const target = path.join(outDir, file);
  if (image.source.kind === "noto") {
    await copyFile(path.join(emojiPackage, "img", "google", "64", `${image.source.codepoints}.png`), target);
  } else {
    // Palette PNG, maximum compression: a few hundred bytes per shape.
    const png = await sharp(Buffer.from(drawnSvg(image.source.svg))).png({ palette: true, compressionLevel: 9 }).toBuffer();
    await writeFile(target, png);
  }
  console.log(file);
}
