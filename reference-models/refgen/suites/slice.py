"""SLICE (tf.slice) with sizes of -1 (to the end), whole and empty-free
windows, ranks 1 to 4; and a slice of bools (a comparison's result)."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, FLOAT32, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, begin, size)
CONFIGS = (
    ((1, 5, 6, 3), (0, 1, 2, 0), (1, 3, -1, 2)),
    ((4, 7), (1, 0), (2, -1)),
    ((9,), (3,), (4,)),
    ((2, 3, 4), (1, 1, 1), (1, 2, 3)),
)


def cases() -> list[CaseSpec]:
    """4 configurations x 4 flavours, and one bool slice."""
    specs = []
    for shape, begin, size in CONFIGS:
        inputs = [InputSpec(shape, -2.0, 2.0)]

        def fn(x, begin=begin, size=size):
            return tf.slice(x, list(begin), list(size))

        name = f"in{dims_name(shape)}_b{'_'.join(map(str, begin))}_s{'_'.join(map(str, size))}"
        specs.append(
            CaseSpec(
                name.replace("-", "m"),
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"slice of {list(shape)} from {list(begin)}, size {list(size)}",
                (*ALL_FLAVOURS, INT16),
                {"input_shape": list(shape), "begin": list(begin), "size": list(size)},
            )
        )
    inputs = [InputSpec((3, 6), -1.0, 1.0)]
    specs.append(
        CaseSpec(
            "bool_in3x6_b1_2_s2_m1",
            lambda inputs=inputs: function_model(
                lambda x: tf.slice(x > 0.0, [1, 2], [2, -1]), inputs
            ),
            inputs,
            "slice of a bool [3, 6] from [1, 2], size [2, -1]",
            (FLOAT32,),
            {"input_shape": [3, 6], "begin": [1, 2], "size": [2, -1], "dtype": "bool"},
        )
    )
    return specs
