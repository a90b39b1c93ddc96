"""DEPTHWISE_CONV_2D: DepthwiseConv2D over kernel/multiplier/stride/dilation/padding options."""

from __future__ import annotations

import keras

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import activation_name, bias_initializer, dims_name, keras_model

# (input shape NHWC, kernel (h, w), depth multiplier, stride, dilation, padding, bias, activation)
CONFIGS = (
    ((1, 9, 9, 3), (3, 3), 1, 1, 1, "same", True, "relu"),
    ((1, 9, 9, 5), (3, 3), 2, 2, 1, "valid", False, "none"),
    ((1, 8, 8, 8), (3, 3), 1, 2, 1, "same", True, "relu6"),
    ((1, 7, 9, 3), (5, 3), 1, 1, 1, "same", True, "none"),
    ((1, 10, 10, 4), (3, 3), 1, 1, 2, "same", False, "relu"),
    ((2, 7, 7, 6), (3, 3), 1, 1, 1, "valid", True, "relu6"),
    ((1, 11, 11, 1), (5, 5), 3, 2, 1, "same", True, "relu"),
    ((1, 6, 6, 7), (1, 1), 1, 1, 1, "valid", True, "none"),
    ((1, 9, 9, 3), (3, 3), 2, 1, 2, "valid", True, "relu6"),
    ((2, 5, 5, 16), (3, 3), 1, 2, 1, "same", False, "relu"),
)


def _body(kernel, multiplier, stride, dilation, padding, bias, activation, seed):
    def body(x):
        return keras.layers.DepthwiseConv2D(
            kernel,
            strides=stride,
            dilation_rate=dilation,
            padding=padding,
            depth_multiplier=multiplier,
            use_bias=bias,
            activation=activation_name(activation),
            bias_initializer=bias_initializer(seed),
        )(x)

    return body


def cases() -> list[CaseSpec]:
    """10 configurations × 4 flavours (16x8 included)."""
    specs = []
    for n, (shape, kernel, mult, stride, dil, padding, bias, act) in enumerate(CONFIGS):
        name = (
            f"in{dims_name(shape)}_k{kernel[0]}x{kernel[1]}_m{mult}_s{stride}_d{dil}_"
            f"{padding}_{'bias' if bias else 'nobias'}_{act}"
        )
        params = {
            "input_shape": list(shape),
            "kernel": list(kernel),
            "depth_multiplier": mult,
            "stride": stride,
            "dilation": dil,
            "padding": padding,
            "bias": bias,
            "activation": act,
        }
        description = (
            f"DepthwiseConv2D({kernel}, depth_multiplier={mult}, strides={stride}, "
            f"dilation={dil}, padding={padding}, use_bias={bias}, activation={act}) "
            f"on {list(shape)}"
        )
        build = keras_model(
            [InputSpec(shape)], _body(kernel, mult, stride, dil, padding, bias, act, n)
        )
        specs.append(
            CaseSpec(name, build, [InputSpec(shape)], description, (*ALL_FLAVOURS, INT16), params)
        )
    return specs
