#!/usr/bin/env python3
"""Golden outputs of the real sample inputs in ../shared/models, from TFLM.

    .venv-ref/bin/python reference-models/shared_samples.py

For each sample below, builds the model input exactly as the MLPerf Tiny and
TFLM reference code do, runs the tflite-micro wheel with kPreserveAllTensors
and saves the model output as reference-models/shared_samples/<name>.npy.
Only these oracle outputs are committed; the models and inputs stay in
../shared/models. crates/microlite/tests/shared_samples.rs builds the same inputs
and compares microlite's outputs bit for bit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from tflm_oracle import TflmOracle  # noqa: E402

SHARED = ROOT.parent / "shared" / "models"
OUT = ROOT / "reference-models" / "shared_samples"


def kws01_input() -> np.ndarray:
    raw = np.fromfile(SHARED / "kws01_ref_input_i8_49x10.bin", dtype=np.int8)
    return raw.reshape(1, 49, 10, 1)


def ic01_input() -> np.ndarray:
    raw = np.fromfile(SHARED / "ic01_ref_input_u8_32x32x3.bin", dtype=np.uint8)
    return (raw.astype(np.int16) - 128).astype(np.int8).reshape(1, 32, 32, 3)


def bmp_input(name: str) -> np.ndarray:
    data = (SHARED / name).read_bytes()
    pixels = np.frombuffer(data[1078:1078 + 96 * 96], dtype=np.uint8).reshape(96, 96)
    top_down = pixels[::-1]
    return (top_down.astype(np.int16) - 128).astype(np.int8).reshape(1, 96, 96, 1)


SAMPLES = {
    "kws01_ref_input": ("kws01_dscnn_int8.tflite", kws01_input),
    "ic01_ref_input": ("ic01_resnet8_int8.tflite", ic01_input),
    "person_detect_person": ("person_detect.tflite", lambda: bmp_input("person.bmp")),
    "person_detect_no_person": ("person_detect.tflite", lambda: bmp_input("no_person.bmp")),
}


def main() -> int:
    if not SHARED.exists():
        print(f"cannot generate: {SHARED} not found")
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (model, make_input) in SAMPLES.items():
        model_bytes = (SHARED / model).read_bytes()
        oracle = TflmOracle(model_bytes)
        x = make_input()
        tensors = oracle.run([x])
        output_index = oracle.summary.outputs[0]
        y = tensors[output_index]
        np.save(OUT / f"{name}.npy", y)
        print(f"{name}: {model} output tensor {output_index} = {y.reshape(-1).tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
