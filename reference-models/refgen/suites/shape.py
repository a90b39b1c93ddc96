"""SHAPE of inputs of several types and ranks (int32 output); a
one-operator graph (the converter folds SHAPE of a fixed shape)."""

from __future__ import annotations

from ..case import FLOAT32, CaseSpec, InputSpec
from .common import dims_name, function_model, one_op_graph

CASES = (("float32", (1, 4, 5, 2)), ("int8", (3,)), ("int16", (2, 7)), ("int32", (2, 1, 3)))


def cases() -> list[CaseSpec]:
    """4 inputs."""
    specs = []
    for dtype, shape in CASES:
        spec = InputSpec(shape, -5.0, 5.0)
        graph = one_op_graph(
            "SHAPE",
            [
                {"name": "serving_default_in_00:0", "shape": shape, "dtype": dtype},
                {"name": "shape", "shape": (len(shape),), "dtype": "int32"},
            ],
            inputs=[0],
            outputs=[1],
        )
        specs.append(
            CaseSpec(
                f"shape_{dtype}_{dims_name(shape)}",
                lambda spec=spec: function_model(lambda x: x * 2.0, [spec]),
                [spec],
                f"SHAPE of a {dtype} {list(shape)} input",
                (FLOAT32,),
                {"dtype": dtype, "shape": list(shape)},
                rewrite=graph,
            )
        )
    return specs
