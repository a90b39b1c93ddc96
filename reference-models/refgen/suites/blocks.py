"""Multi-operator blocks in the style of DS-CNN, MobileNetV1 and ResNet (BatchNorm folded)."""

from __future__ import annotations

import keras

from ..case import ALL_FLAVOURS, CaseSpec, InputSpec
from .common import keras_model, random_batch_norm

L = keras.layers


def _ds_cnn(x):
    x = L.Conv2D(8, (5, 3), strides=2, padding="same", use_bias=False)(x)
    x = L.ReLU()(random_batch_norm(10)(x))
    x = L.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
    x = L.ReLU()(random_batch_norm(20)(x))
    x = L.Conv2D(8, 1, use_bias=False)(x)
    x = L.ReLU()(random_batch_norm(30)(x))
    x = L.AveragePooling2D(pool_size=x.shape[1:3])(x)
    x = L.Flatten()(x)
    return L.Softmax()(L.Dense(5)(x))


def _mobilenet(x):
    x = L.Conv2D(6, 3, strides=2, padding="same", use_bias=False)(x)
    x = L.ReLU(6.0)(random_batch_norm(10)(x))
    x = L.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
    x = L.ReLU(6.0)(random_batch_norm(20)(x))
    x = L.Conv2D(12, 1, use_bias=False)(x)
    x = L.ReLU(6.0)(random_batch_norm(30)(x))
    x = L.DepthwiseConv2D(3, strides=2, padding="same", use_bias=False)(x)
    x = L.ReLU(6.0)(random_batch_norm(40)(x))
    x = L.GlobalAveragePooling2D()(x)
    return L.Softmax()(L.Dense(3)(x))


def _resnet(x):
    x = L.Conv2D(8, 3, padding="same")(x)
    x = L.ReLU()(random_batch_norm(10)(x))
    y = L.Conv2D(8, 3, padding="same")(x)
    y = L.ReLU()(random_batch_norm(20)(y))
    y = L.Conv2D(8, 3, padding="same")(y)
    y = random_batch_norm(30)(y)
    x = L.ReLU()(L.Add()([x, y]))
    z = L.Conv2D(12, 3, strides=2, padding="same")(x)
    z = L.ReLU()(random_batch_norm(40)(z))
    z = L.Conv2D(12, 3, padding="same")(z)
    s = L.Conv2D(12, 1, strides=2)(x)
    x = L.ReLU()(L.Add()([z, s]))
    x = L.AveragePooling2D(pool_size=x.shape[1:3])(x)
    return L.Softmax()(L.Dense(4)(L.Flatten()(x)))


def _cnn_pool(x):
    # Magic-wand style: each windowed op is read only by a pool with
    # stride = window, so microlite may run the pair fused.
    x = L.DepthwiseConv2D((4, 1), depth_multiplier=8, padding="same", activation="relu")(x)
    x = L.MaxPooling2D((3, 3))(x)
    x = L.Conv2D(8, (4, 1), padding="same", activation="relu")(x)
    x = L.AveragePooling2D((2, 1))(x)
    return L.Softmax()(L.Dense(4)(L.Flatten()(x)))


BLOCKS = (
    (
        "ds_cnn",
        (1, 25, 10, 1),
        _ds_cnn,
        "DS-CNN (KWS) style: conv, dw-separable, avg pool, FC, softmax",
    ),
    (
        "mobilenet",
        (1, 16, 16, 3),
        _mobilenet,
        "MobileNetV1 style: relu6 dw-separable, global mean, FC, softmax",
    ),
    (
        "resnet",
        (1, 12, 12, 3),
        _resnet,
        "ResNet-8 style: residual ADDs, strided shortcut, FC, softmax",
    ),
    (
        "cnn_pool",
        (1, 48, 3, 1),
        _cnn_pool,
        "Magic-wand style: depthwise x8 -> max pool, conv -> avg pool (fusable pairs), FC, softmax",
    ),
)


def cases() -> list[CaseSpec]:
    """4 blocks × 3 flavours."""
    return [
        CaseSpec(
            name,
            keras_model([InputSpec(shape)], body),
            [InputSpec(shape)],
            description,
            ALL_FLAVOURS,
            {"input_shape": list(shape)},
        )
        for name, shape, body, description in BLOCKS
    ]
