/**
 * Whether bytes can be an ONNX model (a protobuf ModelProto): every top-level field is well formed and the
 * graph (field 7) is there. A cheap check that names the broken file when onnxruntime-web only says
 * "protobuf parsing failed" (truncated downloads, an HTML error page saved as .onnx). Pure.
 */
export function onnxProblem(bytes: Uint8Array): string | null {
  let i = 0;
  let graph = false;
  const varint = (): number | null => {
    let v = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (i >= bytes.length) return null;
      const b = bytes[i++]!;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
    }
    return null;
  };
  if (bytes.length === 0) return "the file is empty";
  while (i < bytes.length) {
    const tag = varint();
    if (tag === null) return `truncated at byte ${i}`;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) return `not a protobuf message (byte ${i})`;
    if (wire === 0) {
      if (varint() === null) return `truncated at byte ${i}`;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      if (len === null || i + len > bytes.length) return `truncated: field ${field} needs ${len ?? "?"} bytes, ${bytes.length - i} left (${bytes.length} bytes in all)`;
      if (field === 7) graph = true;
      i += len;
    } else return `not a protobuf message (wire type ${wire} at byte ${i})`;
    if (i > bytes.length) return `truncated (${bytes.length} bytes)`;
  }
  return graph ? null : "no graph in the model (not an ONNX file)";
}
