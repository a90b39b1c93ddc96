"""tensor_compare: the conformance rule, checked against its definition."""

import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tensor_compare import FLOAT_ABS_TOL, FLOAT_REL_TOL, compare  # noqa: E402


class IntegerTensors(unittest.TestCase):
    def test_equal_int8_matches(self):
        a = np.arange(-128, 128, dtype=np.int8)
        self.assertIsNone(compare(a.copy(), a))

    def test_one_lsb_is_a_mismatch(self):
        ref = np.zeros((2, 3), dtype=np.int8)
        got = ref.copy()
        got[1, 2] = 1
        got[0, 0] = -2
        m = compare(got, ref)
        self.assertIsNotNone(m)
        self.assertEqual(m.differing, 2)
        self.assertEqual(m.total, 6)
        self.assertEqual(m.max_abs_diff, 2.0)

    def test_no_int8_wraparound_in_diff(self):
        m = compare(np.array([127], np.int8), np.array([-128], np.int8))
        self.assertEqual(m.max_abs_diff, 255.0)

    def test_dtype_mismatch(self):
        m = compare(np.zeros(3, np.int16), np.zeros(3, np.int8))
        self.assertIn("dtype", m.reason)

    def test_shape_mismatch_even_with_same_size(self):
        m = compare(np.zeros((1, 6), np.int8), np.zeros((2, 3), np.int8))
        self.assertIn("shape", m.reason)

    def test_bool(self):
        self.assertIsNotNone(compare(np.array([True]), np.array([False])))


class FloatTensors(unittest.TestCase):
    def test_within_tolerance(self):
        ref = np.array([0.0, 1.0, -1000.0], np.float32)
        tol = FLOAT_ABS_TOL + FLOAT_REL_TOL * np.abs(ref.astype(np.float64))
        got = (ref.astype(np.float64) + 0.9 * tol).astype(np.float32)
        self.assertIsNone(compare(got, ref))

    def test_beyond_tolerance(self):
        ref = np.array([0.0, 1.0, -1000.0], np.float32)
        got = ref.copy()
        got[2] = np.float32(-1000.0 - 3 * (FLOAT_ABS_TOL + FLOAT_REL_TOL * 1000.0))
        m = compare(got, ref)
        self.assertEqual(m.differing, 1)

    def test_nan_only_where_reference_nan(self):
        ref = np.array([np.nan, 1.0], np.float32)
        self.assertIsNone(compare(ref.copy(), ref))
        self.assertIsNotNone(compare(np.array([np.nan, np.nan], np.float32), ref))
        self.assertIsNotNone(compare(np.array([0.0, 1.0], np.float32), ref))

    def test_infinities(self):
        ref = np.array([np.inf, -np.inf], np.float32)
        self.assertIsNone(compare(ref.copy(), ref))
        self.assertIsNotNone(compare(np.array([np.inf, np.inf], np.float32), ref))


if __name__ == "__main__":
    unittest.main()
