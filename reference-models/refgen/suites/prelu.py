"""PRELU (Keras PReLU layers with seeded alphas, some negative, and
shared axes) in int8, int8_float_io and float32; and 16x8 (int16 input and
output, int8 alpha), which the converter does not write: one-operator graphs
with constant int8 alphas, broadcast per channel, per element and as one
value, with zero and nonzero alpha zero points."""

from __future__ import annotations

import keras
import numpy as np

from ..case import ALL_FLAVOURS, FLOAT32, CaseSpec, InputSpec
from .common import dims_name, function_model, keras_model, one_op_graph

# (input shape, shared axes): per element, per channel (alpha broadcast over
# rows and columns), one alpha for all.
CONFIGS = (
    ((1, 4, 4, 3), None),
    ((1, 5, 6, 4), [1, 2]),
    ((2, 8), [1]),
)


def prelu_layer(shape, shared_axes):
    """A PReLU whose alphas are drawn in [-0.5, 1.5] (seeded by the generator)."""
    alpha_shape = [1 if shared_axes and axis in shared_axes else d for axis, d in enumerate(shape[1:], 1)]
    rng = np.random.default_rng(len(shape) * 31 + (len(shared_axes) if shared_axes else 0))
    alphas = rng.uniform(-0.5, 1.5, size=alpha_shape).astype(np.float32)
    return keras.layers.PReLU(
        alpha_initializer=keras.initializers.Constant(alphas), shared_axes=shared_axes
    )


def cases() -> list[CaseSpec]:
    """3 configurations x 3 flavours, and 4 int16 graphs."""
    specs = []
    for shape, shared_axes in CONFIGS:
        inputs = [InputSpec(shape, -2.0, 2.0)]
        axes = "" if not shared_axes else "_shared" + "".join(str(a) for a in shared_axes)
        specs.append(
            CaseSpec(
                f"prelu_{dims_name(shape)}{axes}",
                keras_model(inputs, lambda x, shape=shape, s=shared_axes: prelu_layer(shape, s)(x)),
                inputs,
                f"prelu of {list(shape)}, shared axes {shared_axes}",
                ALL_FLAVOURS,
                {"op": "prelu", "input_shape": list(shape), "shared_axes": shared_axes},
            )
        )
    specs.extend(int16_cases())
    return specs


# (input shape, alpha shape, input scale, alpha scale, alpha zero point,
# output scale) of the 16x8 graphs.
INT16_CONFIGS = (
    ((1, 4, 4, 3), (3,), 1.0 / 4096, 0.01, 0, 1.0 / 4096),
    ((1, 3, 5, 2), (3, 5, 2), 0.0005, 0.004, -20, 0.0007),
    ((2, 9), (1,), 0.002, 0.02, 30, 0.001),
    ((3, 4), (4,), 0.0001, 0.008, 0, 0.00003),
)


def int16_cases() -> list[CaseSpec]:
    """PRELU of int16 inputs with constant int8 alphas (seeded)."""
    import numpy as np

    specs = []
    for k, (shape, alpha_shape, in_scale, a_scale, a_zero, out_scale) in enumerate(INT16_CONFIGS):
        rng = np.random.default_rng(100 + k)
        alphas = rng.integers(-128, 128, size=alpha_shape)
        inputs = [InputSpec(shape, -2.0, 2.0)]
        graph = one_op_graph(
            "PRELU",
            [
                {"name": "serving_default_in_00:0", "shape": shape, "dtype": "int16",
                 "scale": in_scale, "zero_point": 0},
                {"name": "alpha", "shape": alpha_shape, "dtype": "int8", "scale": a_scale,
                 "zero_point": a_zero, "data": alphas},
                {"name": "output", "shape": shape, "dtype": "int16", "scale": out_scale,
                 "zero_point": 0},
            ],
            inputs=[0],
            outputs=[2],
        )
        specs.append(
            CaseSpec(
                f"prelu_int16_{dims_name(shape)}_alpha{dims_name(alpha_shape)}",
                lambda inputs=inputs: function_model(lambda x: x * 2.0, inputs),
                inputs,
                f"16x8 PRELU of {list(shape)} with int8 alphas {list(alpha_shape)} "
                f"(zero point {a_zero})",
                (FLOAT32,),
                {"op": "prelu", "input_shape": list(shape), "alpha_shape": list(alpha_shape)},
                rewrite=graph,
            )
        )
    return specs
