"""PAD / PADV2 (tf.pad with zero or non-zero constant)."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, paddings, constant value)
CONFIGS = (
    ((1, 5, 5, 3), ((0, 0), (1, 1), (1, 1), (0, 0)), 0.0),
    ((1, 4, 3, 2), ((0, 0), (2, 0), (0, 3), (1, 1)), 0.0),
    ((2, 5), ((0, 0), (3, 1)), 0.0),
    ((1, 4, 4, 3), ((0, 0), (1, 2), (2, 1), (0, 0)), 0.5),
)


def cases() -> list[CaseSpec]:
    """4 configurations × 3 flavours."""
    specs = []
    for shape, paddings, value in CONFIGS:
        spec = InputSpec(shape)
        pads = "".join(f"{a}{b}" for a, b in paddings)
        name = f"in{dims_name(shape)}_p{pads}" + ("_const" if value else "")

        def fn(x, paddings=paddings, value=value):
            return tf.pad(x, paddings, constant_values=value)

        specs.append(
            CaseSpec(
                name,
                lambda fn=fn, spec=spec: function_model(fn, [spec]),
                [spec],
                f"pad {list(shape)} by {[list(p) for p in paddings]} with {value}",
                ALL_FLAVOURS,
                {
                    "input_shape": list(shape),
                    "paddings": [list(p) for p in paddings],
                    "value": value,
                },
            )
        )
    return specs
