"""Keras model / tf.function → .tflite bytes with the real TFLiteConverter, per flavour."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Iterator, Sequence

import numpy as np
import tensorflow as tf

from .case import FLOAT32, INT8, INT8_FLOAT_IO, INT16, InputSpec

REPRESENTATIVE_SAMPLES = 32


@contextlib.contextmanager
def quiet(enabled: bool = True) -> Iterator[None]:
    """Silence the converter's chatter (Python prints and C++ logs on fds 1 and 2)."""
    if not enabled:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        with contextlib.redirect_stdout(open(os.devnull, "w")):
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def representative_samples(inputs: Sequence[InputSpec], seed: int) -> list[list[np.ndarray]]:
    """Calibration samples: uniform over each input's declared float range."""
    rng = np.random.default_rng(seed)

    def sample(spec: InputSpec) -> np.ndarray:
        if spec.dtype == "bool":
            return rng.integers(0, 2, size=spec.shape).astype(np.bool_)
        return rng.uniform(spec.low, spec.high, size=spec.shape).astype(np.float32)

    return [[sample(spec) for spec in inputs] for _ in range(REPRESENTATIVE_SAMPLES)]


def _converter(model: Any) -> tf.lite.TFLiteConverter:
    if hasattr(model, "layers"):  # a Keras model
        return tf.lite.TFLiteConverter.from_keras_model(model)
    holder = tf.Module()
    holder.function = model
    return tf.lite.TFLiteConverter.from_concrete_functions(
        [model.get_concrete_function()], trackable_obj=holder
    )


def convert(
    model: Any,
    inputs: Sequence[InputSpec],
    flavour: str,
    seed: int,
    converter_options: dict,
    verbose: bool = False,
) -> bytes:
    """Convert `model` in `flavour`; `converter_options` are set as converter attributes."""
    with quiet(not verbose):
        converter = _converter(model)
    if flavour in (INT8, INT8_FLOAT_IO):
        samples = representative_samples(inputs, seed)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: iter(samples)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if flavour == INT8:
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
    elif flavour == INT16:
        samples = representative_samples(inputs, seed)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: iter(samples)
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
        ]
        converter.inference_input_type = tf.int16
        converter.inference_output_type = tf.int16
    elif flavour != FLOAT32:
        raise ValueError(f"unknown flavour {flavour!r}")
    for key, value in converter_options.items():
        if not hasattr(converter, key):
            raise ValueError(f"TFLiteConverter has no option {key!r}")
        setattr(converter, key, value)
    with quiet(not verbose):
        return bytes(converter.convert())
