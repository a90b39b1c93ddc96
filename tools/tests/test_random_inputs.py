"""random_inputs: dtypes, shapes, ranges and determinism."""

import sys
import unittest
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from random_inputs import model_inputs, quantize_input_range, random_array  # noqa: E402
from tflite_model import summarize  # noqa: E402

MODELS = ROOT / "reference-models" / "models"


class RandomArrays(unittest.TestCase):
    def test_int8_spans_full_range(self):
        a = random_array(np.random.default_rng(0), np.int8, (4096,))
        self.assertEqual(a.dtype, np.int8)
        self.assertEqual(int(a.min()), -128)
        self.assertEqual(int(a.max()), 127)

    def test_float_range(self):
        a = random_array(np.random.default_rng(0), np.float32, (2, 500), (-3.0, 2.0))
        self.assertEqual(a.dtype, np.float32)
        self.assertEqual(a.shape, (2, 500))
        self.assertGreaterEqual(float(a.min()), -3.0)
        self.assertLessEqual(float(a.max()), 2.0)

    def test_seeded(self):
        a = random_array(np.random.default_rng(7), np.int16, (10,))
        b = random_array(np.random.default_rng(7), np.int16, (10,))
        np.testing.assert_array_equal(a, b)


@unittest.skipUnless((MODELS / "mlp_int8_float_io").is_dir(), "reference models not generated")
class ModelInputs(unittest.TestCase):
    def test_float_input_range_comes_from_quantize(self):
        summary = summarize((MODELS / "mlp_int8_float_io" / "model.tflite").read_bytes())
        q = summary.tensors[summary.consumers(summary.inputs[0])[0].outputs[0]].quantization
        low, high = quantize_input_range(summary, summary.inputs[0])
        self.assertAlmostEqual(low, (-128 - q.zero_points[0]) * q.scales[0])
        self.assertAlmostEqual(high, (127 - q.zero_points[0]) * q.scales[0])

    def test_inputs_match_model(self):
        for case in ("mlp_int8", "mlp_float32", "mlp_int8_float_io"):
            summary = summarize((MODELS / case / "model.tflite").read_bytes())
            (array,) = model_inputs(np.random.default_rng(0), summary)
            info = summary.tensors[summary.inputs[0]]
            self.assertEqual(array.dtype, np.dtype(info.dtype))
            self.assertEqual(array.shape, info.shape)

    def test_float_model_defaults_to_unit_range(self):
        summary = summarize((MODELS / "mlp_float32" / "model.tflite").read_bytes())
        self.assertIsNone(quantize_input_range(summary, summary.inputs[0]))
        (array,) = model_inputs(np.random.default_rng(0), summary)
        self.assertLessEqual(float(np.abs(array).max()), 1.0)


if __name__ == "__main__":
    unittest.main()
