"""Standalone activation operators (not fused: they follow the model input directly)."""

from __future__ import annotations

import keras

from ..case import ALL_FLAVOURS, FLOAT32, INT8, INT16, CaseSpec, InputSpec
from .common import dims_name, keras_model

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
# LEAKY_RELU also runs int16 (16x8) in TFLM.
FLAVOURS = {
    "elu": (INT8, FLOAT32),
    "leaky_relu": (*ALL_FLAVOURS, INT16),
    "relu": (*ALL_FLAVOURS, INT16),
    "relu6": (*ALL_FLAVOURS, INT16),
}
SHAPES = ((1, 4, 4, 3), (2, 23))


def cases() -> list[CaseSpec]:
    """7 activations × 2 shapes × 3 flavours (+ int16 LEAKY_RELU); inputs in [-8, 8]."""
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
    return specs
