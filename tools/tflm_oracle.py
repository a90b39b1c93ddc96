"""The reference: run a .tflite model under the real TFLM runtime (Python wheel).

`TflmOracle` keeps one TFLM interpreter alive across runs (creating one costs far
more than an invoke) and returns every operator output tensor of subgraph 0 after
each invoke, thanks to `InterpreterConfig.kPreserveAllTensors`, under which
TFLM gives every tensor its own arena slot instead of sharing memory.

Before each invoke it calls `reset()` (so stateful models such as those with
VAR_HANDLE/READ_VARIABLE, SVDF or LSTM state start from their initial state,
exactly like a freshly created interpreter) and sets every input again;
`run(inputs, reset=False)` instead continues from the state the previous invoke
left (a sequence of invokes, as a stateful model runs on a stream).
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from tflite_micro import runtime

from tflite_model import ModelSummary, summarize

# Headroom for TFLM's own bookkeeping (node/eval-tensor arrays, op data,
# scratch buffers) on top of the tensors themselves.
_ARENA_OVERHEAD_BYTES = 256 * 1024


def default_arena_size(model_bytes: bytes, summary: ModelSummary) -> int:
    """An arena big enough to preserve all tensors of the model at once."""
    tensor_bytes = sum(t.nbytes + 16 for t in summary.tensors)
    return 2 * tensor_bytes + 2 * len(model_bytes) + _ARENA_OVERHEAD_BYTES


class TflmOracle:
    """A TFLM interpreter over one model that hands back every tensor it computed."""

    def __init__(self, model_bytes: bytes, arena_size: Optional[int] = None):
        self.model_bytes = bytes(model_bytes)
        self.summary = summarize(self.model_bytes)
        if arena_size is None:
            arena_size = default_arena_size(self.model_bytes, self.summary)
        self._interpreter = runtime.Interpreter.from_bytes(
            self.model_bytes,
            arena_size=arena_size,
            intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors,
        )
        self._invoked = False

    def input_details(self, position: int) -> dict:
        """TFLM's description (dtype, shape, quantization) of model input `position`."""
        return self._interpreter.get_input_details(position)

    def run(self, inputs: Sequence[np.ndarray], reset: bool = True) -> dict[int, np.ndarray]:
        """Invoke once on `inputs` (one array per model input, in model order),
        from the initial state (`reset`) or from where the previous invoke left it.

        Returns {tensor index: copy of the tensor} for every model input, every
        operator output tensor and every variable tensor (state) of subgraph 0.
        """
        if len(inputs) != len(self.summary.inputs):
            raise ValueError(
                f"model has {len(self.summary.inputs)} inputs, got {len(inputs)} arrays"
            )
        if self._invoked and reset:
            self._interpreter.reset()
        for position, array in enumerate(inputs):
            details = self.input_details(position)
            expected_dtype = np.dtype(details["dtype"])
            expected_shape = tuple(int(d) for d in details["shape"])
            if array.dtype != expected_dtype or tuple(array.shape) != expected_shape:
                raise ValueError(
                    f"input {position}: model wants {expected_dtype}{list(expected_shape)}, "
                    f"got {array.dtype}{list(array.shape)}"
                )
            # Not np.ascontiguousarray: it turns a scalar (0-d) input into 1-d.
            self._interpreter.set_input(np.array(array, order="C", copy=True), position)
        self._interpreter.invoke()
        self._invoked = True
        wanted = list(self.summary.inputs) + [t for _, t in self.summary.operator_outputs()]
        wanted += [t.index for t in self.summary.tensors if t.is_variable]
        # A resource handle (VAR_HANDLE's output) holds no data: the wheel's
        # GetTensor crashes on it.
        readable = [t for t in wanted if self.summary.tensors[t].dtype is not None]
        return {t: self.tensor(t) for t in dict.fromkeys(readable)}

    def tensor(self, index: int) -> np.ndarray:
        """A copy of tensor `index` of subgraph 0 as TFLM holds it after the last invoke."""
        # The wheel does not bounds-check: an out-of-range index crashes the process.
        if not 0 <= index < len(self.summary.tensors):
            raise IndexError(f"tensor {index} out of range 0..{len(self.summary.tensors)}")
        record = self._interpreter.GetTensor(index, 0)
        return np.array(record["tensor_data"], copy=True)


def tflm_version() -> str:
    """The version string of the installed tflite-micro wheel."""
    import tflite_micro

    return str(tflite_micro.__version__)
