/**
 * The slice of the onnxruntime API the engine uses. Both `onnxruntime-node` and
 * `onnxruntime-web` satisfy it structurally; a backend passes its module in, so
 * lib/runtime never imports either one.
 */
export type OrtTensorType = "float32" | "int64";

export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
  /** Frees native / GPU memory where the backend has any (no-op on CPU). */
  dispose?(): void;
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** `fetches`: the outputs to return; an output not fetched is not copied out of the session. */
  run(feeds: Record<string, OrtTensor>, fetches: readonly string[]): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}

export interface OrtSessionOptions {
  executionProviders?: readonly (string | { name: string })[];
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  executionMode?: "sequential" | "parallel";
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  /** CPU memory arena: freed tensors stay reserved by the session (grows to the largest call, never shrinks). */
  enableCpuMemArena?: boolean;
  /** Memory pattern planning per input shape (pre-allocates one block per run). */
  enableMemPattern?: boolean;
}

export interface OrtNamespace {
  Tensor: {
    new (type: "float32", data: Float32Array, dims: readonly number[]): OrtTensor;
    new (type: "int64", data: BigInt64Array, dims: readonly number[]): OrtTensor;
  };
  InferenceSession: {
    create(model: Uint8Array, options?: OrtSessionOptions): Promise<OrtSession>;
  };
}

export function float32Data(t: OrtTensor): Float32Array {
  if (t.type !== "float32" || !(t.data instanceof Float32Array)) {
    throw new Error(`Expected a float32 tensor on the CPU, got ${t.type}`);
  }
  return t.data;
}

/** `[B, S]` int64 tensor from row-major numbers. */
export function int64Tensor(ort: OrtNamespace, values: readonly number[], dims: readonly number[]): OrtTensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i] as number);
  return new ort.Tensor("int64", data, dims);
}
