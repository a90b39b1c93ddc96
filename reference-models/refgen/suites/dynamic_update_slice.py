"""DYNAMIC_UPDATE_SLICE of an operand input by an update input at constant
start indices, inside, past the end and negative (TFLM clamps them so the
update fits), on every type TFLM takes; a one-operator graph."""

from __future__ import annotations

from ..case import FLOAT32, CaseSpec, InputSpec
from .common import dims_name, function_model, one_op_graph

# (type, operand shape, update shape, start indices, indices type)
CASES = (
    ("float32", (4, 5), (2, 3), (1, 2), "int32"),
    ("int8", (3, 4, 2), (1, 2, 2), (5, -1, 0), "int32"),
    ("int16", (2, 6), (2, 2), (0, 9), "int64"),
    ("int32", (1, 3, 3, 2), (1, 2, 1, 2), (0, 1, 2, 0), "int64"),
    ("float32", (3, 3), (3, 3), (1, 1), "int32"),
)


def cases() -> list[CaseSpec]:
    """5 cases."""
    specs = []
    for dtype, shape, update, start, index_type in CASES:
        inputs = [InputSpec(shape, -9.0, 9.0), InputSpec(update, -9.0, 9.0)]
        graph = one_op_graph(
            "DYNAMIC_UPDATE_SLICE",
            [
                {"name": "serving_default_in_00:0", "shape": shape, "dtype": dtype},
                {"name": "serving_default_in_01:0", "shape": update, "dtype": dtype},
                {"name": "start", "shape": (len(start),), "dtype": index_type, "data": start},
                {"name": "updated", "shape": shape, "dtype": dtype},
            ],
            inputs=[0, 1],
            outputs=[3],
        )
        start_name = "_".join(str(s).replace("-", "m") for s in start)
        specs.append(
            CaseSpec(
                f"{dtype}_{dims_name(shape)}_by_{dims_name(update)}_at_{start_name}_{index_type}",
                lambda inputs=inputs: function_model(lambda a, b: a * 2.0 + b[0, 0], inputs),
                inputs,
                f"DYNAMIC_UPDATE_SLICE of {dtype} {list(shape)} by {list(update)} at "
                f"{list(start)} ({index_type})",
                (FLOAT32,),
                {"dtype": dtype, "shape": list(shape), "update": list(update),
                 "start": list(start)},
                rewrite=graph,
            )
        )
    return specs
