#!/usr/bin/env python3
"""Cases whose every constant buffer is misaligned for its type.

    .venv-ref/bin/python reference-models/misaligned.py

For each source case below and each skew of 1, 2 and 4 bytes, writes
reference-models/misaligned/<source>_skew<k>/: the source model with every
non-empty buffer moved out of the flatbuffer (the schema's `offset`/`size`
buffer fields) to a file offset that is 16·n + k, and the source case's
inputs and TFLM goldens as its arrays.npz (the arithmetic is the same; the
source may be packed or loose). case.json names the source in
"goldens_from"; tools/tests/test_goldens.py reruns TFLM on that source model
(the tflite-micro wheel reads such offset buffers wrongly), and the golden
test runs these cases like any other, on every backend.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import flatbuffers
from tensorflow.lite.python import schema_py_generated as schema

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "tools"))

from golden_arrays import load_case_arrays, write_case_arrays  # noqa: E402

OUT = ROOT / "misaligned"
# float32 weights and bias, int8 weights with an int32 bias, and 16x8 with an
# int64 bias.
SOURCES = (
    "conv/in1x9x9x3_f5_k3x3_s1_d1_same_bias_relu_float32",
    "fully_connected/in1x16_u16_bias_relu6_int8",
    "conv/in1x9x9x3_f5_k3x3_s1_d1_same_bias_relu_int16",
)
SKEWS = (1, 2, 4)


def misaligned(model_bytes: bytes, skew: int) -> bytes:
    """`model_bytes` with every buffer's data after the flatbuffer at 16·n + skew."""
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
    blobs = []
    for buffer in model.buffers:
        data = buffer.data
        if data is not None and len(data) > 0:
            blobs.append(bytes(bytearray(data)))
            buffer.data = None
            # Non-default placeholders, so the packed size is final.
            buffer.offset, buffer.size = 1, 1
        else:
            blobs.append(None)

    def pack() -> bytes:
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())

    at = len(pack())
    places = []
    for blob in blobs:
        if blob is None:
            places.append(None)
            continue
        at = (at + 15) // 16 * 16 + skew
        places.append(at)
        at += len(blob)
    for buffer, blob, place in zip(model.buffers, blobs, places):
        if blob is not None:
            buffer.offset, buffer.size = place, len(blob)
    out = bytearray(pack())
    for blob, place in zip(blobs, places):
        if blob is not None:
            out += bytes(place - len(out)) + blob
    return bytes(out)


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    for source in SOURCES:
        source_dir = ROOT / source
        for skew in SKEWS:
            name = f"{source_dir.name}_skew{skew}"
            case_dir = OUT / name
            case_dir.mkdir(parents=True)
            model = misaligned((source_dir / "model.tflite").read_bytes(), skew)
            (case_dir / "model.tflite").write_bytes(model)
            write_case_arrays(case_dir, load_case_arrays(source_dir))
            case = json.loads((source_dir / "case.json").read_text())
            case["suite"] = "misaligned"
            case["case"] = name
            case["description"] = (
                f"{source} with every constant buffer at file offset 16n+{skew} "
                f"(offset/size buffers): {case['description']}"
            )
            case["goldens_from"] = source
            (case_dir / "case.json").write_text(json.dumps(case, indent=1) + "\n")
            print(f"misaligned/{name}: {len(model)} B")


if __name__ == "__main__":
    main()
