"""The project's conformance rule for one tensor against the TFLM reference.

Integer and bool tensors must match bit for bit; float32 tensors must satisfy
|got - ref| <= 1e-5 + 1e-5 * |ref| element-wise (NaN only where the reference has
NaN, infinities only where the reference has the same infinity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

FLOAT_ABS_TOL = 1e-5
FLOAT_REL_TOL = 1e-5


@dataclass(frozen=True)
class Mismatch:
    """How a tensor differs from its reference."""

    reason: str
    differing: int
    total: int
    max_abs_diff: float

    def __str__(self) -> str:
        return (
            f"{self.reason}: {self.differing}/{self.total} elements differ, "
            f"max |diff| {self.max_abs_diff:g}"
        )


def compare(got: np.ndarray, ref: np.ndarray) -> Optional[Mismatch]:
    """None when `got` conforms to `ref`, else a description of the difference."""
    total = int(ref.size)
    if got.dtype != ref.dtype:
        return Mismatch(f"dtype {got.dtype} != reference {ref.dtype}", total, total, float("inf"))
    if got.shape != ref.shape:
        return Mismatch(
            f"shape {list(got.shape)} != reference {list(ref.shape)}", total, total, float("inf")
        )
    if ref.dtype.kind == "f":
        got64 = got.astype(np.float64)
        ref64 = ref.astype(np.float64)
        both_nan = np.isnan(got64) & np.isnan(ref64)
        with np.errstate(invalid="ignore"):
            diff = np.abs(got64 - ref64)
            close = diff <= FLOAT_ABS_TOL + FLOAT_REL_TOL * np.abs(ref64)
            ok = np.where(np.isinf(ref64), got64 == ref64, close) | both_nan
        bad = ~ok
        if not bad.any():
            return None
        worst = float(np.max(np.nan_to_num(diff[bad], nan=np.inf)))
        return Mismatch("values differ", int(bad.sum()), total, worst)
    bad = got != ref
    if not bad.any():
        return None
    if ref.dtype == np.bool_:
        worst = 1.0
    else:
        worst = float(np.max(np.abs(got.astype(np.int64) - ref.astype(np.int64))))
    return Mismatch("values differ", int(bad.sum()), total, worst)
