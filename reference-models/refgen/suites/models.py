"""Small whole models. `mlp_int8` is the project's demo model (README)."""

from __future__ import annotations

import keras

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import bias_initializer, named_inputs

MLP_INPUT = InputSpec((1, 32))


def _mlp():
    (inp,) = named_inputs([MLP_INPUT])
    x = keras.layers.Dense(32, activation="relu", bias_initializer=bias_initializer(1))(inp)
    x = keras.layers.Dense(16, activation="relu", bias_initializer=bias_initializer(2))(x)
    out = keras.layers.Dense(4, bias_initializer=bias_initializer(3))(x)
    return keras.Model(inp, out)


def cases() -> list[CaseSpec]:
    """The model cases."""
    return [
        CaseSpec(
            name="mlp",
            build=_mlp,
            inputs=[MLP_INPUT],
            description="3-layer MLP 32 -> Dense(32, relu) -> Dense(16, relu) -> Dense(4), "
            "random seeded weights",
            flavours=ALL_FLAVOURS,
            params={"layers": [32, 16, 4]},
        )
    ]
