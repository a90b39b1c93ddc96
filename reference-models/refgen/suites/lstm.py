"""UNIDIRECTIONAL_SEQUENCE_LSTM: one-operator graphs built by hand.

TensorFlow 2.21's converter with Keras 3 does not fuse `keras.layers.LSTM`
into UNIDIRECTIONAL_SEQUENCE_LSTM (it writes a WHILE loop; the fusion keys
on Keras 2's `api_implements` annotation, and `tf_keras` is not in the
reference environment). So each case replaces the converted graph by the
LSTM operator on hand-described tensors, as the converter lays it out for
a Keras LSTM (the real converted models, `trained_lstm*.tflite`, are checked
by `tools/tflm_diff.py`): 24 inputs, CIFG/peephole/projection/layer-norm
inputs absent (TFLM supports none of them), hidden state (input 18) and cell
state (input 19) variable tensors, TANH cell activation.

Types per case: float32; int8 activations with int8 weights, int32 biases
and an int16 cell state (8x8->16); int16 activations with int8 weights,
int64 biases and an int16 cell state (16x8). Weights are seeded uniform
values, quantized per tensor (symmetric); biases at input scale x weight
scale. Shapes cover batch-major (several batches: per-batch state rows) and
time-major, a cell clip (with a 2^-12 cell scale, so it binds), nonzero
input and hidden zero points. Goldens are TFLM's outputs and final states,
for two configurations over three invokes in a row (the state carries from
one to the next).
"""

from __future__ import annotations

import zlib

from ..case import FLOAT32, INT8, INT16, CaseSpec, InputSpec
from .common import function_model

# (name, batch, time, input size, cells, time_major, cell_clip, cell scale
#  power, input zp (int8), hidden zp (int8))
CONFIGS = (
    ("b1_t3_i4_c5", 1, 3, 4, 5, False, 0.0, -11, 0, 0),
    ("b2_t4_i3_c4", 2, 4, 3, 4, False, 0.0, -11, -3, 2),
    ("tm_t3_b2_i5_c3", 2, 3, 5, 3, True, 0.0, -11, 0, 0),
    ("tm_t2_b3_i4_c6_clip", 3, 2, 4, 6, True, 0.3, -12, 5, 0),
    ("b1_t5_i2_c3_clip", 1, 5, 2, 3, False, 0.25, -12, 0, -5),
)

FLAVOURS = (FLOAT32, INT8, INT16)
# Configurations run for three invokes in a row on one TFLM interpreter: the
# state (output_state and cell_state, whose goldens are kept too) carries
# from one to the next. The others run one invoke (keeping the goldens small).
STREAMED = ("b2_t4_i3_c4", "tm_t2_b3_i4_c6_clip")


def _rewrite(name, batch, time, n_in, cells, time_major, cell_clip, power, in_zp, h_zp):
    def rewrite(model_bytes: bytes, flavour: str) -> bytes:
        import flatbuffers
        import numpy as np
        from tensorflow.lite.python import schema_py_generated as schema

        rng = np.random.default_rng(zlib.crc32(f"lstm/{name}".encode()))
        seq = (time, batch, n_in) if time_major else (batch, time, n_in)
        out_shape = (*seq[:2], cells)
        w_in = [rng.uniform(-0.8, 0.8, (cells, n_in)).astype(np.float32) for _ in range(4)]
        w_rec = [rng.uniform(-0.8, 0.8, (cells, cells)).astype(np.float32) for _ in range(4)]
        biases = [rng.uniform(-0.5, 0.5, (cells,)).astype(np.float32) for _ in range(4)]
        # The forget gate leans open, as Keras' unit_forget_bias.
        biases[1] = biases[1] + 1.0

        model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
        buffers = [schema.BufferT()]
        tensors = []

        def tensor(tname, shape, dtype, data=None, scale=None, zp=0, variable=False):
            t = schema.TensorT()
            t.name = tname
            t.shape = list(shape)
            t.type = getattr(schema.TensorType, dtype.upper())
            t.buffer = 0
            t.isVariable = variable
            if scale is not None:
                q = schema.QuantizationParametersT()
                q.scale = [float(scale)]
                q.zeroPoint = [int(zp)]
                t.quantization = q
            if data is not None:
                buffer = schema.BufferT()
                array = np.ascontiguousarray(np.asarray(data, dtype=np.dtype(dtype)))
                buffer.data = np.frombuffer(array.tobytes(), dtype=np.uint8)
                t.buffer = len(buffers)
                buffers.append(buffer)
            tensors.append(t)
            return len(tensors) - 1

        if flavour == FLOAT32:
            act, in_scale, h_scale, cell_dtype, cell_scale = "float32", None, None, "float32", None
            hidden_zp = 0
            x = tensor("serving_default_in_00:0", seq, act)
            wi = [tensor(f"w_in_{g}", w.shape, act, w) for g, w in enumerate(w_in)]
            wr = [tensor(f"w_rec_{g}", w.shape, act, w) for g, w in enumerate(w_rec)]
            bs = [tensor(f"bias_{g}", b.shape, act, b) for g, b in enumerate(biases)]
        else:
            if flavour == INT8:
                act, bias_dtype = "int8", "int32"
                in_scale, h_scale = 1.0 / 127.0, 1.0 / 128.0
                x_zp, hidden_zp = in_zp, h_zp
            else:
                act, bias_dtype = "int16", "int64"
                in_scale, h_scale = 1.0 / 32767.0, 1.0 / 32768.0
                x_zp, hidden_zp = 0, 0
            cell_dtype, cell_scale = "int16", 2.0**power
            x = tensor("serving_default_in_00:0", seq, act, scale=in_scale, zp=x_zp)

            def weight(tname, w):
                scale = float(np.max(np.abs(w))) / 127.0
                q = np.clip(np.round(w / scale), -127, 127)
                return tensor(tname, w.shape, "int8", q, scale=scale), scale

            wi, wr, bs = [], [], []
            for g in range(4):
                t, s = weight(f"w_in_{g}", w_in[g])
                wi.append(t)
                bias_scale = in_scale * s
                q = np.round(biases[g] / bias_scale)
                bs.append(tensor(f"bias_{g}", (cells,), bias_dtype, q, scale=bias_scale))
            for g in range(4):
                t, _ = weight(f"w_rec_{g}", w_rec[g])
                wr.append(t)
        hidden = tensor(
            "output_state", (batch, cells), act, scale=h_scale, zp=hidden_zp, variable=True
        )
        cell = tensor("cell_state", (batch, cells), cell_dtype, scale=cell_scale, variable=True)
        out = tensor("lstm_out", out_shape, act, scale=h_scale, zp=hidden_zp)

        code = schema.OperatorCodeT()
        code.builtinCode = schema.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM
        code.deprecatedBuiltinCode = code.builtinCode
        code.version = 5 if flavour == INT16 else 1
        options = schema.UnidirectionalSequenceLSTMOptionsT()
        options.fusedActivationFunction = schema.ActivationFunctionType.TANH
        options.cellClip = float(cell_clip)
        options.projClip = 0.0
        options.timeMajor = bool(time_major)
        operator = schema.OperatorT()
        operator.opcodeIndex = 0
        operator.inputs = [
            x, *wi, *wr, -1, -1, -1, *bs, -1, -1, hidden, cell, -1, -1, -1, -1
        ]
        operator.outputs = [out]
        operator.builtinOptionsType = schema.BuiltinOptions.UnidirectionalSequenceLSTMOptions
        operator.builtinOptions = options
        subgraph = model.subgraphs[0]
        subgraph.tensors = tensors
        subgraph.inputs = [x]
        subgraph.outputs = [out]
        subgraph.operators = [operator]
        model.subgraphs = [subgraph]
        model.operatorCodes = [code]
        model.buffers = buffers
        model.signatureDefs = []
        model.metadata = []
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())

    return rewrite


def cases() -> list[CaseSpec]:
    """5 configurations x 3 types."""
    specs = []
    for cfg in CONFIGS:
        name, batch, time, n_in, cells, time_major, cell_clip, power, in_zp, h_zp = cfg
        seq = (time, batch, n_in) if time_major else (batch, time, n_in)
        spec = InputSpec(seq)
        specs.append(
            CaseSpec(
                f"lstm_{name}",
                lambda spec=spec: function_model(lambda x: x * 2.0, [spec]),
                [spec],
                f"UNIDIRECTIONAL_SEQUENCE_LSTM, {'time' if time_major else 'batch'}-major "
                f"input {list(seq)}, {cells} cells, cell clip {cell_clip}",
                FLAVOURS,
                {
                    "batch": batch,
                    "time_steps": time,
                    "input_size": n_in,
                    "cells": cells,
                    "time_major": time_major,
                    "cell_clip": cell_clip,
                    "cell_scale": f"2^{power}",
                    "input_zero_point_int8": in_zp,
                    "hidden_zero_point_int8": h_zp,
                },
                rewrite=_rewrite(*cfg),
                invokes=3 if name in STREAMED else 1,
            )
        )
    return specs
