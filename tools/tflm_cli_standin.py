#!/usr/bin/env python3
"""A stand-in for `microlite run` that answers with TFLM itself.

It speaks the same command line and writes the same files as the Rust CLI:

    tflm_cli_standin.py [--perturb T] [--fail] run MODEL --input in_0.npy [--input ...]
        --output-dir DIR [--dump-tensors] [--batch]

writes DIR/output_<k>.npy per model output and, with --dump-tensors,
DIR/tensor_<t>.npy for every model input and every operator output of subgraph 0
(with --batch, the last entry's).
`tflm_diff.py --self-check` drives it to test the diff pipeline end to end;
`--perturb T` (add 1 to the first element of tensor T in the dump and outputs),
`--batch-perturb T` (the same, in the last entry of a `--batch` run only),
`--lose-state` (reset the state before every `--batch` entry, as a runtime
that loses it would) and `--fail` (exit 3) let tests check that the diff
notices mismatches and failures. `--batch` entries are invokes in
sequence: a stateful model's state carries from one to the next.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tflm_oracle import TflmOracle  # noqa: E402


def _perturbed(array: np.ndarray) -> np.ndarray:
    out = array.copy()
    flat = out.reshape(-1)
    if flat.size:
        if out.dtype == np.bool_:
            flat[0] = not flat[0]
        elif out.dtype.kind == "f":
            flat[0] = flat[0] + 1.0
        else:
            flat[0] = flat[0] + 1 if flat[0] < np.iinfo(out.dtype).max else flat[0] - 1
    return out


def _run_batch(oracle: TflmOracle, stacked: list, args: argparse.Namespace) -> int:
    """`run --batch`: one invoke per entry of the stacked inputs, in sequence."""
    entries = stacked[0].shape[0]
    outputs: list[list[np.ndarray]] = [[] for _ in oracle.summary.outputs]
    for n in range(entries):
        reset = n == 0 or args.lose_state
        tensors = oracle.run([array[n] for array in stacked], reset=reset)
        for t in args.batch_perturb:
            if t in tensors and n == entries - 1:
                tensors[t] = _perturbed(tensors[t])
        for k, t in enumerate(oracle.summary.outputs):
            outputs[k].append(tensors[t])
    args.output_dir.mkdir(parents=True, exist_ok=True)
    for k, arrays in enumerate(outputs):
        np.save(args.output_dir / f"output_{k}.npy", np.stack(arrays), allow_pickle=False)
    if args.dump_tensors:
        # The last entry's tensors.
        for t in args.perturb:
            if t in tensors:
                tensors[t] = _perturbed(tensors[t])
        for t, array in tensors.items():
            np.save(args.output_dir / f"tensor_{t}.npy", array, allow_pickle=False)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--perturb", type=int, action="append", default=[], metavar="T")
    parser.add_argument("--batch-perturb", type=int, action="append", default=[], metavar="T")
    parser.add_argument("--lose-state", action="store_true")
    parser.add_argument("--fail", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("model", type=Path)
    run.add_argument("--input", type=Path, action="append", default=[])
    run.add_argument("--output-dir", type=Path, required=True)
    run.add_argument("--dump-tensors", action="store_true")
    run.add_argument("--batch", action="store_true")
    args = parser.parse_args()
    if args.fail:
        print("stand-in: failing on purpose (--fail)", file=sys.stderr)
        return 3

    oracle = TflmOracle(args.model.read_bytes())
    inputs = [np.load(path, allow_pickle=False) for path in args.input]
    if args.batch:
        return _run_batch(oracle, inputs, args)
    tensors = oracle.run(inputs)
    for t in args.perturb:
        if t in tensors:
            tensors[t] = _perturbed(tensors[t])
    args.output_dir.mkdir(parents=True, exist_ok=True)
    for k, t in enumerate(oracle.summary.outputs):
        np.save(args.output_dir / f"output_{k}.npy", tensors[t], allow_pickle=False)
    if args.dump_tensors:
        for t, array in tensors.items():
            np.save(args.output_dir / f"tensor_{t}.npy", array, allow_pickle=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
