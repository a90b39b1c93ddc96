"""PRELU (Keras PReLU layers with seeded alphas, some negative, and
shared axes) in int8, int8_float_io and float32."""

from __future__ import annotations

import keras
import numpy as np

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import dims_name, keras_model

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
    """3 configurations x 3 flavours."""
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
    return specs
