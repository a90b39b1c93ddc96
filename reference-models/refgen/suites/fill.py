"""FILL: constant dims (int32 and int64) and a scalar value input of every
type TFLM fills (float32, int32, int8); a one-operator graph (the converter
folds FILL)."""

from __future__ import annotations

from ..case import FLOAT32, CaseSpec, InputSpec
from .common import dims_name, function_model, one_op_graph

# (value type, dims type, output shape)
CASES = (
    ("float32", "int32", (2, 3)),
    ("int32", "int64", (3, 1, 4)),
    ("int8", "int32", (5,)),
    ("float32", "int64", (1, 2, 2, 3)),
)


def cases() -> list[CaseSpec]:
    """4 cases."""
    specs = []
    for dtype, dims_type, shape in CASES:
        spec = InputSpec((), -5.0, 5.0)
        graph = one_op_graph(
            "FILL",
            [
                {"name": "dims", "shape": (len(shape),), "dtype": dims_type, "data": shape},
                {"name": "serving_default_in_00:0", "shape": (), "dtype": dtype},
                {"name": "filled", "shape": shape, "dtype": dtype},
            ],
            inputs=[1],
            outputs=[2],
        )
        specs.append(
            CaseSpec(
                f"fill_{dtype}_dims_{dims_type}_{dims_name(shape)}",
                lambda spec=spec: function_model(lambda x: x * 2.0, [spec]),
                [spec],
                f"FILL {list(shape)} ({dims_type} dims) with a {dtype} scalar input",
                (FLOAT32,),
                {"dtype": dtype, "dims_type": dims_type, "shape": list(shape)},
                rewrite=graph,
            )
        )
    return specs
