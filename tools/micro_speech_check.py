#!/usr/bin/env python3
"""micro_speech end to end: `microlite listen` against the TFLM wheel.

For each WAV, runs TFLM's micro_speech pipeline with the real TFLM runtime
(as tensorflow/lite/micro/examples/micro_speech/evaluate.py: the audio
preprocessor reset, then one 30 ms window every 20 ms through it, each
feature row filling a zeroed 49 x 40 stack, the classifier run after every
row) and `microlite listen --json` on the same models, and requires:

- the classifier's scores after every window to be equal (int8 outputs
  dequantized; a one-step difference in any int8 output is a difference of
  the output scale, far above the float tolerance used here),
- the final label to be the one given on the command line (TFLM's
  micro_speech test: yes -> yes, no -> no, silence -> silence,
  noise -> silence).

Usage:
  micro_speech_check.py --microlite target/release/microlite \
      --frontend audio_preprocessor_int8.tflite --model micro_speech_quantized.tflite \
      yes_1000ms.wav=yes no_1000ms.wav=no ...
Exit status 1 on any difference.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

LABELS = ["silence", "unknown", "yes", "no"]
STRIDE_MS = 20
SAMPLE_RATE = 16000


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getframerate() != SAMPLE_RATE:
            raise SystemExit(f"{path}: not 16 kHz mono 16-bit PCM")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)


def tflm_scores(frontend_path: Path, model_path: Path, samples: np.ndarray) -> list:
    """Per-window dequantized classifier scores from TFLM's runtime."""
    from tflite_micro.python.tflite_micro import runtime

    frontend = runtime.Interpreter.from_file(str(frontend_path))
    classifier = runtime.Interpreter.from_file(str(model_path))
    frontend.reset()
    window = int(np.prod(frontend.get_input_details(0)["shape"]))
    stride = STRIDE_MS * SAMPLE_RATE // 1000
    row = frontend.get_output_details(0)
    row_len = int(np.prod(row["shape"]))
    inp = classifier.get_input_details(0)
    stack_len = int(np.prod(inp["shape"]))
    frames = stack_len // row_len
    stack = np.zeros((frames, row_len), dtype=inp["dtype"])
    out = classifier.get_output_details(0)
    scale = np.float32(out["quantization_parameters"]["scales"][0])
    zero = np.float32(out["quantization_parameters"]["zero_points"][0])
    filled, start, scores = 0, 0, []
    while start + window <= len(samples):
        frontend.set_input(samples[start:start + window].reshape(1, -1), 0)
        frontend.invoke()
        features = frontend.get_output(0).reshape(-1)
        if features.dtype != stack.dtype:
            raise SystemExit("front end and classifier types differ: not handled here")
        if filled < frames:
            stack[filled] = features
            filled += 1
        else:
            stack[:-1] = stack[1:]
            stack[-1] = features
        classifier.set_input(stack.reshape(1, -1), 0)
        classifier.invoke()
        q = classifier.get_output(0).reshape(-1)
        if q.dtype == np.float32:
            scores.append([float(v) for v in q])
        else:
            scores.append([float(scale * (np.float32(v) - zero)) for v in q])
        start += stride
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--microlite", required=True, help="the microlite binary")
    parser.add_argument("--frontend", required=True, type=Path)
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("cases", nargs="+", metavar="FILE.wav=LABEL")
    args = parser.parse_args()

    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        labels = Path(tmp) / "labels.txt"
        labels.write_text("\n".join(LABELS) + "\n")
        for case in args.cases:
            wav, _, expected = case.rpartition("=")
            wav = Path(wav)
            want = tflm_scores(args.frontend, args.model, read_wav(wav))
            run = subprocess.run(
                [args.microlite, "listen", "--frontend", str(args.frontend), "--model",
                 str(args.model), "--labels", str(labels), "--json", str(wav)],
                capture_output=True, text=True)
            if run.returncode != 0:
                print(f"FAIL {wav.name}: microlite listen exited {run.returncode}: "
                      f"{run.stderr.strip()}")
                failures += 1
                continue
            got = json.loads(run.stdout.strip().splitlines()[-1])
            problems = []
            if len(got["frames"]) != len(want):
                problems.append(f"{len(got['frames'])} windows, TFLM {len(want)}")
            for k, (g, w) in enumerate(zip(got["frames"], want)):
                if len(g) != len(w) or any(abs(a - b) > 1e-6 for a, b in zip(g, w)):
                    problems.append(f"window {k}: scores {g} vs TFLM {w}")
                    break
            tflm_label = LABELS[int(np.argmax(want[-1]))] if want else None
            if got["label"] != expected or tflm_label != expected:
                problems.append(f"label {got['label']} (TFLM {tflm_label}), expected {expected}")
            if problems:
                failures += 1
                print(f"FAIL {wav.name}: " + "; ".join(problems))
            else:
                print(f"ok   {wav.name}: {got['label']} ({max(got['scores']):.2f}), "
                      f"{len(want)} windows equal to TFLM's")
    print(f"micro_speech: {len(args.cases) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
