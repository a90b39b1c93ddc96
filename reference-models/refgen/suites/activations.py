"""Standalone activation operators (not fused: they follow the model input directly)."""

from __future__ import annotations

import keras

from ..case import ALL_FLAVOURS, FLOAT32, INT8, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model, keras_model, one_op_graph

ACTIVATIONS = {
    "relu": lambda: keras.layers.ReLU(),
    "relu6": lambda: keras.layers.ReLU(max_value=6.0),
    "leaky_relu": lambda: keras.layers.LeakyReLU(negative_slope=0.2),
    "sigmoid": lambda: keras.layers.Activation("sigmoid"),
    "tanh": lambda: keras.layers.Activation("tanh"),
    "hard_swish": lambda: keras.layers.Activation("hard_swish"),
    "elu": lambda: keras.layers.Activation("elu"),
}
# The converter leaves ELU in float even under TFLITE_BUILTINS_INT8 (the int8 model
# is DEQUANTIZE → ELU → QUANTIZE), so its int8_float_io would equal float32.
# LEAKY_RELU, RELU, RELU6, LOGISTIC and TANH also run int16 (16x8) in TFLM.
FLAVOURS = {
    "elu": (INT8, FLOAT32),
    "leaky_relu": (*ALL_FLAVOURS, INT16),
    "relu": (*ALL_FLAVOURS, INT16),
    "relu6": (*ALL_FLAVOURS, INT16),
    "sigmoid": (*ALL_FLAVOURS, INT16),
    "tanh": (*ALL_FLAVOURS, INT16),
}
SHAPES = ((1, 4, 4, 3), (2, 23))

# Int16 LOGISTIC / TANH with power-of-two input scales, which TFLM rescales
# by 3 << shift instead of a computed multiplier (2^-12 both, 2^-11 TANH
# only), and one non-power-of-two scale near 1 (a small multiplier shift);
# one-operator graphs, since the converter picks the scale from the data.
# (op, scale name, input scale, shape)
INT16_SCALE_CASES = (
    ("LOGISTIC", "pot12", 2.0**-12, (2, 40)),
    ("TANH", "pot12", 2.0**-12, (2, 40)),
    ("TANH", "pot11", 2.0**-11, (2, 40)),
    ("LOGISTIC", "pot10", 2.0**-10, (1, 33)),
    ("TANH", "0p7", 0.7, (1, 33)),
)


def cases() -> list[CaseSpec]:
    """7 activations × 2 shapes × 3 flavours (+ int16 LEAKY_RELU, LOGISTIC, TANH);
    inputs in [-8, 8]."""
    specs = []
    for name, layer in ACTIVATIONS.items():
        for shape in SHAPES:
            spec = InputSpec(shape, -8.0, 8.0)
            build = keras_model([spec], lambda x, layer=layer: layer()(x))
            specs.append(
                CaseSpec(
                    f"{name}_in{dims_name(shape)}",
                    build,
                    [spec],
                    f"{name} on {list(shape)}, inputs in [-8, 8]",
                    FLAVOURS.get(name, ALL_FLAVOURS),
                    {"activation": name, "input_shape": list(shape)},
                )
            )
    return specs + int16_scale_cases()


def int16_scale_cases() -> list[CaseSpec]:
    """Int16 LOGISTIC / TANH at chosen input scales (output scale 2^-15)."""
    specs = []
    for op, scale_name, scale, shape in INT16_SCALE_CASES:
        inputs = [InputSpec(shape, -8.0, 8.0)]
        graph = one_op_graph(
            op,
            [
                {"name": "serving_default_in_00:0", "shape": shape, "dtype": "int16",
                 "scale": scale, "zero_point": 0},
                {"name": "output", "shape": shape, "dtype": "int16", "scale": 2.0**-15,
                 "zero_point": 0},
            ],
            inputs=[0],
            outputs=[1],
        )
        specs.append(
            CaseSpec(
                f"{op.lower()}_int16_scale_{scale_name}_{dims_name(shape)}",
                lambda inputs=inputs: function_model(lambda x: x * 2.0, inputs),
                inputs,
                f"int16 {op} of {list(shape)}, input scale {scale:g}, output scale 2^-15",
                (FLOAT32,),
                {"activation": op.lower(), "input_shape": list(shape), "input_scale": scale},
                rewrite=graph,
            )
        )
    return specs
