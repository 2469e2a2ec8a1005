#!/usr/bin/python3
"""Writes a small valid TFLite flatbuffer (one subgraph: RESHAPE, SLICE, GATHER with int32
and quantized int8 constants, then a CONV_2D with options) as a fuzzing seed for
fuzz/fuzz_tflite.c. Built with python3-flatbuffers' generic builder; field numbers follow
TensorFlow Lite's schema.fbs.

    /usr/bin/python3 tools/make_tflite_seed.py OUT.tflite
"""
import sys

import flatbuffers
import numpy as np


def vec_int(b, values, width=4):
    b.StartVector(width, len(values), width)
    for v in reversed(values):
        (b.PrependInt32 if width == 4 else b.PrependInt64)(int(v))
    return b.EndVector()


def vec_float(b, values):
    b.StartVector(4, len(values), 4)
    for v in reversed(values):
        b.PrependFloat32(float(v))
    return b.EndVector()


def vec_tables(b, offsets):
    b.StartVector(4, len(offsets), 4)
    for o in reversed(offsets):
        b.PrependUOffsetTRelative(o)
    return b.EndVector()


def buffer(b, data):
    d = b.CreateByteVector(bytes(data)) if data is not None else None
    b.StartObject(3)
    if d is not None:
        b.PrependUOffsetTRelativeSlot(0, d, 0)
    return b.EndObject()


def tensor(b, name, shape, ttype, buf, scale=None):
    n = b.CreateString(name)
    s = vec_int(b, shape)
    q = None
    if scale is not None:
        sc = vec_float(b, scale)
        zp = vec_int(b, [0] * len(scale), 8)
        b.StartObject(7)
        b.PrependUOffsetTRelativeSlot(2, sc, 0)
        b.PrependUOffsetTRelativeSlot(3, zp, 0)
        q = b.EndObject()
    b.StartObject(8)
    b.PrependUOffsetTRelativeSlot(0, s, 0)
    b.PrependInt8Slot(1, ttype, 0)
    b.PrependUint32Slot(2, buf, 0)
    b.PrependUOffsetTRelativeSlot(3, n, 0)
    if q is not None:
        b.PrependUOffsetTRelativeSlot(4, q, 0)
    return b.EndObject()


def operator(b, code_index, inputs, outputs, opt_type=0, opt=None):
    i = vec_int(b, inputs)
    o = vec_int(b, outputs)
    b.StartObject(9)
    b.PrependUint32Slot(0, code_index, 0)
    b.PrependUOffsetTRelativeSlot(1, i, 0)
    b.PrependUOffsetTRelativeSlot(2, o, 0)
    if opt is not None:
        b.PrependUint8Slot(3, opt_type, 0)
        b.PrependUOffsetTRelativeSlot(4, opt, 0)
    return b.EndObject()


def main(out):
    b = flatbuffers.Builder(1024)
    bufs = [buffer(b, None), buffer(b, None),
            buffer(b, np.array([0], np.int32).tobytes()),
            buffer(b, np.arange(8, dtype=np.int8).tobytes()),
            buffer(b, np.array([1.0, -1.0], np.float32).tobytes())]
    tens = [tensor(b, "input", [1, 16], 0, 1),
            tensor(b, "begin", [1], 2, 2),
            tensor(b, "w", [2, 2, 2, 1], 9, 3, scale=[0.5]),
            tensor(b, "bias", [2], 0, 4),
            tensor(b, "out", [1, 3, 3, 2], 0, 0)]
    codes = []
    for code in (22, 65, 3):
        b.StartObject(4)
        b.PrependInt8Slot(0, min(code, 127), 0)
        b.PrependInt32Slot(3, code, 0)
        codes.append(b.EndObject())
    b.StartObject(6)   # Conv2DOptions
    b.PrependInt8Slot(0, 1, 0)
    b.PrependInt32Slot(1, 1, 0)
    b.PrependInt32Slot(2, 1, 0)
    b.PrependInt8Slot(3, 1, 0)
    conv_opt = b.EndObject()
    ops = [operator(b, 0, [0, 1], [0]), operator(b, 1, [0, 1, 1], [0]),
           operator(b, 2, [0, 2, 3], [4], 1, conv_opt)]
    tv, ov = vec_tables(b, tens), vec_tables(b, ops)
    ins, outs = vec_int(b, [0]), vec_int(b, [4])
    name = b.CreateString("main")
    b.StartObject(5)
    b.PrependUOffsetTRelativeSlot(0, tv, 0)
    b.PrependUOffsetTRelativeSlot(1, ins, 0)
    b.PrependUOffsetTRelativeSlot(2, outs, 0)
    b.PrependUOffsetTRelativeSlot(3, ov, 0)
    b.PrependUOffsetTRelativeSlot(4, name, 0)
    graph = b.EndObject()
    cv, gv, bv = vec_tables(b, codes), vec_tables(b, [graph]), vec_tables(b, bufs)
    b.StartObject(5)
    b.PrependUint32Slot(0, 3, 0)
    b.PrependUOffsetTRelativeSlot(1, cv, 0)
    b.PrependUOffsetTRelativeSlot(2, gv, 0)
    b.PrependUOffsetTRelativeSlot(4, bv, 0)
    model = b.EndObject()
    b.Finish(model, file_identifier=b"TFL3")
    with open(out, "wb") as f:
        f.write(b.Output())


if __name__ == "__main__":
    main(sys.argv[1])
