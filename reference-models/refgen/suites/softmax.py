"""SOFTMAX on the last axis over a few shapes, inputs spanning [-4, 4]."""

from __future__ import annotations

import keras

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import dims_name, keras_model

SHAPES = ((1, 10), (2, 5), (1, 1, 37), (1, 4, 4, 3), (1, 1))


def cases() -> list[CaseSpec]:
    """5 shapes × 4 flavours."""
    specs = []
    for shape in SHAPES:
        spec = InputSpec(shape, -4.0, 4.0)
        build = keras_model([spec], lambda x: keras.layers.Softmax()(x))
        specs.append(
            CaseSpec(
                f"in{dims_name(shape)}",
                build,
                [spec],
                f"Softmax(axis=-1) on {list(shape)}, inputs in [-4, 4]",
                (*ALL_FLAVOURS, INT16),
                {"input_shape": list(shape)},
            )
        )
    return specs
