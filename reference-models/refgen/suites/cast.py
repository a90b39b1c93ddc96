"""CAST (tf.cast) from float32 to int32, int16 and int8, from int32 back to
float32, from bool (a comparison's result) to float32 and int32, and from
float32 and int32 to bool (nonzero is true)."""

from __future__ import annotations

import tensorflow as tf

from ..case import FLOAT32, CaseSpec, InputSpec
from .common import dims_name, function_model

# name → function of one float input
CASTS = {
    "f32_i32_f32": lambda x: tf.cast(tf.cast(x * 40.0, tf.int32), tf.float32),
    "f32_i16": lambda x: tf.cast(x * 3000.0, tf.int16),
    "f32_i8": lambda x: tf.cast(x * 100.0, tf.int8),
    "bool_f32": lambda x: tf.cast(x > 0.25, tf.float32),
    "bool_i32": lambda x: tf.cast(x < -0.5, tf.int32),
    "f32_bool": lambda x: tf.cast(tf.round(x * 2.0), tf.bool),
    "f32_i32_bool": lambda x: tf.cast(tf.cast(x * 2.0, tf.int32), tf.bool),
}
SHAPES = ((2, 3, 5),)


def cases() -> list[CaseSpec]:
    """7 casts (float32 models: TFLM's CAST carries no quantization)."""
    specs = []
    for name, fn in CASTS.items():
        for shape in SHAPES:
            inputs = [InputSpec(shape, -1.0, 1.0)]
            specs.append(
                CaseSpec(
                    f"{name}_in{dims_name(shape)}",
                    lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                    inputs,
                    f"cast {name} on {list(shape)}",
                    (FLOAT32,),
                    {"cast": name, "input_shape": list(shape)},
                )
            )
    return specs
