"""MIRROR_PAD (tf.pad with REFLECT and SYMMETRIC modes): padded axes of each kind,
asymmetric pads, pads up to the largest each mode allows."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, paddings, mode)
CONFIGS = (
    ((1, 4, 5, 2), ((0, 0), (1, 2), (2, 1), (0, 0)), "REFLECT"),
    ((1, 4, 5, 2), ((0, 0), (3, 3), (0, 4), (0, 0)), "REFLECT"),
    ((2, 3, 3), ((1, 1), (0, 3), (2, 0)), "SYMMETRIC"),
    ((6,), ((4, 6),), "SYMMETRIC"),
)


def cases() -> list[CaseSpec]:
    """4 configurations x 3 flavours."""
    specs = []
    for shape, pads, mode in CONFIGS:
        inputs = [InputSpec(shape, -2.0, 2.0)]

        def fn(x, pads=pads, mode=mode):
            return tf.pad(x, [list(p) for p in pads], mode=mode)

        pads_name = "_".join(f"{a}{b}" for a, b in pads)
        specs.append(
            CaseSpec(
                f"{mode.lower()}_in{dims_name(shape)}_p{pads_name}",
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"{mode} pad of {list(shape)} by {[list(p) for p in pads]}",
                ALL_FLAVOURS,
                {"input_shape": list(shape), "paddings": [list(p) for p in pads], "mode": mode},
            )
        )
    return specs
