"""CONV_2D: Conv2D over a covering list of kernel/stride/dilation/padding/shape options.

Odd spatial sizes, channel counts that are not multiples of 4 or 8, with and
without bias, fused NONE/RELU/RELU6, batch 1 and 2. Keras cannot combine
stride > 1 with dilation > 1, so no case does. Quantized weights are
per-channel (converter default); `*_pt_*` cases force per-tensor
(`_experimental_disable_per_channel=True`). Every configuration also runs
16x8 (int16 activations, int8 weights, int64 bias); `*_b32` cases ask the
converter for int32 biases, which TFLM accumulates in int32.
"""

from __future__ import annotations

import keras

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec, INT8, INT16
from .common import activation_name, bias_initializer, dims_name, keras_model

# (input shape NHWC, filters, kernel (h, w), stride, dilation, padding, bias, activation)
CONFIGS = (
    ((1, 9, 9, 3), 5, (3, 3), 1, 1, "same", True, "relu"),
    ((1, 9, 9, 3), 5, (3, 3), 2, 1, "valid", False, "none"),
    ((1, 7, 7, 1), 3, (1, 1), 1, 1, "valid", True, "relu6"),
    ((1, 8, 6, 5), 7, (5, 3), 1, 1, "same", True, "none"),
    ((1, 11, 9, 2), 6, (5, 3), 2, 1, "same", False, "relu"),
    ((1, 9, 9, 3), 4, (3, 3), 1, 2, "same", True, "relu6"),
    ((1, 10, 10, 4), 9, (3, 3), 1, 2, "valid", False, "relu"),
    ((2, 7, 7, 3), 5, (3, 3), 1, 1, "same", True, "relu"),
    ((2, 9, 7, 6), 3, (1, 1), 2, 1, "valid", True, "none"),
    ((1, 5, 5, 7), 13, (3, 3), 2, 1, "same", True, "relu6"),
    ((1, 6, 6, 16), 8, (1, 1), 1, 1, "same", False, "none"),
    ((1, 13, 5, 3), 2, (5, 3), 1, 2, "valid", True, "relu"),
    ((2, 8, 8, 2), 5, (5, 3), 2, 1, "valid", True, "relu6"),
    ((1, 3, 3, 5), 1, (3, 3), 1, 1, "same", True, "none"),
    ((1, 1, 1, 9), 4, (1, 1), 1, 1, "valid", True, "relu"),
    ((1, 12, 12, 3), 8, (3, 3), 2, 1, "same", True, "relu6"),
)
PER_TENSOR = {"_experimental_disable_per_channel": True}
INT32_BIAS = {"_experimental_full_integer_quantization_bias_type": "int32"}


def _body(filters, kernel, stride, dilation, padding, bias, activation, seed):
    def body(x):
        return keras.layers.Conv2D(
            filters,
            kernel,
            strides=stride,
            dilation_rate=dilation,
            padding=padding,
            use_bias=bias,
            activation=activation_name(activation),
            bias_initializer=bias_initializer(seed),
        )(x)

    return body


def cases() -> list[CaseSpec]:
    """16 configurations × 4 flavours + 4 per-tensor int8 and 4 int32-bias 16x8
    variants."""
    import tensorflow as tf

    int32_bias = {key: tf.int32 for key in INT32_BIAS}
    specs = []
    for n, (shape, filters, kernel, stride, dilation, padding, bias, act) in enumerate(CONFIGS):
        name = (
            f"in{dims_name(shape)}_f{filters}_k{kernel[0]}x{kernel[1]}_s{stride}_d{dilation}_"
            f"{padding}_{'bias' if bias else 'nobias'}_{act}"
        )
        params = {
            "input_shape": list(shape),
            "filters": filters,
            "kernel": list(kernel),
            "stride": stride,
            "dilation": dilation,
            "padding": padding,
            "bias": bias,
            "activation": act,
        }
        description = (
            f"Conv2D({filters}, {kernel}, strides={stride}, dilation={dilation}, "
            f"padding={padding}, use_bias={bias}, activation={act}) on {list(shape)}"
        )
        build = keras_model(
            [InputSpec(shape)], _body(filters, kernel, stride, dilation, padding, bias, act, n)
        )
        specs.append(
            CaseSpec(name, build, [InputSpec(shape)], description, (*ALL_FLAVOURS, INT16), params)
        )
        if n % 4 == 1:
            specs.append(
                CaseSpec(
                    name + "_b32",
                    build,
                    [InputSpec(shape)],
                    description + ", int32 bias",
                    (INT16,),
                    {**params, "bias_type": "int32"},
                    int32_bias,
                )
            )
        if n % 4 == 0:
            specs.append(
                CaseSpec(
                    name + "_pt",
                    build,
                    [InputSpec(shape)],
                    description + ", per-tensor weight quantization",
                    (INT8,),
                    {**params, "weights": "per-tensor"},
                    PER_TENSOR,
                )
            )
    return specs
