#!/usr/bin/env python3
"""Pack loose-layout golden cases: one arrays.npz per case instead of one .npy per array.

    python reference-models/pack_goldens.py            # every case under reference-models/
    python reference-models/pack_goldens.py svdf lstm  # only these suites (or case folders)
    python reference-models/pack_goldens.py --check    # exit 1 if any case is still loose

Idempotent: packed cases are left alone (a case holding both layouts is an
error). Needs numpy only (any of the project's venvs). The layout is described
in tools/golden_arrays.py; the generator writes it directly.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools"))

from golden_arrays import loose_files, pack_case  # noqa: E402


def case_dirs(targets: list[Path]) -> list[Path]:
    """Case folders (holding case.json): the targets, or up to two levels under them."""
    found = []
    for target in targets:
        if (target / "case.json").is_file():
            found.append(target)
        else:
            found += [p.parent for p in target.glob("*/case.json")]
            found += [p.parent for p in target.glob("*/*/case.json")]
    return sorted(set(found))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help="suites or case folders (default: all)")
    parser.add_argument("--check", action="store_true", help="only report loose cases")
    args = parser.parse_args()
    targets = [HERE / t if not Path(t).is_dir() else Path(t) for t in args.targets] or [HERE]
    for target in targets:
        if not target.is_dir():
            parser.error(f"{target} is not a folder")
    cases = case_dirs(targets)
    loose = [c for c in cases if loose_files(c)]
    if args.check:
        for case in loose:
            print(f"loose: {case.relative_to(HERE)}")
        print(f"{len(loose)} of {len(cases)} cases loose")
        return 1 if loose else 0
    failed = 0
    for case in loose:
        try:
            pack_case(case)
        except ValueError as error:
            # e.g. both layouts after a merge: keep the newer one (git log), delete the other.
            print(f"error: {error}", file=sys.stderr)
            failed += 1
    print(f"packed {len(loose) - failed} cases, {len(cases) - len(loose)} already packed")
    if failed:
        print(f"{failed} cases not packed (see above)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
