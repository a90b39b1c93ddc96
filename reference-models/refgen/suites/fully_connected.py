"""FULLY_CONNECTED: Dense layers over a covering grid of shapes and options.

Grid axes: input features (1, 7, 16, 33), units (1, 5, 16), bias or not,
fused activation (none/relu/relu6 — the converter fuses them into the FC),
batch 1 or 3, rank-2 and rank-3 inputs (Dense on [B, T, F] converts to one FC
with keep_num_dims=True). The quantized flavours use the converter's default
per-channel weight quantization for Dense (TF 2.21); cases named `*_pt_*` set
`_experimental_disable_per_channel_quantization_for_dense_layers=True` to get
per-tensor weights instead.
"""

from __future__ import annotations

import itertools

import keras

from ..case import ALL_FLAVOURS, INT16, QUANTIZED_FLAVOURS, CaseSpec, InputSpec
from .common import activation_name, bias_initializer, named_inputs

FEATURES = (1, 7, 16, 33)
UNITS = (1, 5, 16)
ACTIVATIONS = ("none", "relu", "relu6")

# Extra rank-3 configurations: (batch, steps, features, units, bias, activation).
RANK3 = (
    (1, 4, 7, 5, True, "relu"),
    (2, 3, 16, 16, False, "none"),
    (3, 2, 33, 1, True, "relu6"),
    (1, 1, 1, 16, True, "none"),
)

PER_TENSOR_OPTION = {"_experimental_disable_per_channel_quantization_for_dense_layers": True}


def _dense_model(shape, units, bias, activation):
    def build():
        spec = InputSpec(shape)
        (inp,) = named_inputs([spec])
        out = keras.layers.Dense(
            units,
            use_bias=bias,
            activation=activation_name(activation),
            bias_initializer=bias_initializer(seed=len(shape) * 1000 + units),
        )(inp)
        return keras.Model(inp, out)

    return build


def _configs():
    for i, (features, units) in enumerate(itertools.product(FEATURES, UNITS)):
        bias = i % 2 == 0
        activation = ACTIVATIONS[i % 3]
        batch = 3 if (i // 2) % 2 else 1
        yield (batch,), features, units, bias, activation
    for batch, steps, features, units, bias, activation in RANK3:
        yield (batch, steps), features, units, bias, activation


def cases() -> list[CaseSpec]:
    """Every FC case: 16 configurations × 4 flavours (16x8 included) + 8
    per-tensor variants × 3 + 4 16x8 int32-bias variants."""
    import tensorflow as tf

    specs = []
    for n, (lead, features, units, bias, activation) in enumerate(_configs()):
        shape = (*lead, features)
        dims = "x".join(str(d) for d in shape)
        name = f"in{dims}_u{units}_{'bias' if bias else 'nobias'}_{activation}"
        params = {
            "input_shape": list(shape),
            "units": units,
            "bias": bias,
            "activation": activation,
        }
        description = (
            f"Dense({units}, use_bias={bias}, activation={activation}) on input {list(shape)}"
        )
        specs.append(
            CaseSpec(
                name=name,
                build=_dense_model(shape, units, bias, activation),
                inputs=[InputSpec(shape)],
                description=description,
                flavours=(*ALL_FLAVOURS, INT16),
                params={**params, "weights": "converter default (per-channel)"},
            )
        )
        if n % 4 == 1:
            specs.append(
                CaseSpec(
                    name=name + "_b32",
                    build=_dense_model(shape, units, bias, activation),
                    inputs=[InputSpec(shape)],
                    description=description + ", int32 bias",
                    flavours=(INT16,),
                    params={**params, "bias_type": "int32"},
                    converter_options={
                        "_experimental_full_integer_quantization_bias_type": tf.int32
                    },
                )
            )
        if n % 2 == 0:
            specs.append(
                CaseSpec(
                    name=name + "_pt",
                    build=_dense_model(shape, units, bias, activation),
                    inputs=[InputSpec(shape)],
                    description=description + ", per-tensor weight quantization",
                    flavours=(*QUANTIZED_FLAVOURS, INT16),
                    params={**params, "weights": "per-tensor"},
                    converter_options=PER_TENSOR_OPTION,
                )
            )
    return specs
