"""Registry of suites: name → function returning the suite's list of `CaseSpec`s.

To add a suite: write `suites/<name>.py` with a `cases()` function and list it here.
Each suite gets its own folder under reference-models/. `fully_connected` and
`models` are the core suites; the others were added ahead of the Rust operators
that they test (each case.json lists its `ops_needed`).
"""

from __future__ import annotations

from typing import Callable

from ..case import CaseSpec
from . import (
    activations,
    add_mul,
    blocks,
    concat,
    conv,
    depthwise_conv,
    fully_connected,
    mean,
    models,
    pad,
    pooling,
    reshape,
    softmax,
    strided_slice,
    transpose,
)

SUITES: dict[str, Callable[[], list[CaseSpec]]] = {
    "fully_connected": fully_connected.cases,
    "models": models.cases,
    "conv": conv.cases,
    "depthwise_conv": depthwise_conv.cases,
    "pooling": pooling.cases,
    "softmax": softmax.cases,
    "activations": activations.cases,
    "add_mul": add_mul.cases,
    "mean": mean.cases,
    "concat": concat.cases,
    "pad": pad.cases,
    "transpose": transpose.cases,
    "strided_slice": strided_slice.cases,
    "reshape": reshape.cases,
    "blocks": blocks.cases,
}
