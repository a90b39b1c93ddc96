"""EMBEDDING_LOOKUP: a table input (float32, int8) looked up with constant
int32 ids (repeated, any order), float32 -> float32, int8 -> int8 and
int8 -> float32 (dequantized); a one-operator graph."""

from __future__ import annotations

from ..case import FLOAT32, CaseSpec, InputSpec
from .common import dims_name, function_model, one_op_graph

# (table type, output type, table shape, ids)
CASES = (
    ("float32", "float32", (5, 3), [4, 0, 4, 2]),
    ("int8", "int8", (6, 2, 2), [1, 5]),
    ("int8", "float32", (4, 5), [3, 3, 0, 1, 2]),
)


def cases() -> list[CaseSpec]:
    """3 cases."""
    specs = []
    for table_type, out_type, shape, ids in CASES:
        spec = InputSpec(shape, -3.0, 3.0)
        quantized = {"scale": 0.0375, "zero_point": 0} if table_type == "int8" else {}
        out_quant = {"scale": 0.0375, "zero_point": 0} if out_type == "int8" else {}
        graph = one_op_graph(
            "EMBEDDING_LOOKUP",
            [
                {"name": "ids", "shape": (len(ids),), "dtype": "int32", "data": ids},
                {"name": "serving_default_in_00:0", "shape": shape, "dtype": table_type,
                 **quantized},
                {"name": "rows", "shape": (len(ids), *shape[1:]), "dtype": out_type, **out_quant},
            ],
            inputs=[1],
            outputs=[2],
        )
        specs.append(
            CaseSpec(
                f"{table_type}_to_{out_type}_table{dims_name(shape)}_ids{len(ids)}",
                lambda spec=spec: function_model(lambda x: x * 2.0, [spec]),
                [spec],
                f"EMBEDDING_LOOKUP of {table_type} {list(shape)} at {ids} -> {out_type}",
                (FLOAT32,),
                {"table_type": table_type, "output_type": out_type, "shape": list(shape),
                 "ids": ids},
                rewrite=graph,
            )
        )
    return specs
