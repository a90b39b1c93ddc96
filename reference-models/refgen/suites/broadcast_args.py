"""BROADCAST_ARGS (int32 and int64): a shape input against a constant of
ones, longer or shorter (every golden input broadcasts: TFLM aborts on
incompatible shapes); a one-operator graph."""

from __future__ import annotations

from ..case import FLOAT32, CaseSpec, InputSpec
from .common import function_model, one_op_graph

# (type, input length, constant ones length)
CASES = (("int32", 3, 1), ("int32", 2, 4), ("int64", 4, 2), ("int64", 1, 3))


def cases() -> list[CaseSpec]:
    """4 cases."""
    specs = []
    for dtype, length, ones in CASES:
        spec = InputSpec((length,), 1.0, 9.0)
        out = max(length, ones)
        graph = one_op_graph(
            "BROADCAST_ARGS",
            [
                {"name": "serving_default_in_00:0", "shape": (length,), "dtype": dtype},
                {"name": "ones", "shape": (ones,), "dtype": dtype, "data": [1] * ones},
                {"name": "broadcast", "shape": (out,), "dtype": dtype},
            ],
            inputs=[0],
            outputs=[2],
        )
        specs.append(
            CaseSpec(
                f"broadcast_args_{dtype}_{length}_ones{ones}",
                lambda spec=spec: function_model(lambda x: x * 2.0, [spec]),
                [spec],
                f"BROADCAST_ARGS of a {dtype} shape of {length} and {ones} ones",
                (FLOAT32,),
                {"dtype": dtype, "length": length, "ones": ones},
                rewrite=graph,
            )
        )
    return specs
