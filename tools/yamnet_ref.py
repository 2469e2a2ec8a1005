#!/usr/bin/python3
"""Independent reference for YAMNet: a small numpy interpreter of the TFLite ops that
yamnet.tflite uses. It reads the flatbuffer with struct (no tensorflow, no generated
schema code) and computes in float64, with int8 weights dequantized (real = scale * (q -
zero_point)), which is what auris implements; TFLite's hybrid kernels quantize the
activations too, so their scores differ from these slightly.

Usage as a module:
    m = TFLiteModel("yamnet.tflite")
    out = m.run(wave_15600)            # dict tensor name -> array
    scores, emb, logmel = yamnet_clip(m, wave)   # whole clip, YAMNet patching
Usage as a script:
    /usr/bin/python3 tools/yamnet_ref.py yamnet.tflite [clip.npy|clip.wav] [class_map.csv]
prints the ops and tensors, or the top-5 classes of a clip.
"""
import math
import struct
import sys

import numpy as np

# TFLite schema (tensorflow/lite/schema/schema.fbs): builtin operator codes.
ADD, CONV_2D, DEPTHWISE_CONV_2D, DEQUANTIZE, FULLY_CONNECTED = 0, 3, 4, 6, 9
LOGISTIC, MUL, RESHAPE, PAD, GATHER, MEAN = 14, 18, 22, 34, 36, 40
STRIDED_SLICE, SLICE, LOG, SQRT = 45, 65, 73, 75
OP_NAMES = {ADD: "ADD", CONV_2D: "CONV_2D", DEPTHWISE_CONV_2D: "DEPTHWISE_CONV_2D",
            DEQUANTIZE: "DEQUANTIZE", FULLY_CONNECTED: "FULLY_CONNECTED",
            LOGISTIC: "LOGISTIC", MUL: "MUL", RESHAPE: "RESHAPE", PAD: "PAD",
            GATHER: "GATHER", MEAN: "MEAN", STRIDED_SLICE: "STRIDED_SLICE",
            SLICE: "SLICE", LOG: "LOG", SQRT: "SQRT"}
# TensorType -> numpy dtype.
DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 4: np.int64, 9: np.int8}
ACT_NONE, ACT_RELU, ACT_RELU6 = 0, 1, 3

HOP = 7680
PATCH = 15600


class Table:
    """A flatbuffer table at absolute offset pos of buf, fields addressed by index."""

    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        vt = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vt_len = struct.unpack_from("<H", buf, vt)[0]
        self.vt = vt

    def _off(self, field):
        slot = 4 + 2 * field
        if slot + 2 > self.vt_len:
            return 0
        return struct.unpack_from("<H", self.buf, self.vt + slot)[0]

    def scalar(self, field, fmt, default=0):
        o = self._off(field)
        return struct.unpack_from("<" + fmt, self.buf, self.pos + o)[0] if o else default

    def _indirect(self, field):
        o = self._off(field)
        if not o:
            return None
        p = self.pos + o
        return p + struct.unpack_from("<I", self.buf, p)[0]

    def table(self, field):
        p = self._indirect(field)
        return Table(self.buf, p) if p is not None else None

    def vector(self, field, fmt):
        """A vector of scalars as a numpy array (empty when absent)."""
        p = self._indirect(field)
        if p is None:
            return np.zeros(0, dtype=np.dtype("<" + fmt))
        n = struct.unpack_from("<I", self.buf, p)[0]
        return np.frombuffer(self.buf, dtype=np.dtype("<" + fmt), count=n, offset=p + 4)

    def bytes(self, field):
        return self.vector(field, "B").tobytes()

    def tables(self, field):
        p = self._indirect(field)
        if p is None:
            return []
        n = struct.unpack_from("<I", self.buf, p)[0]
        out = []
        for i in range(n):
            q = p + 4 + 4 * i
            out.append(Table(self.buf, q + struct.unpack_from("<I", self.buf, q)[0]))
        return out

    def string(self, field):
        return self.bytes(field).decode("utf-8") if self._indirect(field) is not None else ""


class Tensor:
    def __init__(self, t, buffers):
        self.name = t.string(3)
        self.shape = [int(d) for d in t.vector(0, "i")]
        self.type = t.scalar(1, "b")
        data = buffers[t.scalar(2, "I")].bytes(0)
        self.data = None
        if data:
            arr = np.frombuffer(data, dtype=np.dtype(DTYPES[self.type]).newbyteorder("<"))
            self.data = arr.reshape(self.shape) if self.shape else arr.reshape(())
        q = t.table(4)
        self.scale = q.vector(2, "f").astype(np.float64) if q else np.zeros(0)
        self.zero_point = q.vector(3, "q").astype(np.float64) if q else np.zeros(0)
        self.qdim = q.scalar(6, "i") if q else 0

    def value(self):
        """The constant's real values: int8 dequantized per tensor or per channel."""
        if self.data is None:
            return None
        if self.type == 9 and self.scale.size:
            shape = [1] * self.data.ndim
            if self.scale.size > 1:
                shape[self.qdim] = self.scale.size
            return (self.data.astype(np.float64) - self.zero_point.reshape(shape)) * \
                self.scale.reshape(shape)
        if self.type in (0, 1):
            return self.data.astype(np.float64)
        return self.data.copy()


class Op:
    def __init__(self, o, codes):
        self.code = codes[o.scalar(0, "I")]
        self.inputs = [int(i) for i in o.vector(1, "i")]
        self.outputs = [int(i) for i in o.vector(2, "i")]
        self.opt = o.table(4)

    def option(self, field, fmt, default=0):
        return self.opt.scalar(field, fmt, default) if self.opt else default


class TFLiteModel:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.buf = f.read()
        if self.buf[4:8] != b"TFL3":
            raise ValueError(path + ": not a TFLite flatbuffer")
        model = Table(self.buf, struct.unpack_from("<I", self.buf, 0)[0])
        codes = []
        for c in model.tables(1):
            codes.append(max(c.scalar(0, "b"), c.scalar(3, "i")))
        buffers = model.tables(4)
        sub = model.tables(2)[0]
        self.tensors = [Tensor(t, buffers) for t in sub.tables(0)]
        self.inputs = [int(i) for i in sub.vector(1, "i")]
        self.outputs = [int(i) for i in sub.vector(2, "i")]
        self.ops = [Op(o, codes) for o in sub.tables(3)]
        self.consts = {i: t.value() for i, t in enumerate(self.tensors) if t.data is not None}

    def run(self, x):
        vals = dict(self.consts)
        vals[self.inputs[0]] = np.asarray(x, dtype=np.float64).reshape(
            self.tensors[self.inputs[0]].shape)
        for op in self.ops:
            args = [vals[i] if i >= 0 else None for i in op.inputs]
            out = OPS[op.code](op, args, self.tensors[op.outputs[0]])
            vals[op.outputs[0]] = out
        return {self.tensors[i].name: v for i, v in vals.items()}

    def describe(self):
        for op in self.ops:
            print(OP_NAMES.get(op.code, op.code),
                  [(self.tensors[i].name, self.tensors[i].shape) for i in op.inputs if i >= 0],
                  "->", [(self.tensors[i].name, self.tensors[i].shape) for i in op.outputs])


def activation(x, act):
    if act == ACT_RELU:
        return np.maximum(x, 0.0)
    if act == ACT_RELU6:
        return np.clip(x, 0.0, 6.0)
    if act != ACT_NONE:
        raise NotImplementedError("fused activation %d" % act)
    return x


def same_pads(size, k, stride, dilation):
    """TF SAME padding: output ceil(size/stride), the odd pixel of padding after."""
    eff = (k - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + eff - size, 0)
    return total // 2, total - total // 2


def padded_windows(x, kh, kw, sh, sw, dh, dw, padding):
    """x [N,H,W,C] -> windows [N,OH,OW,KH,KW,C] after SAME/VALID padding."""
    n, h, w, c = x.shape
    if padding == 0:
        pt, pb = same_pads(h, kh, sh, dh)
        pl, pr = same_pads(w, kw, sw, dw)
        x = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    oh = (x.shape[1] - ((kh - 1) * dh + 1)) // sh + 1
    ow = (x.shape[2] - ((kw - 1) * dw + 1)) // sw + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, shape=(n, oh, ow, kh, kw, c),
        strides=(s[0], s[1] * sh, s[2] * sw, s[1] * dh, s[2] * dw, s[3]), writeable=False)


def op_conv(op, a, out_t):
    x, w, b = a[0], a[1], a[2] if len(a) > 2 else None
    win = padded_windows(x, w.shape[1], w.shape[2], op.option(2, "i", 1), op.option(1, "i", 1),
                         op.option(5, "i", 1), op.option(4, "i", 1), op.option(0, "b"))
    y = np.tensordot(win, w, axes=([3, 4, 5], [1, 2, 3]))
    if b is not None:
        y = y + b
    return activation(y, op.option(3, "b"))


def op_depthwise(op, a, out_t):
    x, w, b = a[0], a[1], a[2] if len(a) > 2 else None
    mult = op.option(3, "i", 1)
    win = padded_windows(x, w.shape[1], w.shape[2], op.option(2, "i", 1), op.option(1, "i", 1),
                         op.option(6, "i", 1), op.option(5, "i", 1), op.option(0, "b"))
    if mult != 1:
        win = np.repeat(win, mult, axis=5)
    y = np.einsum("nhwijc,ijc->nhwc", win, w[0])
    if b is not None:
        y = y + b
    return activation(y, op.option(4, "b"))


def op_fully_connected(op, a, out_t):
    x, w, b = a[0], a[1], a[2] if len(a) > 2 else None
    y = x.reshape(-1, w.shape[1]) @ w.T
    if b is not None:
        y = y + b
    y = activation(y, op.option(0, "b"))
    if op.option(2, "b"):
        return y.reshape(list(x.shape[:-1]) + [w.shape[0]])
    return y


def op_reshape(op, a, out_t):
    shape = out_t.shape
    if len(a) > 1 and a[1] is not None:
        shape = [int(d) for d in a[1].ravel()]
    return a[0].reshape(shape)


def op_strided_slice(op, a, out_t):
    x, begin, end, strides = a[0], a[1], a[2], a[3]
    bmask, emask, shrink = op.option(0, "i"), op.option(1, "i"), op.option(4, "i")
    if op.option(2, "i") or op.option(3, "i"):
        raise NotImplementedError("STRIDED_SLICE ellipsis/new_axis masks")
    idx = []
    for d in range(x.ndim):
        if d >= begin.size:
            idx.append(slice(None))
            continue
        b, e, s = int(begin[d]), int(end[d]), int(strides[d])
        if shrink >> d & 1:
            idx.append(b)
            continue
        idx.append(slice(None if bmask >> d & 1 else b, None if emask >> d & 1 else e, s))
    return x[tuple(idx)]


def op_slice(op, a, out_t):
    x, begin, size = a[0], a[1], a[2]
    idx = tuple(slice(int(b), None if int(s) == -1 else int(b) + int(s))
                for b, s in zip(begin, size))
    return x[idx]


def op_mean(op, a, out_t):
    axes = tuple(int(d) % a[0].ndim for d in np.ravel(a[1]))
    return a[0].mean(axis=axes, keepdims=bool(op.option(0, "b")))


def op_gather(op, a, out_t):
    return np.take(a[0], a[1].astype(np.int64), axis=op.option(0, "i"))


def op_pad(op, a, out_t):
    return np.pad(a[0], [(int(p[0]), int(p[1])) for p in a[1]])


OPS = {
    ADD: lambda op, a, t: activation(a[0] + a[1], op.option(0, "b")),
    MUL: lambda op, a, t: activation(a[0] * a[1], op.option(0, "b")),
    SQRT: lambda op, a, t: np.sqrt(a[0]),
    LOG: lambda op, a, t: np.log(a[0]),
    LOGISTIC: lambda op, a, t: 1.0 / (1.0 + np.exp(-a[0])),
    DEQUANTIZE: lambda op, a, t: a[0].astype(np.float64),
    CONV_2D: op_conv, DEPTHWISE_CONV_2D: op_depthwise, FULLY_CONNECTED: op_fully_connected,
    RESHAPE: op_reshape, STRIDED_SLICE: op_strided_slice, SLICE: op_slice, MEAN: op_mean,
    GATHER: op_gather, PAD: op_pad,
}

SCORES = "Identity"
LOGMEL = "Identity_1"
EMBEDDING = "yamnet_frames/global_average_pooling2d/Mean"


def patch_count(n):
    return 1 if n <= PATCH else 1 + math.ceil((n - PATCH) / HOP)


def yamnet_clip(model, wave):
    """Scores [P,521], embeddings [P,1024], log-mel [P,96,64] of a 16 kHz clip."""
    wave = np.asarray(wave, dtype=np.float64)
    scores, embs, mels = [], [], []
    for k in range(patch_count(wave.size)):
        x = np.zeros(PATCH)
        seg = wave[k * HOP:k * HOP + PATCH]
        x[:seg.size] = seg
        out = model.run(x.astype(np.float32))
        scores.append(out[SCORES].reshape(-1))
        embs.append(out[EMBEDDING].reshape(-1))
        mels.append(out[LOGMEL].reshape(96, 64))
    return np.stack(scores), np.stack(embs), np.stack(mels)


def read_class_names(csv_path):
    import csv
    with open(csv_path, newline="") as f:
        rows = list(csv.reader(f))
    return [r[2] for r in rows[1:]]


def main(argv):
    model = TFLiteModel(argv[1])
    if len(argv) < 3:
        model.describe()
        return 0
    if argv[2].endswith(".npy"):
        wave = np.load(argv[2])
    else:
        import wave as wavmod
        with wavmod.open(argv[2]) as w:
            if w.getframerate() != 16000 or w.getnchannels() != 1 or w.getsampwidth() != 2:
                raise SystemExit("need 16 kHz mono 16-bit WAV")
            wave = np.frombuffer(w.readframes(w.getnframes()), "<i2") / 32768.0
    scores, _, _ = yamnet_clip(model, wave)
    names = read_class_names(argv[3]) if len(argv) > 3 else [str(i) for i in range(scores.shape[1])]
    mean = scores.mean(axis=0)
    for i in np.argsort(-mean)[:5]:
        print("%-30s %.4f" % (names[i], mean[i]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
