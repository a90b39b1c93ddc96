"""ADD_N of 2, 3 and 4 same-shaped inputs (int8, int8_float_io, float32).

The converter keeps ADD_N in float inside quantized models; the int8
flavour is rewritten to run it on the int8 tensors (`int8_core`), as TFLM
supports."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model, int8_core

# (input count, shape).
CONFIGS = ((2, (1, 4, 4, 3)), (3, (2, 5)), (4, (3, 70)))


# Named positional arguments (not *args): the converter then keeps the
# signature's input order.
ADD_N = {
    2: lambda in_00, in_01: tf.math.add_n([in_00, in_01]),
    3: lambda in_00, in_01, in_02: tf.math.add_n([in_00, in_01, in_02]),
    4: lambda in_00, in_01, in_02, in_03: tf.math.add_n([in_00, in_01, in_02, in_03]),
}


def cases() -> list[CaseSpec]:
    """3 configurations x 3 flavours."""
    specs = []
    for count, shape in CONFIGS:
        # An asymmetric range: a non-zero zero point (TFLM starts the int8 sum
        # from the rescaled input offset).
        inputs = [InputSpec(shape, -1.0, 3.0) for _ in range(count)]
        specs.append(
            CaseSpec(
                f"add_n_{count}x{dims_name(shape)}",
                lambda count=count, inputs=inputs: function_model(ADD_N[count], inputs),
                inputs,
                f"add_n of {count} inputs of {list(shape)}",
                ALL_FLAVOURS,
                {"op": "add_n", "input_shapes": [list(shape)] * count},
                rewrite=int8_core,
            )
        )
    return specs
