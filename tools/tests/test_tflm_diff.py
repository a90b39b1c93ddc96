"""tflm_diff.py end to end, with the TFLM stand-in playing microlite."""

import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIFF = ROOT / "tools" / "tflm_diff.py"
MODELS = ROOT / "reference-models" / "models"
MLP = [MODELS / f"mlp_{f}" / "model.tflite" for f in ("int8", "int8_float_io", "float32")]
KWS = ROOT.parent / "shared" / "models" / "kws01_dscnn_int8.tflite"
# Stateful: SVDF activation state carried across invokes.
SVDF_MODEL = ROOT.parent / "shared" / "models" / "tflm" / "keyword_scrambled.tflite"


def run_diff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(DIFF), *args], capture_output=True, text=True, check=False
    )


@unittest.skipUnless(all(p.is_file() for p in MLP), "reference models not generated")
class SelfCheck(unittest.TestCase):
    def test_tflm_agrees_with_itself(self):
        done = run_diff("--self-check", "--runs", "3", *map(str, MLP))
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("tflm_diff: 3 passed, 0 failed", done.stdout)
        self.assertEqual(done.stdout.count("PASS "), 3)

    @unittest.skipUnless(KWS.is_file(), "shared models not present")
    def test_conv_model_agrees_with_itself(self):
        done = run_diff("--self-check", "--runs", "2", str(KWS))
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("13 operators", done.stdout)

    def test_batch_runs_agree_with_themselves(self):
        done = run_diff("--self-check", "--runs", "1", "--batch-runs", "4", *map(str, MLP))
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(done.stdout.count("then 4 batch runs"), 3, done.stdout)

    def test_perturbed_batch_output_is_caught(self):
        # mlp_int8's model output is the last operator's output; the stand-in
        # perturbs it only in the last batch entry, so the per-tensor run passes.
        done = run_diff(
            "--self-check", "--runs", "1", "--batch-runs", "3",
            "--standin-args=--batch-perturb 9", str(MLP[0]),
        )
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertIn("batch entry 2: model output 0", done.stdout)

    @unittest.skipUnless(SVDF_MODEL.is_file(), "shared models not present")
    def test_batch_is_a_sequence_with_state(self):
        done = run_diff("--self-check", "--runs", "1", "--batch-runs", "5", str(SVDF_MODEL))
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("then 5 batch runs in sequence", done.stdout)

    @unittest.skipUnless(SVDF_MODEL.is_file(), "shared models not present")
    def test_state_lost_between_batch_entries_is_caught(self):
        done = run_diff(
            "--self-check", "--runs", "1", "--batch-runs", "5",
            "--standin-args=--lose-state", str(SVDF_MODEL),
        )
        # The model's outputs saturate on random inputs (its weights are
        # scrambled), so the loss shows in the operator outputs and the state
        # (variable tensors) after the last entry.
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertIn("last batch entry (4):", done.stdout)
        self.assertIn("SVDF tensor", done.stdout)
        self.assertIn("variable tensor 4:", done.stdout)

    def test_perturbed_tensor_is_named(self):
        # mlp_int8: op 1 (FULLY_CONNECTED) writes tensor 8.
        done = run_diff("--self-check", "--standin-args=--perturb 8", str(MLP[0]))
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertIn("op 1 FULLY_CONNECTED tensor 8: values differ: 1/16 elements", done.stdout)
        self.assertIn("max |diff| 1", done.stdout)
        self.assertIn("tflm_diff: 0 passed, 1 failed", done.stdout)

    def test_perturbed_float_output_is_caught(self):
        done = run_diff("--self-check", "--standin-args=--perturb 11", str(MLP[1]))
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertIn("op 4 DEQUANTIZE tensor 11", done.stdout)
        self.assertIn("model output 0 (tensor 11)", done.stdout)

    def test_failing_binary_is_reported(self):
        done = run_diff("--self-check", "--standin-args=--fail", str(MLP[0]))
        self.assertEqual(done.returncode, 1)
        self.assertIn("microlite exited with status 3", done.stdout)
        self.assertIn("failing on purpose", done.stdout)

    def test_silent_binary_is_reported(self):
        done = run_diff("--microlite", "true", str(MLP[0]))
        self.assertEqual(done.returncode, 1)
        self.assertIn("microlite wrote no tensor_7.npy", done.stdout)

    def test_missing_binary_is_a_usage_error(self):
        done = run_diff("--microlite", "/nonexistent/microlite", str(MLP[0]))
        self.assertEqual(done.returncode, 2)
        self.assertIn("not found", done.stderr)

    def test_keep_failures(self):
        with tempfile.TemporaryDirectory() as keep:
            done = run_diff(
                "--self-check", "--standin-args=--perturb 9", "--keep-failures", keep, str(MLP[0])
            )
            self.assertEqual(done.returncode, 1)
            kept = list(Path(keep).glob("*/in_0.npy"))
            self.assertEqual(len(kept), 1)
            self.assertTrue(list(Path(keep).glob("*/out/tensor_9.npy")))


if __name__ == "__main__":
    unittest.main()
