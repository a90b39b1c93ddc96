"""RESHAPE and SQUEEZE (the converter may lower squeeze to RESHAPE: see case.json ops)."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

CONFIGS = (
    ("reshape", (1, 4, 4, 3), lambda x: tf.reshape(x, (1, 48))),
    ("reshape", (2, 6), lambda x: tf.reshape(x, (3, 2, 2))),
    ("squeeze", (1, 1, 1, 7), lambda x: tf.squeeze(x, axis=[1, 2])),
    ("squeeze", (1, 5, 1), lambda x: tf.squeeze(x)),
)


def cases() -> list[CaseSpec]:
    """4 configurations × 3 flavours."""
    specs = []
    for n, (kind, shape, fn) in enumerate(CONFIGS):
        spec = InputSpec(shape)
        specs.append(
            CaseSpec(
                f"{kind}{n}_in{dims_name(shape)}",
                lambda fn=fn, spec=spec: function_model(fn, [spec]),
                [spec],
                f"{kind} of {list(shape)}",
                ALL_FLAVOURS,
                {"kind": kind, "input_shape": list(shape)},
            )
        )
    return specs
