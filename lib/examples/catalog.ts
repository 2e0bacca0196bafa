/**
 * The images the Examples library ships, under lib/examples/images/. Pure
 * data (no fs): templates name images by file, and a typo is a type error.
 * `generate-images.ts` rebuilds the files from this list; LICENSE.md in the
 * images folder records where each comes from.
 */

export interface NotoSource {
  kind: "noto";
  /** emoji-datasource-google's image name: the code points, e.g. "1f34e". */
  codepoints: string;
}

export interface DrawnSource {
  kind: "drawn";
  /** The SVG body (inside a 128×128 white canvas) rendered to PNG with sharp. */
  svg: string;
}

export interface ExampleImage {
  /** Alt text for the UI; also documents what the image shows. */
  alt: string;
  source: NotoSource | DrawnSource;
}

const noto = (codepoints: string, alt: string): ExampleImage => ({ alt, source: { kind: "noto", codepoints } });
const drawn = (svg: string, alt: string): ExampleImage => ({ alt, source: { kind: "drawn", svg } });

export const DRAWN_SIZE = 128;

const COLOURS = { red: "#e53935", blue: "#1e88e5", green: "#43a047", yellow: "#fbc02d" } as const;
const circle = (fill: string) => `<circle cx="64" cy="64" r="44" fill="${fill}"/>`;
const square = (fill: string) => `<rect x="24" y="24" width="80" height="80" fill="${fill}"/>`;
const triangle = (fill: string) => `<polygon points="64,18 112,106 16,106" fill="${fill}"/>`;
const star = (fill: string) =>
  `<polygon points="64,14 76,50 114,50 83,72 95,110 64,87 33,110 45,72 14,50 52,50" fill="${fill}"/>`;
const dots = (fill: string) =>
  [`<circle cx="34" cy="44" r="15" fill="${fill}"/>`, `<circle cx="94" cy="44" r="15" fill="${fill}"/>`, `<circle cx="64" cy="92" r="15" fill="${fill}"/>`].join("");

export const EXAMPLE_IMAGES = {
  // Noto emoji (Apache-2.0), 64×64.
  "apple.png": noto("1f34e", "A red apple"),
  "puppy.png": noto("1f436", "A puppy's face"),
  "bicycle.png": noto("1f6b2", "A blue bicycle"),
  "rocket.png": noto("1f680", "A rocket"),
  "sunflower.png": noto("1f33b", "A sunflower"),
  "cat-face.png": noto("1f431", "A cat's face"),
  "grinning-cat.png": noto("1f638", "A grinning cat's face"),
  "cat.png": noto("1f408", "An orange cat, whole body"),
  "red-car.png": noto("1f697", "A red car"),
  "taxi.png": noto("1f695", "A yellow taxi"),
  "owl.png": noto("1f989", "An owl"),
  "hammer.png": noto("1f528", "A hammer"),
  "strawberry.png": noto("1f353", "A strawberry"),
  "teapot.png": noto("1fad6", "A teapot"),
  "doughnut.png": noto("1f369", "A doughnut"),
  // Drawn by us, 128×128.
  "three-red-dots.png": drawn(dots(COLOURS.red), "Three red dots"),
  "blue-square.png": drawn(square(COLOURS.blue), "A blue square"),
  "green-triangle.png": drawn(triangle(COLOURS.green), "A green triangle"),
  "yellow-star.png": drawn(star(COLOURS.yellow), "A yellow star"),
  "red-circle.png": drawn(circle(COLOURS.red), "A red circle"),
  "blue-circle.png": drawn(circle(COLOURS.blue), "A blue circle"),
  "green-square.png": drawn(square(COLOURS.green), "A green square"),
} as const satisfies Record<string, ExampleImage>;

export type ExampleImageFile = keyof typeof EXAMPLE_IMAGES;

export const EXAMPLE_IMAGE_FILES = Object.keys(EXAMPLE_IMAGES) as ExampleImageFile[];

/** The full SVG document for a drawn image. */
export function drawnSvg(body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${DRAWN_SIZE}" height="${DRAWN_SIZE}" viewBox="0 0 ${DRAWN_SIZE} ${DRAWN_SIZE}"><rect width="100%" height="100%" fill="#ffffff"/>${body}</svg>`;
}
