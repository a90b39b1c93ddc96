#!/usr/bin/env python3
"""Differential test: microlite against the real TFLM runtime, tensor by tensor.

    python tools/tflm_diff.py --microlite target/release/microlite [--runs N] [--seed S]
        [--batch-runs B] [--float-range LO HI] [--keep-failures DIR] MODEL.tflite...
    python tools/tflm_diff.py --self-check MODEL.tflite...   # TFLM against itself

For every model and run: seeded random inputs (see random_inputs.py), saved as
.npy; `microlite run MODEL --input in_0.npy ... --output-dir DIR --dump-tensors`;
the same inputs through one long-lived TFLM interpreter (tflm_oracle.py); then
every operator output tensor and variable tensor (state) of subgraph 0 and every
model output is compared (tensor_compare.py: integers bit for bit, float32 within
1e-5 + 1e-5*|ref|).
A model stops at its first failing run, which is reported in full.

With --batch-runs B, B further seeded inputs go through ONE normal-mode
process (`microlite run --batch`: no tensor dump, so memory sharing and
in-place execution are active, as in production) and every model output of
every entry is compared with TFLM's. The entries are a sequence of invokes:
a stateful model (SVDF, LSTM state, variables) carries its state from one
entry to the next, in microlite's process and in TFLM alike (reset only
before the first entry). The same sequence then runs once more with
`--dump-tensors`, and every operator output after its last invoke is
compared with TFLM's (the runs above compare every operator output of a
first invoke, from the initial state).

Exit status: 0 if every model passed, 1 if any mismatched or microlite failed,
2 on usage errors. The last line reads `tflm_diff: N passed, M failed` (models).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from random_inputs import model_inputs  # noqa: E402
from tensor_compare import compare  # noqa: E402
from tflm_oracle import TflmOracle  # noqa: E402

STANDIN = Path(__file__).resolve().parent / "tflm_cli_standin.py"
MAX_REPORTED_MISMATCHES = 8


@dataclass
class ModelResult:
    """Outcome of all runs over one model."""

    model: Path
    runs: int = 0
    tensors_compared: int = 0
    operators_compared: int = 0
    max_float_diff: float = 0.0
    batch_runs: int = 0
    failure: Optional[str] = None
    details: list[str] = field(default_factory=list)
    # Elements TFLM leaves unwritten (see unwritten_masks), not compared.
    unwritten_skipped: int = 0

    @property
    def passed(self) -> bool:
        """True when every run matched."""
        return self.failure is None


def microlite_command(
    prefix: Sequence[str], model: Path, inputs: Sequence[Path], out_dir: Path
) -> list[str]:
    """The `microlite run` command line for one run."""
    command = [*prefix, "run", str(model)]
    for path in inputs:
        command += ["--input", str(path)]
    return command + ["--output-dir", str(out_dir), "--dump-tensors"]


def _max_float_diff(got: np.ndarray, ref: np.ndarray) -> float:
    if ref.dtype.kind != "f" or got.shape != ref.shape or ref.size == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    finite = diff[np.isfinite(diff)]
    return float(finite.max()) if finite.size else 0.0


def unwritten_masks(model_bytes: bytes, summary) -> dict[int, np.ndarray]:
    """{tensor: mask of the elements TFLM writes} for operator outputs TFLM
    leaves partly unwritten (they then hold whatever its arena held:
    garbage no other runtime can reproduce), and for the CAST outputs
    computed from them element by element.

    SignalEnergy writes only bins start_index..end_index of its output
    (TFLM's signal/micro/kernels/energy.cc); models mask the rest
    themselves (strided slice, concatenation with zeros).
    """
    from flatbuffers import flexbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    model = schema.Model.GetRootAs(model_bytes, 0)
    graph = model.Subgraphs(0)
    masks: dict[int, np.ndarray] = {}
    for op in summary.operators:
        outputs = [t for t in op.outputs if t >= 0]
        if op.name == "CUSTOM:SignalEnergy" and outputs:
            raw = graph.Operators(op.index).CustomOptionsAsNumpy()
            options = flexbuffers.Loads(bytes(raw)) if not isinstance(raw, int) else {}
            size = int(np.prod(summary.tensors[outputs[0]].shape))
            mask = np.zeros(size, dtype=bool)
            mask[int(options.get("start_index", 0)) : int(options.get("end_index", size))] = True
            masks[outputs[0]] = mask
        elif op.name == "CAST" and op.inputs and op.inputs[0] in masks and outputs:
            if summary.tensors[outputs[0]].shape == summary.tensors[op.inputs[0]].shape:
                masks[outputs[0]] = masks[op.inputs[0]]
    return masks


def compare_run(
    oracle: TflmOracle,
    reference: dict[int, np.ndarray],
    out_dir: Path,
    result: ModelResult,
    model_outputs: bool = True,
) -> list[str]:
    """Compare microlite's dump in `out_dir` with the TFLM tensors; returns problems.
    Elements TFLM leaves unwritten (`unwritten_masks`) are not compared.
    `model_outputs`: also the output_<k>.npy files (not stacked batch outputs)."""
    summary = oracle.summary
    masks = unwritten_masks(oracle.model_bytes, summary)
    problems = []
    checks = [
        (f"op {op.index} {op.name} tensor {t}", out_dir / f"tensor_{t}.npy", t)
        for op, t in summary.operator_outputs()
    ]
    checks += [
        (f"variable tensor {t.index}", out_dir / f"tensor_{t.index}.npy", t.index)
        for t in summary.tensors
        if t.is_variable
    ]
    if model_outputs:
        checks += [
            (f"model output {k} (tensor {t})", out_dir / f"output_{k}.npy", t)
            for k, t in enumerate(summary.outputs)
        ]
    for label, path, t in checks:
        ref = reference[t]
        if not path.is_file():
            problems.append(f"{label}: microlite wrote no {path.name}")
            continue
        try:
            got = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            problems.append(f"{label}: cannot read {path.name}: {error}")
            continue
        if t in masks and got.shape == ref.shape and got.size == masks[t].size:
            mask = masks[t]
            result.unwritten_skipped += int((~mask).sum())
            got, ref = got.reshape(-1)[mask], ref.reshape(-1)[mask]
        mismatch = compare(got, ref)
        if mismatch is not None:
            problems.append(f"{label}: {mismatch}")
        result.max_float_diff = max(result.max_float_diff, _max_float_diff(got, ref))
    result.tensors_compared = len(checks)
    result.operators_compared = len(summary.operators)
    return problems


def diff_model(model: Path, prefix: Sequence[str], args: argparse.Namespace) -> ModelResult:
    """Run one model `args.runs` times through microlite and TFLM."""
    result = ModelResult(model)
    try:
        model_bytes = model.read_bytes()
        oracle = TflmOracle(model_bytes)
    except Exception as error:  # the oracle must be able to run the model at all
        result.failure = f"TFLM cannot load this model: {error}"
        return result
    rng = np.random.default_rng([args.seed, zlib.crc32(model_bytes)])
    work = Path(tempfile.mkdtemp(prefix="tflm_diff_"))
    try:
        for run in range(args.runs):
            run_dir = work / f"run_{run}"
            out_dir = run_dir / "out"
            out_dir.mkdir(parents=True)
            inputs = model_inputs(rng, oracle.summary, args.float_range)
            paths = []
            for k, array in enumerate(inputs):
                path = run_dir / f"in_{k}.npy"
                np.save(path, array, allow_pickle=False)
                paths.append(path)
            command = microlite_command(prefix, model, paths, out_dir)
            try:
                done = subprocess.run(
                    command,
                    capture_output=True,
                    text=True,
                    errors="replace",
                    timeout=args.timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                result.failure = f"run {run}: microlite timed out after {args.timeout}s"
            except OSError as error:
                result.failure = f"run {run}: cannot start microlite: {error}"
            else:
                if done.returncode != 0:
                    tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
                    result.failure = f"run {run}: microlite exited with status {done.returncode}"
                    result.details = [f"| {line}" for line in tail]
            if result.failure is None:
                try:
                    reference = oracle.run(inputs)
                except (RuntimeError, ValueError) as error:
                    result.failure = f"run {run}: TFLM failed on these inputs: {error}"
                    reference = None
            if result.failure is None:
                problems = compare_run(oracle, reference, out_dir, result)
                if problems:
                    result.failure = f"run {run}: {len(problems)} tensor(s) differ"
                    result.details = problems[:MAX_REPORTED_MISMATCHES]
                    if len(problems) > MAX_REPORTED_MISMATCHES:
                        result.details.append(
                            f"... and {len(problems) - MAX_REPORTED_MISMATCHES} more"
                        )
            if result.failure is not None:
                result.details.append("command: " + shlex.join(command))
                if args.keep_failures is not None:
                    kept = args.keep_failures / f"{model.parent.name}_{model.stem}_run{run}"
                    shutil.rmtree(kept, ignore_errors=True)
                    shutil.copytree(run_dir, kept)
                    result.details.append(f"inputs and microlite output kept in {kept}")
                else:
                    result.details.append("(rerun with --keep-failures DIR to keep the inputs)")
                break
            result.runs += 1
            shutil.rmtree(run_dir)
        if result.failure is None and args.batch_runs > 0:
            batch_phase(model, prefix, args, oracle, rng, work, result)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def batch_phase(
    model: Path,
    prefix: Sequence[str],
    args: argparse.Namespace,
    oracle: TflmOracle,
    rng: np.random.Generator,
    work: Path,
    result: ModelResult,
) -> None:
    """`args.batch_runs` inputs through one `run --batch`; compares every model output."""
    batch_dir = work / "batch"
    out_dir = batch_dir / "out"
    out_dir.mkdir(parents=True)
    entries = [model_inputs(rng, oracle.summary, args.float_range) for _ in range(args.batch_runs)]
    paths = []
    for k in range(len(oracle.summary.inputs)):
        path = batch_dir / f"in_{k}.npy"
        np.save(path, np.stack([entry[k] for entry in entries]), allow_pickle=False)
        paths.append(path)
    command = [*prefix, "run", str(model)]
    for path in paths:
        command += ["--input", str(path)]
    command += ["--output-dir", str(out_dir), "--batch"]
    timeout = args.timeout + 0.1 * args.batch_runs
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, errors="replace", timeout=timeout, check=False
        )
    except (subprocess.TimeoutExpired, OSError) as error:
        result.failure = f"batch: microlite did not finish: {error}"
        result.details = ["command: " + shlex.join(command)]
        return
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        result.failure = f"batch: microlite exited with status {done.returncode}"
        result.details = [f"| {line}" for line in tail] + ["command: " + shlex.join(command)]
        return
    got = []
    for k in range(len(oracle.summary.outputs)):
        try:
            got.append(np.load(out_dir / f"output_{k}.npy", allow_pickle=False))
        except (OSError, ValueError) as error:
            result.failure = f"batch: cannot read output_{k}.npy: {error}"
            return
    reference: dict[int, np.ndarray] = {}
    for n, inputs in enumerate(entries):
        reference = oracle.run(inputs, reset=n == 0)
        for k, t in enumerate(oracle.summary.outputs):
            ref = reference[t]
            if got[k].shape[1:] != ref.shape or got[k].shape[0] != len(entries):
                result.failure = f"batch: output_{k}.npy has shape {got[k].shape}"
                return
            mismatch = compare(got[k][n], ref)
            if mismatch is not None:
                result.failure = f"batch entry {n}: model output {k} (tensor {t}): {mismatch}"
                result.details = ["command: " + shlex.join(command)]
                return
            result.max_float_diff = max(result.max_float_diff, _max_float_diff(got[k][n], ref))
        result.batch_runs += 1

    # The same sequence with every tensor dumped: operator outputs after the last invoke.
    dump_dir = batch_dir / "dump"
    dump_dir.mkdir()
    command = command[: command.index("--output-dir")]
    command += ["--output-dir", str(dump_dir), "--batch", "--dump-tensors"]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, errors="replace", timeout=timeout, check=False
        )
    except (subprocess.TimeoutExpired, OSError) as error:
        result.failure = f"batch dump: microlite did not finish: {error}"
        result.details = ["command: " + shlex.join(command)]
        return
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        result.failure = f"batch dump: microlite exited with status {done.returncode}"
        result.details = [f"| {line}" for line in tail] + ["command: " + shlex.join(command)]
        return
    tensors = result.tensors_compared
    problems = compare_run(oracle, reference, dump_dir, result, model_outputs=False)
    result.tensors_compared = tensors
    if problems:
        result.failure = f"last batch entry ({len(entries) - 1}): {len(problems)} tensor(s) differ"
        result.details = problems[:MAX_REPORTED_MISMATCHES] + ["command: " + shlex.join(command)]


def report(result: ModelResult) -> str:
    """The per-model report lines."""
    if result.passed:
        return (
            f"PASS {result.model}: {result.runs} runs, {result.operators_compared} operators "
            f"({result.tensors_compared} tensors) compared"
            + (
                f", then {result.batch_runs} batch runs in sequence (model outputs, normal "
                "mode; every operator output after the last)"
                if result.batch_runs
                else ""
            )
            + f", integers bit-exact, float max |diff| {result.max_float_diff:g}"
            + (
                f" ({result.unwritten_skipped} elements TFLM leaves unwritten not compared)"
                if result.unwritten_skipped
                else ""
            )
        )
    lines = [f"FAIL {result.model}: {result.failure} (after {result.runs} passing runs)"]
    lines += [f"    {line}" for line in result.details]
    return "\n".join(lines)


def _resolve_prefix(args: argparse.Namespace) -> Optional[list[str]]:
    """The command prefix that runs microlite, or None (after saying why) if unusable."""
    if args.self_check:
        return [sys.executable, str(STANDIN), *shlex.split(args.standin_args or "")]
    prefix = shlex.split(args.microlite)
    exe = prefix[0] if prefix else ""
    if os.sep in exe:
        if not (Path(exe).is_file() and os.access(exe, os.X_OK)):
            print(
                f"tflm_diff: microlite binary {exe!r} not found or not executable "
                "(build it with `cargo build --release -p microlite-cli`)",
                file=sys.stderr,
            )
            return None
    elif not exe or shutil.which(exe) is None:
        print(f"tflm_diff: microlite command {exe!r} not found on PATH", file=sys.stderr)
        return None
    return prefix


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("models", nargs="+", type=Path, metavar="MODEL.tflite")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--microlite", help="path of the microlite binary (or a command prefix)")
    who.add_argument(
        "--self-check",
        action="store_true",
        help="compare TFLM against itself through tflm_cli_standin.py (tests this tool)",
    )
    parser.add_argument("--standin-args", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=10, help="input sets per model (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    parser.add_argument(
        "--batch-runs",
        type=int,
        default=0,
        help="further inputs checked on model outputs in one normal-mode `run --batch`",
    )
    parser.add_argument(
        "--float-range",
        type=float,
        nargs=2,
        metavar=("LO", "HI"),
        help="range for float inputs (default: from the QUANTIZE they feed, else -1 1)",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per microlite run")
    parser.add_argument(
        "--keep-failures", type=Path, help="copy the inputs/outputs of failing runs here"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.batch_runs < 0:
        parser.error("--batch-runs must not be negative")
    if args.float_range is not None:
        args.float_range = tuple(args.float_range)
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    prefix = _resolve_prefix(args)
    if prefix is None:
        return 2
    missing = [str(m) for m in args.models if not m.is_file()]
    if missing:
        print(f"tflm_diff: no such model file: {', '.join(missing)}", file=sys.stderr)
        return 2
    passed = failed = 0
    for model in args.models:
        result = diff_model(model, prefix, args)
        print(report(result), flush=True)
        if result.passed:
            passed += 1
        else:
            failed += 1
    print(f"tflm_diff: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
