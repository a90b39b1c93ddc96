"""Streaming check: a model keeping state across invokes (variable tensors,
resource variables) run N times in sequence, without reset, by microlite
(`microlite run --batch`: one interpreter, one invoke per entry) and by a
fresh TFLM interpreter (the tflite-micro wheel), comparing every model output
of every invoke (integers exactly, float32 within tools/tensor_compare.py's
tolerance).

    .venv-ref/bin/python tools/stream_check.py --microlite target/debug/microlite \
        --invokes 60 reference-models/control_flow/variable_float32/model.tflite

(tflm_diff.py's --batch-runs resets TFLM before every entry; this does not.)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from tflite_micro.python.tflite_micro import runtime

sys.path.insert(0, str(Path(__file__).resolve().parent))

from random_inputs import model_inputs  # noqa: E402
from tensor_compare import compare  # noqa: E402
from tflite_model import summarize  # noqa: E402


def check(model: Path, microlite: str, invokes: int, seed: int) -> int:
    """Returns the number of failing models (0 or 1), printing the result."""
    model_bytes = model.read_bytes()
    summary = summarize(model_bytes)
    rng = np.random.default_rng(seed)
    entries = [model_inputs(rng, summary) for _ in range(invokes)]
    tflm = runtime.Interpreter.from_bytes(model_bytes)
    expected = []
    for inputs in entries:
        for k, array in enumerate(inputs):
            tflm.set_input(np.array(array, order="C", copy=True), k)
        tflm.invoke()
        expected.append([np.array(tflm.get_output(k)) for k in range(len(summary.outputs))])
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        command = [microlite, "run", str(model)]
        for k in range(len(summary.inputs)):
            path = work_dir / f"in_{k}.npy"
            np.save(path, np.stack([entry[k] for entry in entries]), allow_pickle=False)
            command += ["--input", str(path)]
        command += ["--output-dir", str(work_dir / "out"), "--batch"]
        (work_dir / "out").mkdir()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"FAIL {model}: microlite exited with {done.returncode}: {done.stderr.strip()}")
            return 1
        got = [
            np.load(work_dir / "out" / f"output_{k}.npy", allow_pickle=False)
            for k in range(len(summary.outputs))
        ]
    for n in range(invokes):
        for k in range(len(summary.outputs)):
            mismatch = compare(got[k][n], expected[n][k].reshape(got[k][n].shape))
            if mismatch is not None:
                print(f"FAIL {model}: invoke {n}, output {k}: {mismatch}")
                return 1
    print(f"PASS {model}: {invokes} invokes in sequence, every output = TFLM")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", type=Path, metavar="MODEL.tflite")
    parser.add_argument("--microlite", required=True, help="path of the microlite binary")
    parser.add_argument("--invokes", type=int, default=60, help="invokes in sequence (60)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    failures = sum(check(m, args.microlite, args.invokes, args.seed) for m in args.models)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
