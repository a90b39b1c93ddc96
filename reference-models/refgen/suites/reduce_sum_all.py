"""SUM (tf.reduce_sum: float32, int8, int16) and REDUCE_ALL (tf.reduce_all of bools)
over several axis sets, with and without keepdims."""

from __future__ import annotations

import tensorflow as tf

from ..case import ALL_FLAVOURS, FLOAT32, INT16, CaseSpec, InputSpec
from .common import dims_name, function_model

# (input shape, axes, keepdims)
CONFIGS = (
    ((1, 4, 5, 3), (1, 2), True),
    ((2, 6, 3), (-1,), False),
    ((3, 4), (0, 1), False),
)


def bool_model(fn, shape):
    """A tf.function with one bool input named like the other suites' inputs."""
    signature = [tf.TensorSpec(shape, tf.bool, name="in_00")]
    return tf.function(fn, input_signature=signature, autograph=False)


def cases() -> list[CaseSpec]:
    """SUM: 3 configurations x 3 flavours; REDUCE_ALL: 3 configurations."""
    specs = []
    for shape, axes, keepdims in CONFIGS:
        axes_name = "".join(str(a) for a in axes).replace("-", "m")
        keep = "keep" if keepdims else "drop"
        spec = InputSpec(shape)

        def sum_fn(x, axes=axes, keepdims=keepdims):
            return tf.reduce_sum(x, axis=list(axes), keepdims=keepdims)

        def all_fn(x, axes=axes, keepdims=keepdims):
            return tf.reduce_all(x, axis=list(axes), keepdims=keepdims)

        specs.append(
            CaseSpec(
                f"sum_in{dims_name(shape)}_axes{axes_name}_{keep}",
                lambda fn=sum_fn, spec=spec: function_model(fn, [spec]),
                [spec],
                f"reduce_sum over {list(axes)}, keepdims={keepdims}, on {list(shape)}",
                (*ALL_FLAVOURS, INT16),
                {"op": "sum", "input_shape": list(shape), "axes": list(axes)},
            )
        )
        specs.append(
            CaseSpec(
                f"all_in{dims_name(shape)}_axes{axes_name}_{keep}",
                lambda fn=all_fn, shape=shape: bool_model(fn, shape),
                [InputSpec(shape, dtype="bool")],
                f"reduce_all over {list(axes)}, keepdims={keepdims}, on bool {list(shape)}",
                (FLOAT32,),
                {"op": "all", "input_shape": list(shape), "axes": list(axes)},
            )
        )
    return specs
