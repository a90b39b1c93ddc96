"""What a generated test case is: a model recipe, its inputs and its flavours."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

INT8 = "int8"
INT8_FLOAT_IO = "int8_float_io"
FLOAT32 = "float32"
# int16 activations, int8 weights, int64 biases ("16x8"), int16 model inputs and
# outputs: TFLite's EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8.
INT16 = "int16"
ALL_FLAVOURS = (INT8, INT8_FLOAT_IO, FLOAT32)
QUANTIZED_FLAVOURS = (INT8, INT8_FLOAT_IO)


@dataclass(frozen=True)
class InputSpec:
    """One model input: fixed shape (batch included) and the float range it spans.

    The range is used for the representative dataset, for float goldens inputs,
    and so decides the input quantization of the quantized flavours.
    """

    shape: tuple[int, ...]
    low: float = -1.0
    high: float = 1.0
    # "float32" or "bool" (a bool input, e.g. SELECT_V2's condition: the
    # representative samples then draw bools).
    dtype: str = "float32"
    # Integer golden inputs never hold the stored value of real zero (e.g. a
    # divisor, where TFLM's result is undefined): such elements move one
    # step away from the zero point.
    nonzero: bool = False
    # Integer golden inputs never lie below the zero point (a negative real
    # value, e.g. outside RSQRT's domain, where TFLM's invoke fails): such
    # elements are mirrored above it.
    nonnegative: bool = False


@dataclass(frozen=True)
class CaseSpec:
    """A model recipe converted once per flavour; each flavour is one case folder.

    `build` returns a `keras.Model` (inputs in the order of `inputs`) or a
    `tf.function` with a fixed input signature. Keras inputs must be named so
    that their alphabetical order is their positional order (the converter
    orders signature inputs by name); `suites.common.named_inputs` does that.
    """

    name: str
    build: Callable[[], Any]
    inputs: Sequence[InputSpec]
    description: str
    flavours: Sequence[str] = ALL_FLAVOURS
    params: dict = field(default_factory=dict)
    converter_options: dict = field(default_factory=dict)
    # Applied to each converted model with its flavour, e.g. to keep an op
    # in int8 where the converter falls back to float (`suites.common.int8_core`).
    rewrite: Optional[Callable[[bytes, str], bytes]] = None
    # Invokes in sequence on one interpreter, each on fresh random inputs, with
    # the state (variable tensors, e.g. SVDF's activation state) carried from
    # one to the next; every invoke's operator outputs are goldens (invoke 0 in
    # the case folder, invoke i >= 1 in its subfolder `invoke_<i>/`).
    invokes: int = 1

    def case_name(self, flavour: str) -> str:
        """The case folder name for `flavour`."""
        return f"{self.name}_{flavour}"


def stable_seed(*parts: str) -> int:
    """A seed that depends only on `parts` (not on generation order or process)."""
    return zlib.crc32("/".join(parts).encode("utf-8")) & 0x7FFFFFFF
