/**
 * The model package contract (docs/model-format.md, `flamingo-onnx/1`): the manifest
 * schema, and loading a package through a backend-supplied byte fetcher with SHA-256
 * integrity checks, byte progress and de-duplicated in-flight loads.
 */
import { z } from "zod";
import { AppError } from "@/lib/errors";

export const MODEL_FORMAT = "flamingo-onnx/1";

const int = z.number().int();
const posInt = int.positive();
const SpecialToken = z.object({ content: z.string().min(1), id: int.nonnegative() });

export const ManifestSchema = z
  .object({
    id: z.string().min(1),
    version: z.string().min(1),
    format: z.literal(MODEL_FORMAT),
    graphs: z.object({ vision: z.string().min(1), lm: z.string().min(1) }),
    /** lm.onnx abilities beyond the base contract; "past_broadcast": a batch-1 past serves B rows. */
    lm_features: z.array(z.string()).optional(),
    architecture: z
      .object({
        n_visual_tokens_per_image: posInt,
        visual_token_dim: posInt,
        language_model: z
          .object({
            n_layers: posInt,
            n_heads: posInt,
            head_dim: posInt,
            vocab_size: posInt,
            /** Tokens the LM reads in all (prompt + generated); absent: tokenizer_config.json's model_max_length (lib/runtime/token-limit.ts). */
            max_position_embeddings: posInt.optional(),
          })
          .passthrough(),
      })
      .passthrough(),
    image_preprocessing: z
      .object({
        size: z.tuple([posInt, posInt]),
        resize: z.string(),
        channel_layout: z.literal("NCHW"),
        channel_order: z.literal("RGB"),
        scale: z.number().positive(),
        mean: z.tuple([z.number(), z.number(), z.number()]),
        std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
      })
      .passthrough(),
    special_tokens: z
      .object({
        image: SpecialToken,
        end_of_chunk: SpecialToken,
        pad: SpecialToken,
        bos: SpecialToken.nullable().optional(),
        stop_token_id: int.nonnegative(),
      })
      .passthrough(),
    prompt_format: z.record(z.string(), z.string()).optional(),
    max_images_tested: posInt.optional(),
    max_sequence_tested: posInt.optional(),
    files: z.record(z.string(), z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: int.nonnegative() })),
    total_weight_bytes: int.nonnegative().optional(),
  })
  .passthrough()
  .superRefine((m, ctx) => {
    for (const name of [m.graphs.vision, m.graphs.lm, "tokenizer.json"]) {
      if (!m.files[name]) ctx.addIssue({ code: "custom", path: ["files", name], message: `files.${name} (sha256, bytes) is required` });
    }
  });

export type Manifest = z.infer<typeof ManifestSchema>;

export function parseManifest(raw: unknown): Manifest {
  const r = ManifestSchema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first && first.path.length > 0 ? `${first.path.join(".")}: ` : "";
    throw new AppError("unprocessable", `Invalid model manifest: ${where}${first?.message ?? "malformed"}`, { cause: r.error });
  }
  return r.data;
}

/** Everything the engine needs, verified. */
export interface ModelPackage {
  manifest: Manifest;
  vision: Uint8Array;
  lm: Uint8Array;
  tokenizerJson: unknown;
  tokenizerConfig: unknown;
}

export interface LoadProgress {
  file: string;
  loadedBytes: number;
  totalBytes: number;
}

/**
 * Fetches one file of a package. `onBytes(n)` reports bytes received so far for this
 * file (may be called once at the end). Returns `null` when an optional file is absent.
 */
export type FetchFile = (name: string, onBytes?: (loaded: number) => void) => Promise<Uint8Array | null>;

export interface LoadPackageOptions {
  /** Cache key for de-duplicating concurrent loads (e.g. the manifest URL or folder). */
  key: string;
  fetchFile: FetchFile;
  /** Bytes over all files of the package (the manifest's `files` sizes summed). */
  onProgress?: (p: LoadProgress) => void;
  /** Skip the SHA-256 check (only for trusted local development). Default false. */
  skipIntegrity?: boolean;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const inFlight = new Map<string, Promise<ModelPackage>>();

/** Load and verify a package; concurrent calls with the same key share one load. */
export function loadPackage(options: LoadPackageOptions): Promise<ModelPackage> {
  const existing = inFlight.get(options.key);
  if (existing) return existing;
  const p = doLoad(options).finally(() => inFlight.delete(options.key));
  inFlight.set(options.key, p);
  return p;
}

async function required(fetchFile: FetchFile, name: string, onBytes?: (n: number) => void): Promise<Uint8Array> {
  const bytes = await fetchFile(name, onBytes);
  if (!bytes) throw new AppError("unprocessable", `The model package has no ${name}`);
  return bytes;
}

function parseJson(bytes: Uint8Array, name: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new AppError("unprocessable", `${name} in the model package is not valid JSON`, { cause });
  }
}

async function doLoad({ fetchFile, onProgress, skipIntegrity }: LoadPackageOptions): Promise<ModelPackage> {
  const manifest = parseManifest(parseJson(await required(fetchFile, "manifest.json"), "manifest.json"));
  const names = [manifest.graphs.vision, manifest.graphs.lm, "tokenizer.json"];
  const totalBytes = names.reduce((s, n) => s + (manifest.files[n]?.bytes ?? 0), 0);
  const loaded = new Map<string, number>();
  const report = (file: string, n: number) => {
    loaded.set(file, n);
    let sum = 0;
    for (const v of loaded.values()) sum += v;
    onProgress?.({ file, loadedBytes: sum, totalBytes });
  };
  const files = await Promise.all(
    names.map(async (name) => {
      const bytes = await required(fetchFile, name, (n) => report(name, n));
      report(name, bytes.byteLength);
      const want = manifest.files[name];
      if (!skipIntegrity && want) {
        if (bytes.byteLength !== want.bytes) {
          throw new AppError("unprocessable", `${name}: ${bytes.byteLength} bytes, the manifest says ${want.bytes} (incomplete or wrong file)`);
        }
        const got = await sha256Hex(bytes);
        if (got !== want.sha256) throw new AppError("unprocessable", `${name}: SHA-256 ${got} does not match the manifest (${want.sha256})`);
      }
      return bytes;
    }),
  );
  const configBytes = await fetchFile("tokenizer_config.json");
  return {
    manifest,
    vision: files[0] as Uint8Array,
    lm: files[1] as Uint8Array,
    tokenizerJson: parseJson(files[2] as Uint8Array, "tokenizer.json"),
    tokenizerConfig: configBytes ? parseJson(configBytes, "tokenizer_config.json") : {},
  };
}
