"""MAX_POOL_2D and AVERAGE_POOL_2D over pool size/stride/padding/shape options."""

from __future__ import annotations

import keras

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import dims_name, keras_model

# (kind, input shape NHWC, pool (h, w), stride, padding)
CONFIGS = (
    ("max", (1, 8, 8, 3), (2, 2), 2, "valid"),
    ("max", (1, 9, 9, 5), (3, 3), 2, "same"),
    ("max", (2, 7, 5, 2), (3, 2), 1, "valid"),
    ("max", (1, 6, 6, 7), (2, 2), 1, "same"),
    ("max", (1, 11, 11, 1), (3, 3), 3, "valid"),
    ("avg", (1, 8, 8, 3), (2, 2), 2, "valid"),
    ("avg", (1, 9, 9, 5), (3, 3), 2, "same"),
    ("avg", (2, 7, 5, 2), (3, 2), 1, "valid"),
    ("avg", (1, 6, 6, 7), (2, 2), 1, "same"),
    ("avg", (1, 5, 5, 4), (5, 5), 1, "valid"),
)


def _body(kind, pool, stride, padding):
    layer = keras.layers.MaxPooling2D if kind == "max" else keras.layers.AveragePooling2D

    def body(x):
        return layer(pool, strides=stride, padding=padding)(x)

    return body


def cases() -> list[CaseSpec]:
    """10 configurations × 3 flavours."""
    specs = []
    for kind, shape, pool, stride, padding in CONFIGS:
        name = f"{kind}_in{dims_name(shape)}_p{pool[0]}x{pool[1]}_s{stride}_{padding}"
        params = {
            "kind": kind,
            "input_shape": list(shape),
            "pool": list(pool),
            "stride": stride,
            "padding": padding,
        }
        description = f"{kind} pool {pool}, strides={stride}, padding={padding} on {list(shape)}"
        build = keras_model([InputSpec(shape)], _body(kind, pool, stride, padding))
        specs.append(
            CaseSpec(name, build, [InputSpec(shape)], description, (*ALL_FLAVOURS, INT16), params)
        )
    return specs
