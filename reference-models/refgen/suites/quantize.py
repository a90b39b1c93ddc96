"""QUANTIZE between the type pairs TFLM takes, each with its own scales.

The converter writes QUANTIZE only at float boundaries, so each case's
converted model (a float `x * 2`) is replaced by a one-operator graph built
here: input tensor → QUANTIZE → output tensor, with the case's types, scales
and zero points. Goldens still come from TFLM.
"""

from __future__ import annotations

from ..case import FLOAT32, CaseSpec, InputSpec
from .common import function_model, one_op_graph

SHAPE = (1, 4, 6)
# (input type, output type, input scale, input zero point, output scale,
#  output zero point). Scales keep the outputs varied for the golden inputs
# (full range for 8/16-bit inputs, small values for int32).
PAIRS = (
    ("float32", "int8", 0.0, 0, 0.02, -3),
    ("float32", "int16", 0.0, 0, 0.0001, 0),
    ("int8", "int8", 0.05, 4, 0.03, -7),
    ("int8", "uint8", 0.05, 4, 0.05, 132),
    ("int8", "int16", 0.05, 4, 0.0007, 0),
    ("int8", "int32", 0.05, 4, 0.001, 0),
    ("uint8", "int8", 0.04, 128, 0.04, 0),
    ("int16", "int8", 0.001, 0, 0.2, 5),
    ("int16", "int16", 0.001, 0, 0.0031, 0),
    ("int16", "int32", 0.001, 0, 0.00007, 0),
    ("int32", "int8", 0.01, 0, 0.03, -2),
    ("int32", "int16", 0.01, 0, 0.003, 0),
)


def _one_quantize(pair):
    """A rewrite: the model becomes input -> QUANTIZE -> output per `pair`."""
    in_type, out_type, in_scale, in_zp, out_scale, out_zp = pair

    def tensor(name, dtype, scale, zero_point):
        spec = {"name": name, "shape": SHAPE, "dtype": dtype}
        if dtype != "float32":
            spec.update(scale=scale, zero_point=zero_point)
        return spec

    return one_op_graph(
        "QUANTIZE",
        [
            tensor("serving_default_in_00:0", in_type, in_scale, in_zp),
            tensor("quantized", out_type, out_scale, out_zp),
        ],
        inputs=[0],
        outputs=[1],
    )


def cases() -> list[CaseSpec]:
    """12 type pairs, one case each."""
    spec = InputSpec(SHAPE, -3.0, 3.0)
    specs = []
    for pair in PAIRS:
        in_type, out_type, in_scale, in_zp, out_scale, out_zp = pair
        specs.append(
            CaseSpec(
                f"quantize_{in_type}_to_{out_type}",
                lambda: function_model(lambda x: x * 2.0, [spec]),
                [spec],
                f"QUANTIZE {in_type} (scale {in_scale}, zero point {in_zp}) -> {out_type} "
                f"(scale {out_scale}, zero point {out_zp}) on {list(SHAPE)}",
                (FLOAT32,),
                {"input_type": in_type, "output_type": out_type},
                rewrite=_one_quantize(pair),
            )
        )
    return specs
