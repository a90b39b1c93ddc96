"""Streams for the stateful signal ops: for every case of `reference-models/signal/`
whose op keeps state across invokes, a few seeded input sets invoked one after
the other on ONE TFLM interpreter (no reset in between), written to
`<case>/stream/input_<n>_<k>.npy` and `<case>/stream/output_<n>_<k>.npy`.
`crates/microlite/tests/signal_streams.rs` replays them.

    .venv-ref/bin/python reference-models/signal_streams.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools"))

from random_inputs import random_array  # noqa: E402
from tflm_oracle import TflmOracle  # noqa: E402

STATEFUL = (
    "CUSTOM:SignalFilterBankSpectralSubtraction",
    "CUSTOM:SignalDelay",
    "CUSTOM:SignalFramer",
    "CUSTOM:SignalStacker",
    "CUSTOM:SignalOverlapAdd",
)
INVOKES = 5


def main() -> int:
    written = 0
    for case in sorted((HERE / "signal").iterdir()):
        model = case / "model.tflite"
        if not model.is_file():
            continue
        oracle = TflmOracle(model.read_bytes())
        if not any(op.name in STATEFUL for op in oracle.summary.operators):
            continue
        out = case / "stream"
        out.mkdir(exist_ok=True)
        rng = np.random.default_rng(sum(case.name.encode()))
        for n in range(INVOKES):
            inputs = []
            for k, t in enumerate(oracle.summary.inputs):
                info = oracle.summary.tensors[t]
                array = random_array(rng, info.dtype, info.shape, (-1.0, 1.0))
                np.save(out / f"input_{n}_{k}.npy", array, allow_pickle=False)
                inputs.append(array)
            reference = oracle.run(inputs, reset=n == 0)
            for k, t in enumerate(oracle.summary.outputs):
                np.save(out / f"output_{n}_{k}.npy", reference[t], allow_pickle=False)
        written += 1
        print(f"{case.name}: {INVOKES} invokes")
    print(f"{written} streams")
    return 0


if __name__ == "__main__":
    sys.exit(main())
