"""BATCH_MATMUL of two activations (tf.linalg.matmul): ranks 2 to 5, batch
dimensions broadcast either way, adj_x / adj_y, and a depth of one; int8,
int8_float_io, float32 and 16x8 (int16)."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# (lhs shape, rhs shape, adj_x, adj_y, lhs range, rhs range)
CONFIGS = (
    ((2, 3), (3, 4), False, False, (-1.0, 1.0), (-2.0, 2.0)),
    ((2, 3, 5), (2, 5, 4), False, False, (-1.0, 3.0), (-1.0, 1.0)),
    ((2, 1, 3, 4), (3, 4, 2), False, False, (-2.0, 2.0), (-0.5, 1.5)),
    ((3, 4, 2), (1, 2, 5), False, False, (-1.0, 1.0), (-1.0, 1.0)),
    ((2, 5, 3), (2, 5, 4), True, False, (-1.0, 1.0), (-1.0, 1.0)),
    ((2, 3, 5), (2, 4, 5), False, True, (-3.0, 1.0), (-1.0, 1.0)),
    ((1, 2, 5, 3), (2, 1, 4, 5), True, True, (-1.0, 1.0), (-2.0, 0.5)),
    ((1, 2, 1, 3, 6), (2, 1, 2, 6, 2), False, False, (-1.0, 1.0), (-1.0, 1.0)),
    ((1, 4, 1), (1, 1, 3), False, False, (-1.0, 1.0), (-1.0, 1.0)),
)


def cases() -> list[CaseSpec]:
    """9 configurations x 4 flavours."""
    specs = []
    for lhs, rhs, adj_x, adj_y, lhs_range, rhs_range in CONFIGS:
        inputs = [InputSpec(lhs, *lhs_range), InputSpec(rhs, *rhs_range)]

        def fn(a, b, adj_x=adj_x, adj_y=adj_y):
            return tf.linalg.matmul(a, b, adjoint_a=adj_x, adjoint_b=adj_y)

        adj = ("_adjx" if adj_x else "") + ("_adjy" if adj_y else "")
        specs.append(
            CaseSpec(
                f"lhs{dims_name(lhs)}_rhs{dims_name(rhs)}{adj}",
                lambda fn=fn, inputs=inputs: function_model(fn, inputs),
                inputs,
                f"batch matmul of {list(lhs)} and {list(rhs)}{adj}",
                (*ALL_FLAVOURS, INT16),
                {"lhs_shape": list(lhs), "rhs_shape": list(rhs), "adj_x": adj_x, "adj_y": adj_y},
            )
        )
    return specs
