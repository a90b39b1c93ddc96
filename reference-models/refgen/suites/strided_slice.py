"""STRIDED_SLICE (tf.strided_slice) with strides, negative indices and masks."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

# (name, input shape, begin, end, strides, masks)
CONFIGS = (
    ("basic", (1, 8, 6, 3), (0, 1, 0, 0), (1, 7, 6, 3), (1, 2, 1, 1), {}),
    ("negative", (2, 9), (0, -7), (2, -1), (1, 3), {}),
    ("reverse", (1, 6, 4), (0, 5, 0), (1, 0, 4), (1, -1, 1), {}),
    (
        "masks",
        (1, 5, 5, 4),
        (0, 1, 0, 1),
        (1, 4, 0, 3),
        (1, 1, 1, 1),
        {"begin_mask": 0b0100, "end_mask": 0b0100},
    ),
    ("shrink", (2, 5, 3), (1, 0, 0), (2, 5, 3), (1, 2, 1), {"shrink_axis_mask": 0b001}),
)


def cases() -> list[CaseSpec]:
    """5 configurations × 3 flavours."""
    specs = []
    for name, shape, begin, end, strides, masks in CONFIGS:
        spec = InputSpec(shape)

        def fn(x, begin=begin, end=end, strides=strides, masks=masks):
            return tf.strided_slice(x, begin, end, strides, **masks)

        specs.append(
            CaseSpec(
                f"{name}_in{dims_name(shape)}",
                lambda fn=fn, spec=spec: function_model(fn, [spec]),
                [spec],
                f"strided_slice {list(shape)} begin={list(begin)} end={list(end)} "
                f"strides={list(strides)} {masks}",
                ALL_FLAVOURS,
                {
                    "input_shape": list(shape),
                    "begin": list(begin),
                    "end": list(end),
                    "strides": list(strides),
                    **masks,
                },
            )
        )
    return specs
