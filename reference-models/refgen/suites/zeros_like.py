"""ZEROS_LIKE on every type TFLM takes (a one-operator graph: the converter
folds it)."""

from __future__ import annotations

from ..case import FLOAT32, CaseSpec, InputSpec
from .common import dims_name, function_model, one_op_graph

CASES = (("float32", (2, 3)), ("int32", (1, 4, 5)), ("int8", (7,)), ("int64", (2, 2, 2)))


def cases() -> list[CaseSpec]:
    """4 types."""
    specs = []
    for dtype, shape in CASES:
        spec = InputSpec(shape, -5.0, 5.0)
        graph = one_op_graph(
            "ZEROS_LIKE",
            [
                {"name": "serving_default_in_00:0", "shape": shape, "dtype": dtype},
                {"name": "zeros", "shape": shape, "dtype": dtype},
            ],
            inputs=[0],
            outputs=[1],
        )
        specs.append(
            CaseSpec(
                f"zeros_like_{dtype}_{dims_name(shape)}",
                lambda spec=spec: function_model(lambda x: x * 2.0, [spec]),
                [spec],
                f"ZEROS_LIKE of a {dtype} {list(shape)} input",
                (FLOAT32,),
                {"dtype": dtype, "shape": list(shape)},
                rewrite=graph,
            )
        )
    return specs
