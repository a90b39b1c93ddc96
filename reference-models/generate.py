#!/usr/bin/env python3
"""Regenerate the reference models and their TFLM goldens.

    .venv-ref/bin/python reference-models/generate.py              # every suite
    .venv-ref/bin/python reference-models/generate.py --suite fully_connected
    .venv-ref/bin/python reference-models/generate.py --list

Each suite folder is deleted and rewritten whole. Seeds derive from suite and
case names only, so regenerating one suite gives the same bytes as a full run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools"))
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

from refgen.case import stable_seed  # noqa: E402
from refgen.convert import convert  # noqa: E402
from refgen.suites import SUITES  # noqa: E402
from refgen.write_case import write_case  # noqa: E402
from tflm_oracle import tflm_version  # noqa: E402


def versions() -> dict:
    """Tool versions recorded in every case.json."""
    return {
        "tensorflow": tf.__version__,
        "tflite_micro": tflm_version(),
        "numpy": np.__version__,
    }


def generate_suite(suite: str, out_root: Path, verbose: bool) -> int:
    """Rewrite `out_root/suite`; returns the number of cases written."""
    suite_dir = out_root / suite
    if suite_dir.exists():
        shutil.rmtree(suite_dir)
    count = 0
    for spec in SUITES[suite]():
        build_seed = stable_seed(suite, spec.name)
        keras.backend.clear_session()
        keras.utils.set_random_seed(build_seed)
        model = spec.build()
        for flavour in spec.flavours:
            case_name = spec.case_name(flavour)
            model_bytes = convert(
                model, spec.inputs, flavour, build_seed, spec.converter_options, verbose
            )
            if spec.rewrite is not None:
                model_bytes = spec.rewrite(model_bytes, flavour)
            case = write_case(
                suite_dir / case_name,
                suite,
                spec,
                flavour,
                model_bytes,
                stable_seed(suite, case_name, "input"),
                versions(),
            )
            ops = ",".join(op["op"] for op in case["ops"])
            print(f"  {suite}/{case_name}: {len(model_bytes)} B, ops {ops}", flush=True)
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--suite", action="append", choices=sorted(SUITES), help="suite to regenerate (repeatable)"
    )
    parser.add_argument("--list", action="store_true", help="list suites and exit")
    parser.add_argument("--out", type=Path, default=HERE, help="output root (default: here)")
    parser.add_argument("--verbose", action="store_true", help="show converter logs")
    args = parser.parse_args()
    if args.list:
        for name in sorted(SUITES):
            print(name)
        return 0
    total = 0
    for suite in args.suite or list(SUITES):
        start = time.time()
        print(f"suite {suite}:", flush=True)
        n = generate_suite(suite, args.out, args.verbose)
        print(f"suite {suite}: {n} cases in {time.time() - start:.0f}s", flush=True)
        total += n
    print(f"generated {total} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
