#!/usr/bin/env python3
"""Cross-checks schema.fbs against an upstream-generated Python schema module.

Generates Python bindings of schema/schema.fbs with flatc and compares them
with a `schema_py_generated.py` produced by upstream from the real TFLite
schema (TFLM's pip package ships one). Compared: every enum / union value,
every table's field count, each field's vtable slot, scalar type and default.
Extra upstream-only object-API classes (`...T`) are ignored.

    python3 schema/check_wire_compat.py [REFERENCE_SCHEMA_PY] [--flatc PATH]

Exits non-zero and lists the differences if any.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_REFERENCE = os.path.join(
    ROOT, ".venv-ref/lib/python3.11/site-packages/tflite_micro/tensorflow/lite/micro/python/"
    "schema_py_generated.py")


def facts(path):
    """{class: {key: value}} for enum constants, accessor slots and builders."""
    src = open(path).read()
    out = {}
    cls = method = None
    for line in src.splitlines():
        m = re.match(r"^class (\w+)\b", line)
        if m:
            cls, method = m.group(1), None
            out.setdefault(cls, {})
            continue
        if re.match(r"^\S", line):
            cls = method = None
            continue
        if cls is None:
            continue
        m = re.match(r"^    (\w+) = (-?\d+)\s*$", line)
        if m:
            out[cls]["value " + m.group(1)] = int(m.group(2))
            continue
        m = re.match(r"^    def (\w+)\(self", line)
        if m:
            method = m.group(1)
            continue
        m = re.search(r"self\._tab\.Offset\((\d+)\)", line)
        if method and m:
            out[cls].setdefault("vtable offset of " + method, int(m.group(1)))
    for m in re.finditer(r"def (\w+)Start\(builder\):\s*\n\s*builder\.StartObject\((\d+)\)", src):
        out.setdefault(m.group(1), {})["field count"] = int(m.group(2))
    slot = r"def (\w+)Add(\w+)\(builder, \w+\):\s*\n\s*builder\.Prepend(\w+)Slot\((\d+), [^,]+, (.+)\)"
    for m in re.finditer(slot, src):
        out.setdefault(m.group(1), {})["slot " + m.group(2)] = (m.group(3), int(m.group(4)),
                                                                 m.group(5).strip())
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reference", nargs="?", default=DEFAULT_REFERENCE)
    ap.add_argument("--flatc", default=os.environ.get("FLATC", "flatc"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([args.flatc, "--python", "--gen-onefile", "-o", tmp,
                        os.path.join(HERE, "schema.fbs")], check=True)
        ours = facts(os.path.join(tmp, "schema_generated.py"))
    theirs = facts(args.reference)
    problems = []
    for cls in sorted(set(ours) | set(theirs)):
        if cls not in ours:
            if not cls.endswith("T"):
                problems.append(f"missing: {cls}")
            continue
        if cls not in theirs:
            problems.append(f"not upstream: {cls}")
            continue
        for key in sorted(set(ours[cls]) | set(theirs[cls])):
            a, b = ours[cls].get(key), theirs[cls].get(key)
            if a != b:
                problems.append(f"{cls}: {key}: ours {a!r}, upstream {b!r}")
    for p in problems:
        print(p)
    print(f"{len(problems)} difference(s) against {args.reference}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
