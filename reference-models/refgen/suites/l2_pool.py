"""L2_POOL_2D (float32, the only type TFLM takes): windows, strides, SAME
and VALID padding, a fused RELU; a one-operator graph (the converter never
writes L2_POOL_2D)."""

from __future__ import annotations

from ..case import FLOAT32, CaseSpec, InputSpec
from .common import dims_name, function_model, one_op_graph

# (input shape, filter (h, w), stride (h, w), padding, activation, output shape)
CASES = (
    ((1, 6, 6, 3), (2, 2), (2, 2), "VALID", "NONE", (1, 3, 3, 3)),
    ((1, 5, 7, 2), (3, 3), (2, 2), "SAME", "NONE", (1, 3, 4, 2)),
    ((2, 4, 4, 1), (3, 2), (1, 1), "SAME", "RELU6", (2, 4, 4, 1)),
    ((1, 7, 3, 4), (3, 1), (2, 1), "VALID", "NONE", (1, 3, 3, 4)),
)


def _options(filter_hw, stride, padding, activation):
    from tensorflow.lite.python import schema_py_generated as schema

    o = schema.Pool2DOptionsT()
    o.padding = getattr(schema.Padding, padding)
    o.strideH, o.strideW = stride
    o.filterHeight, o.filterWidth = filter_hw
    o.fusedActivationFunction = getattr(schema.ActivationFunctionType, activation)
    return ("Pool2DOptions", o)


def cases() -> list[CaseSpec]:
    """4 cases."""
    specs = []
    for shape, filter_hw, stride, padding, activation, out in CASES:
        spec = InputSpec(shape, -4.0, 4.0)
        graph = one_op_graph(
            "L2_POOL_2D",
            [
                {"name": "serving_default_in_00:0", "shape": shape, "dtype": "float32"},
                {"name": "pooled", "shape": out, "dtype": "float32"},
            ],
            inputs=[0],
            outputs=[1],
            options=_options(filter_hw, stride, padding, activation),
        )
        specs.append(
            CaseSpec(
                f"in{dims_name(shape)}_f{filter_hw[0]}x{filter_hw[1]}_s{stride[0]}x{stride[1]}_"
                f"{padding.lower()}_{activation.lower()}",
                lambda spec=spec: function_model(lambda x: x * 2.0, [spec]),
                [spec],
                f"L2_POOL_2D {filter_hw} stride {stride} {padding} {activation} on {list(shape)}",
                (FLOAT32,),
                {"input_shape": list(shape), "filter": list(filter_hw), "stride": list(stride),
                 "padding": padding, "activation": activation},
                rewrite=graph,
            )
        )
    return specs
