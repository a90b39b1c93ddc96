"""TRANSPOSE_CONV: Conv2DTranspose over strides, kernels, SAME/VALID padding,
output padding (other output shapes for the same input), with and without
bias, in every flavour (16x8 with int64 bias).
"""

from __future__ import annotations

import keras

from ..case import ALL_FLAVOURS, INT16, CaseSpec, InputSpec
from .common import bias_initializer, dims_name, keras_model

# (input shape NHWC, filters, kernel (h, w), stride (h, w), padding,
#  output padding or None, bias)
CONFIGS = (
    ((1, 4, 4, 3), 5, (3, 3), (2, 2), "same", None, True),
    ((1, 4, 4, 3), 5, (3, 3), (2, 2), "valid", None, True),
    ((1, 5, 3, 2), 4, (3, 2), (1, 1), "same", None, False),
    ((1, 5, 3, 2), 4, (3, 2), (1, 1), "valid", None, True),
    ((1, 3, 5, 4), 6, (2, 4), (2, 3), "valid", None, True),
    ((1, 3, 3, 2), 3, (3, 3), (2, 2), "same", (1, 1), True),
    ((2, 3, 4, 3), 7, (1, 1), (2, 2), "valid", None, False),
    ((1, 2, 6, 8), 16, (4, 1), (3, 1), "same", None, True),
)


def _body(filters, kernel, stride, padding, output_padding, bias, seed):
    def body(x):
        return keras.layers.Conv2DTranspose(
            filters,
            kernel,
            strides=stride,
            padding=padding,
            output_padding=output_padding,
            use_bias=bias,
            bias_initializer=bias_initializer(seed),
        )(x)

    return body


def cases() -> list[CaseSpec]:
    """8 configurations × 4 flavours."""
    specs = []
    for n, (shape, filters, kernel, stride, padding, output_padding, bias) in enumerate(CONFIGS):
        op = "" if output_padding is None else f"_op{output_padding[0]}x{output_padding[1]}"
        name = (
            f"in{dims_name(shape)}_f{filters}_k{kernel[0]}x{kernel[1]}_s{stride[0]}x{stride[1]}_"
            f"{padding}{op}_{'bias' if bias else 'nobias'}"
        )
        spec = InputSpec(shape)
        specs.append(
            CaseSpec(
                name,
                keras_model([spec], _body(filters, kernel, stride, padding, output_padding, bias, n)),
                [spec],
                f"Conv2DTranspose({filters}, {kernel}, strides={stride}, padding={padding}, "
                f"output_padding={output_padding}, use_bias={bias}) on {list(shape)}",
                (*ALL_FLAVOURS, INT16),
                {
                    "input_shape": list(shape),
                    "filters": filters,
                    "kernel": list(kernel),
                    "stride": list(stride),
                    "padding": padding,
                    "output_padding": output_padding,
                    "bias": bias,
                },
            )
        )
    return specs
