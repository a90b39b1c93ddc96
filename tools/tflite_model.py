"""Read-only summary of a .tflite flatbuffer: operators and tensors of subgraph 0.

Uses the flatbuffers schema bindings that ship inside the pinned `tflite-micro`
wheel, so it needs neither TensorFlow nor any code of ours that could share a
bug with the Rust parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

_OP_NAMES = {
    value: name
    for name, value in vars(schema.BuiltinOperator).items()
    if not name.startswith("_") and isinstance(value, int)
}

_TYPE_NAMES = {
    value: name
    for name, value in vars(schema.TensorType).items()
    if not name.startswith("_") and isinstance(value, int)
}

_NUMPY_DTYPES = {
    schema.TensorType.FLOAT32: np.float32,
    schema.TensorType.FLOAT16: np.float16,
    schema.TensorType.FLOAT64: np.float64,
    schema.TensorType.INT8: np.int8,
    schema.TensorType.UINT8: np.uint8,
    schema.TensorType.INT16: np.int16,
    schema.TensorType.UINT16: np.uint16,
    schema.TensorType.INT32: np.int32,
    schema.TensorType.UINT32: np.uint32,
    schema.TensorType.INT64: np.int64,
    schema.TensorType.UINT64: np.uint64,
    schema.TensorType.BOOL: np.bool_,
}


@dataclass(frozen=True)
class Quantization:
    """Affine quantization parameters of one tensor (per-tensor: one scale)."""

    scales: tuple[float, ...]
    zero_points: tuple[int, ...]
    axis: int


@dataclass(frozen=True)
class TensorInfo:
    """One entry of subgraph 0's tensor table."""

    index: int
    name: str
    type_name: str
    shape: tuple[int, ...]
    is_constant: bool
    quantization: Optional[Quantization]
    # A variable tensor: state the runtime keeps across invokes.
    is_variable: bool = False

    @property
    def dtype(self) -> Optional[type]:
        """The numpy dtype for this tensor type, or None if numpy has none."""
        return _NUMPY_DTYPES.get(getattr(schema.TensorType, self.type_name, -1))

    @property
    def nbytes(self) -> int:
        """Bytes the tensor's data occupies (0 for types without a fixed width)."""
        dtype = self.dtype
        if dtype is None:
            return 0
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(dtype).itemsize


@dataclass(frozen=True)
class OperatorInfo:
    """One operator of subgraph 0, in execution order."""

    index: int
    name: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass(frozen=True)
class ModelSummary:
    """Subgraph 0 of a model: tensor table, operators, model inputs and outputs."""

    tensors: tuple[TensorInfo, ...]
    operators: tuple[OperatorInfo, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    subgraph_count: int

    def operator_outputs(self) -> list[tuple[OperatorInfo, int]]:
        """Every (operator, output tensor index) pair, in execution order."""
        return [(op, t) for op in self.operators for t in op.outputs if t >= 0]

    def consumers(self, tensor: int) -> list[OperatorInfo]:
        """Operators that read `tensor`."""
        return [op for op in self.operators if tensor in op.inputs]

    def as_case_ops(self) -> list[dict]:
        """The operator list in the `case.json` format."""
        return [
            {
                "index": op.index,
                "op": op.name,
                "inputs": list(op.inputs),
                "outputs": [t for t in op.outputs if t >= 0],
            }
            for op in self.operators
        ]


def _ints(vector) -> tuple[int, ...]:
    if isinstance(vector, int):  # flatbuffers returns 0 for absent vectors
        return ()
    return tuple(int(v) for v in vector)


def _quantization(tensor) -> Optional[Quantization]:
    q = tensor.Quantization()
    if q is None or q.ScaleLength() == 0:
        return None
    return Quantization(
        scales=tuple(float(s) for s in q.ScaleAsNumpy()),
        zero_points=_ints(q.ZeroPointAsNumpy()),
        axis=int(q.QuantizedDimension()),
    )


def _operator_name(model, opcode_index: int) -> str:
    code = model.OperatorCodes(opcode_index)
    builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
    if builtin == schema.BuiltinOperator.CUSTOM:
        custom = code.CustomCode()
        return "CUSTOM:" + (custom.decode("utf-8", "replace") if custom else "")
    return _OP_NAMES.get(builtin, f"BUILTIN_{builtin}")


def summarize(model_bytes: bytes) -> ModelSummary:
    """Parse `model_bytes` and describe subgraph 0."""
    model = schema.Model.GetRootAs(model_bytes, 0)
    if model.SubgraphsLength() < 1:
        raise ValueError("model has no subgraph")
    graph = model.Subgraphs(0)
    tensors = []
    for index in range(graph.TensorsLength()):
        tensor = graph.Tensors(index)
        buffer_index = tensor.Buffer()
        is_constant = False
        if 0 < buffer_index < model.BuffersLength():
            buffer = model.Buffers(buffer_index)
            is_constant = buffer.DataLength() > 0 or buffer.Size() > 0
        tensors.append(
            TensorInfo(
                index=index,
                name=(tensor.Name() or b"").decode("utf-8", "replace"),
                type_name=_TYPE_NAMES.get(tensor.Type(), f"TYPE_{tensor.Type()}"),
                shape=_ints(tensor.ShapeAsNumpy()),
                is_constant=is_constant,
                quantization=_quantization(tensor),
                is_variable=bool(tensor.IsVariable()),
            )
        )
    operators = []
    for index in range(graph.OperatorsLength()):
        op = graph.Operators(index)
        operators.append(
            OperatorInfo(
                index=index,
                name=_operator_name(model, op.OpcodeIndex()),
                inputs=_ints(op.InputsAsNumpy()),
                outputs=_ints(op.OutputsAsNumpy()),
            )
        )
    return ModelSummary(
        tensors=tuple(tensors),
        operators=tuple(operators),
        inputs=_ints(graph.InputsAsNumpy()),
        outputs=_ints(graph.OutputsAsNumpy()),
        subgraph_count=model.SubgraphsLength(),
    )
