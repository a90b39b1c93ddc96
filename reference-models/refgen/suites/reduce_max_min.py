"""REDUCE_MAX and REDUCE_MIN (tf.reduce_max / tf.reduce_min) over several axis sets,
negative axes included, with and without keepdims."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, axes, keepdims)
CONFIGS = (
    ((1, 5, 5, 3), (1, 2), True),
    ((2, 4, 3), (-1,), False),
    ((1, 3, 4, 5), (0, 3), False),
    ((2, 9), (0, 1), False),
)


def cases() -> list[CaseSpec]:
    """2 ops x 4 configurations x 3 flavours."""
    specs = []
    for op, fn0 in (("max", tf.reduce_max), ("min", tf.reduce_min)):
        for shape, axes, keepdims in CONFIGS:
            spec = InputSpec(shape)
            axes_name = "".join(str(a) for a in axes).replace("-", "m")
            name = f"{op}_in{dims_name(shape)}_axes{axes_name}_{'keep' if keepdims else 'drop'}"

            def fn(x, fn0=fn0, axes=axes, keepdims=keepdims):
                return fn0(x, axis=list(axes), keepdims=keepdims)

            specs.append(
                CaseSpec(
                    name,
                    lambda fn=fn, spec=spec: function_model(fn, [spec]),
                    [spec],
                    f"reduce_{op} over axes {list(axes)}, keepdims={keepdims}, on {list(shape)}",
                    ALL_FLAVOURS,
                    {"op": op, "input_shape": list(shape), "axes": list(axes), "keepdims": keepdims},
                )
            )
    return specs
