"""Seeded random model inputs, one array per model input, of the exact dtype and shape.

Ranges by dtype:
- int8/uint8/int16: the full range of the type (every code is a valid quantized value);
- float32: `float_range` when given; otherwise, when the float input feeds a QUANTIZE
  operator, the real range that QUANTIZE's output can represent
  ((qmin - zero_point) * scale .. (qmax - zero_point) * scale); otherwise [-1, 1];
- int32/int64: [-100, 100] (such inputs are usually indices or small integers);
- bool: fair coin.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from tflite_model import ModelSummary

DEFAULT_FLOAT_RANGE = (-1.0, 1.0)
_SMALL_INT_RANGE = (-100, 100)


def quantize_input_range(summary: ModelSummary, tensor: int) -> Optional[tuple[float, float]]:
    """The real range representable after the QUANTIZE that reads `tensor`, if any."""
    for op in summary.consumers(tensor):
        if op.name != "QUANTIZE" or not op.outputs:
            continue
        out = summary.tensors[op.outputs[0]]
        if out.quantization is None or out.dtype is None:
            continue
        info = np.iinfo(out.dtype)
        scale = out.quantization.scales[0]
        zero_point = out.quantization.zero_points[0] if out.quantization.zero_points else 0
        return ((info.min - zero_point) * scale, (info.max - zero_point) * scale)
    return None


def random_array(
    rng: np.random.Generator,
    dtype,
    shape: Sequence[int],
    float_range: tuple[float, float] = DEFAULT_FLOAT_RANGE,
) -> np.ndarray:
    """One random array of `dtype` and `shape` (ranges as in the module doc)."""
    dtype = np.dtype(dtype)
    shape = tuple(int(d) for d in shape)
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if dtype.kind == "f":
        low, high = float_range
        return rng.uniform(low, high, size=shape).astype(dtype)
    if dtype in (np.int8, np.uint8, np.int16, np.uint16):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    if dtype.kind in "iu":
        low, high = _SMALL_INT_RANGE
        if dtype.kind == "u":
            low = 0
        return rng.integers(low, high, size=shape, endpoint=True).astype(dtype)
    raise ValueError(f"no random input rule for dtype {dtype}")


def model_inputs(
    rng: np.random.Generator,
    summary: ModelSummary,
    float_range: Optional[tuple[float, float]] = None,
) -> list[np.ndarray]:
    """One random array per model input of `summary`, in model input order."""
    arrays = []
    for tensor_index in summary.inputs:
        info = summary.tensors[tensor_index]
        if info.dtype is None:
            raise ValueError(f"input tensor {tensor_index} has unsupported type {info.type_name}")
        value_range = float_range
        if value_range is None:
            value_range = quantize_input_range(summary, tensor_index) or DEFAULT_FLOAT_RANGE
        arrays.append(random_array(rng, info.dtype, info.shape, value_range))
    return arrays
