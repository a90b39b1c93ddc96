"""TRANSPOSE with several permutations of rank 2, 3 and 4 inputs."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

CONFIGS = (
    ((3, 5), (1, 0)),
    ((2, 3, 4), (0, 2, 1)),
    ((2, 3, 4), (2, 0, 1)),
    ((1, 3, 4, 5), (0, 3, 1, 2)),
    ((2, 3, 2, 5), (3, 2, 1, 0)),
)


def cases() -> list[CaseSpec]:
    """5 configurations × 3 flavours."""
    specs = []
    for shape, perm in CONFIGS:
        spec = InputSpec(shape)

        def fn(x, perm=perm):
            return tf.transpose(x, perm)

        specs.append(
            CaseSpec(
                f"in{dims_name(shape)}_perm{''.join(map(str, perm))}",
                lambda fn=fn, spec=spec: function_model(fn, [spec]),
                [spec],
                f"transpose {list(shape)} by {list(perm)}",
                ALL_FLAVOURS,
                {"input_shape": list(shape), "perm": list(perm)},
            )
        )
    return specs
