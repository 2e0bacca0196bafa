"""A small reader for ONNX model files (protobuf wire format), so the weights of a shipped package can be read with
numpy alone, without the `onnx` Python package (Debian's `python3-torch` is all a fresh clone needs).

Reads what the PyTorch reference needs: the graph's initialisers (name, dims, data type, data) and its nodes (op type,
inputs, outputs, attributes). Field numbers are onnx.proto3's (ModelProto.graph = 7; GraphProto.node = 1,
initializer = 5; NodeProto.input = 1, output = 2, name = 3, op_type = 4, attribute = 5; TensorProto.dims = 1,
data_type = 2, float_data = 4, int32_data = 5, int64_data = 7, name = 8, raw_data = 9, double_data = 10,
data_location = 14; AttributeProto.name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, type = 20).
"""
import struct
import numpy as np

# TensorProto.DataType -> numpy dtype
_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 5: np.int16, 6: np.int32, 7: np.int64, 9: np.bool_,
           10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64}


def _varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def fields(buf):
    """Yields (field number, wire type, value) of one message; value is an int for varints and fixed-width fields,
    a memoryview for length-delimited ones."""
    buf = memoryview(buf)
    i, n = 0, len(buf)
    while i < n:
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 1:
            v = struct.unpack_from("<Q", buf, i)[0]; i += 8
        elif wt == 2:
            ln, i = _varint(buf, i)
            v = buf[i:i + ln]; i += ln
        elif wt == 5:
            v = struct.unpack_from("<I", buf, i)[0]; i += 4
        else:
            raise ValueError("unsupported protobuf wire type %d (field %d)" % (wt, num))
        yield num, wt, v


def _signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def _packed_varints(v):
    out, i, mv = [], 0, memoryview(v)
    while i < len(mv):
        x, i = _varint(mv, i)
        out.append(_signed(x))
    return out


def parse_tensor(buf):
    """TensorProto -> (name, numpy array)."""
    dims, dtype, name, raw = [], 1, "", None
    f32, i32, i64, f64 = [], [], [], []
    for num, wt, v in fields(buf):
        if num == 1:
            dims += _packed_varints(v) if wt == 2 else [_signed(v)]
        elif num == 2:
            dtype = v
        elif num == 4:
            f32 += list(np.frombuffer(bytes(v), "<f4")) if wt == 2 else [struct.unpack("<f", struct.pack("<I", v))[0]]
        elif num == 5:
            i32 += _packed_varints(v) if wt == 2 else [_signed(v)]
        elif num == 7:
            i64 += _packed_varints(v) if wt == 2 else [_signed(v)]
        elif num == 8:
            name = bytes(v).decode("utf-8")
        elif num == 9:
            raw = bytes(v)
        elif num == 10:
            f64 += list(np.frombuffer(bytes(v), "<f8")) if wt == 2 else [struct.unpack("<d", struct.pack("<Q", v))[0]]
        elif num == 14 and v == 1:
            raise ValueError("tensor %r keeps its data in an external file, which this reader does not follow" % name)
    if dtype not in _DTYPES:
        raise ValueError("tensor %r: unsupported data type %d" % (name, dtype))
    dt = np.dtype(_DTYPES[dtype]).newbyteorder("<")
    if raw is not None:
        arr = np.frombuffer(raw, dt).astype(_DTYPES[dtype])
    elif dtype in (1, 10) and f32:
        arr = np.asarray(f32, _DTYPES[dtype])
    elif dtype == 11:
        arr = np.asarray(f64, np.float64)
    elif dtype == 7 or dtype == 13:
        arr = np.asarray(i64, _DTYPES[dtype])
    else:
        arr = np.asarray(i32, np.int64).astype(_DTYPES[dtype])
    count = int(np.prod(dims)) if dims else 1
    if arr.size != count:
        raise ValueError("tensor %r: %d values for dims %s" % (name, arr.size, dims))
    return name, arr.reshape(dims)


def parse_attribute(buf):
    name, val, ints, floats = "", None, [], []
    for num, wt, v in fields(buf):
        if num == 1:
            name = bytes(v).decode("utf-8")
        elif num == 2:
            val = struct.unpack("<f", struct.pack("<I", v))[0]
        elif num == 3:
            val = _signed(v)
        elif num == 4:
            val = bytes(v).decode("utf-8", "replace")
        elif num == 5:
            val = parse_tensor(v)[1]
        elif num == 7:
            floats += list(np.frombuffer(bytes(v), "<f4")) if wt == 2 else [struct.unpack("<f", struct.pack("<I", v))[0]]
        elif num == 8:
            ints += _packed_varints(v) if wt == 2 else [_signed(v)]
    if val is None and ints:
        val = ints
    elif val is None and floats:
        val = [float(x) for x in floats]
    return name, val


class Node:
    __slots__ = ("op", "inputs", "outputs", "name", "attrs")

    def __init__(self, buf):
        self.op, self.name, self.inputs, self.outputs, self.attrs = "", "", [], [], {}
        for num, _, v in fields(buf):
            if num == 1:
                self.inputs.append(bytes(v).decode("utf-8"))
            elif num == 2:
                self.outputs.append(bytes(v).decode("utf-8"))
            elif num == 3:
                self.name = bytes(v).decode("utf-8")
            elif num == 4:
                self.op = bytes(v).decode("utf-8")
            elif num == 5:
                k, a = parse_attribute(v)
                self.attrs[k] = a

    def __repr__(self):
        return "%s(%s -> %s)" % (self.op, ", ".join(self.inputs), ", ".join(self.outputs))


def load_graph(path):
    """An .onnx file -> (initialisers {name: numpy array}, nodes [Node] in graph order)."""
    with open(path, "rb") as f:
        data = f.read()
    graph = None
    for num, _, v in fields(data):
        if num == 7:
            graph = v
    if graph is None:
        raise ValueError("%s: no graph in this ONNX model" % path)
    inits, nodes = {}, []
    for num, _, v in fields(graph):
        if num == 5:
            k, a = parse_tensor(v)
            inits[k] = a
        elif num == 1:
            nodes.append(Node(v))
    return inits, nodes
