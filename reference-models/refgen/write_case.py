"""Turn one converted model into a case folder: model, inputs, TFLM goldens, case.json."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from golden_arrays import write_case_arrays
from random_inputs import random_array
from tflm_oracle import TflmOracle

from .case import CaseSpec, InputSpec


def golden_inputs(oracle: TflmOracle, specs: Sequence[InputSpec], seed: int) -> list[np.ndarray]:
    """Seeded inputs for the golden run: full range for integer inputs, the
    declared float range for float inputs (model input k ↔ `specs[k]`)."""
    rng = np.random.default_rng(seed)
    summary = oracle.summary
    if len(specs) != len(summary.inputs):
        raise ValueError(f"recipe declares {len(specs)} inputs, model has {len(summary.inputs)}")
    arrays = []
    for position, (spec, tensor_index) in enumerate(zip(specs, summary.inputs, strict=True)):
        info = summary.tensors[tensor_index]
        named = re.search(r"in_(\d\d)", info.name)
        # A reordering matters only between inputs declared differently.
        declared = int(named.group(1)) if named else position
        if declared != position and specs[declared] != spec:
            raise ValueError(
                f"model input {position} is {info.name!r}: the converter reordered inputs"
            )
        if tuple(info.shape) != tuple(spec.shape):
            raise ValueError(
                f"model input tensor {tensor_index} has shape {list(info.shape)}, "
                f"recipe declares {list(spec.shape)} (converter reordered inputs?)"
            )
        array = random_array(rng, info.dtype, info.shape, (spec.low, spec.high))
        if spec.nonzero and info.quantization and np.issubdtype(array.dtype, np.integer):
            zero_point = info.quantization.zero_points[0]
            step = 1 if zero_point < np.iinfo(array.dtype).max else -1
            array[array == zero_point] = zero_point + step
        if spec.nonnegative and info.quantization and np.issubdtype(array.dtype, np.integer):
            zero_point = int(info.quantization.zero_points[0])
            top = int(np.iinfo(array.dtype).max)
            wide = array.astype(np.int64)
            mirrored = np.minimum(2 * zero_point - wide, top)
            array = np.where(wide < zero_point, mirrored, wide).astype(array.dtype)
        arrays.append(array)
    return arrays


# Redraw golden inputs (new seed) while some operator output with more than one
# element is constant (e.g. a RELU that zeroes everything): such a golden would
# not notice most bugs. Deterministic: the accepted seed is in case.json.
MAX_INPUT_ATTEMPTS = 10


def degenerate_outputs(summary, tensors: dict) -> list[int]:
    """Operator output tensors (with > 1 element) holding a single value."""
    return [
        t
        for _, t in summary.operator_outputs()
        if t in tensors and tensors[t].size > 1 and np.all(tensors[t] == tensors[t].reshape(-1)[0])
    ]


def case_json_text(case: dict) -> str:
    """case.json text: one line per top-level key and per operator, diff-friendly."""
    lines = []
    for key, value in case.items():
        if key == "ops":
            ops = ",\n".join("  " + json.dumps(op) for op in value)
            lines.append(f"{json.dumps(key)}: [\n{ops}\n ]")
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value)}")
    return "{\n " + ",\n ".join(lines) + "\n}\n"


def write_case(
    out_dir: Path,
    suite: str,
    spec: CaseSpec,
    flavour: str,
    model_bytes: bytes,
    input_seed: int,
    versions: dict,
) -> dict:
    """Run the model under TFLM and write the case folder; returns the case.json dict."""
    oracle = TflmOracle(model_bytes)
    summary = oracle.summary
    for attempt in range(MAX_INPUT_ATTEMPTS):
        # Invoke i > 0 draws its inputs from the seed's own stream, after invoke 0's.
        rng = np.random.default_rng([input_seed + attempt, 1])
        sequence = []
        for invoke in range(spec.invokes):
            seed = input_seed + attempt if invoke == 0 else int(rng.integers(2**31))
            inputs = golden_inputs(oracle, spec.inputs, seed)
            sequence.append((inputs, oracle.run(inputs, reset=invoke == 0)))
        if not any(degenerate_outputs(summary, tensors) for _, tensors in sequence):
            break

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "model.tflite").write_bytes(model_bytes)
    # Every operator output but resource handles (no data; see
    # TflmOracle.run), and every variable tensor (the state an invoke leaves).
    golden = [t for _, t in summary.operator_outputs() if summary.tensors[t].dtype is not None]
    golden += [t.index for t in summary.tensors if t.is_variable]
    # All arrays in one arrays.npz (tools/golden_arrays.py), invoke i >= 1 under `invoke_<i>/`.
    arrays = {}
    for invoke, (inputs, tensors) in enumerate(sequence):
        prefix = "" if invoke == 0 else f"invoke_{invoke}/"
        for position, array in enumerate(inputs):
            arrays[f"{prefix}input_{position}.npy"] = array
        for t in dict.fromkeys(golden):
            arrays[f"{prefix}tensor_{t}.npy"] = tensors[t]
    write_case_arrays(out_dir, arrays)

    per_channel = sorted(
        t.index for t in summary.tensors if t.quantization and len(t.quantization.scales) > 1
    )
    case = {
        "suite": suite,
        "case": spec.case_name(flavour),
        "flavour": flavour,
        "description": spec.description,
        "ops": summary.as_case_ops(),
        "inputs": list(summary.inputs),
        "outputs": list(summary.outputs),
        "params": spec.params,
        "converter_options": {k: repr(v) for k, v in spec.converter_options.items()},
        "ops_needed": sorted({op.name for op in summary.operators}),
        "per_channel_tensors": per_channel,
        "input_seed": input_seed + attempt,
        **({"invokes": spec.invokes} if spec.invokes > 1 else {}),
        "versions": versions,
    }
    (out_dir / "case.json").write_text(case_json_text(case))
    return case
