/** A CPU-only stand-in for the ORT namespace (tensors only), for unit tests. */
import type { OrtNamespace, OrtTensor } from "@/lib/runtime/ort";

export class FakeTensor implements OrtTensor {
  disposed = false;
  constructor(
    readonly type: string,
    readonly data: Float32Array | BigInt64Array,
    readonly dims: readonly number[],
  ) {}
  dispose(): void {
    this.disposed = true;
  }
}

export const fakeOrt = {
  Tensor: FakeTensor,
  InferenceSession: {
    create: () => Promise.reject(new Error("no sessions in unit tests")),
  },
} as unknown as OrtNamespace;
