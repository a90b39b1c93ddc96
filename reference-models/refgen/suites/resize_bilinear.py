"""RESIZE_BILINEAR (tf.compat.v1.image.resize_bilinear) up, down and to one
pixel, plain, with align_corners and with half_pixel_centers (whose edge
weights fall outside [0, 1]), int8, int8_float_io and float32."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, output size, align_corners, half_pixel_centers)
CONFIGS = (
    ((1, 3, 4, 2), (6, 8), False, False),
    ((1, 5, 7, 3), (3, 4), False, False),
    ((1, 3, 4, 2), (5, 9), True, False),
    ((1, 4, 4, 1), (1, 1), True, False),
    ((2, 4, 3, 1), (7, 5), False, True),
    ((1, 6, 6, 2), (4, 3), False, True),
    ((1, 2, 2, 3), (9, 7), False, True),
    ((1, 1, 5, 2), (3, 10), False, False),
)


def cases() -> list[CaseSpec]:
    """8 configurations x 3 flavours."""
    specs = []
    for shape, size, align, half in CONFIGS:
        inputs = [InputSpec(shape, -2.0, 2.0)]

        def fn(x, size=size, align=align, half=half):
            return tf.compat.v1.image.resize_bilinear(
                x, list(size), align_corners=align, half_pixel_centers=half
            )

        mode = "align" if align else ("half" if half else "plain")
        specs.append(
            CaseSpec(
                f"in{dims_name(shape)}_to{dims_name(size)}_{mode}",
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"bilinear resize of {list(shape)} to {list(size)} ({mode})",
                ALL_FLAVOURS,
                {"input_shape": list(shape), "size": list(size), "align_corners": align,
                 "half_pixel_centers": half},
            )
        )
    return specs
