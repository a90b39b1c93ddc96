"""golden_arrays: both case layouts read the same, packing is lossless, reproducible, idempotent."""

import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from golden_arrays import PACKED, load_case_arrays, loose_files, pack_case  # noqa: E402

ARRAYS = {
    "input_0.npy": np.arange(-6, 6, dtype=np.int8).reshape(3, 4),
    "input_1.npy": np.array([True, False]),
    "tensor_10.npy": np.linspace(-1, 1, 5, dtype=np.float32),
    "tensor_2.npy": np.array([1, 2], dtype=np.int64),
    "invoke_1/input_0.npy": np.ones((3, 4), dtype=np.int8),
    "invoke_1/tensor_2.npy": np.array([3, 4], dtype=np.int64),
    "invoke_2/tensor_2.npy": np.array([-5, 6], dtype=np.int64),
}


def write_loose(case_dir: Path) -> None:
    case_dir.mkdir(parents=True)
    (case_dir / "case.json").write_text("{}\n")
    for name, array in ARRAYS.items():
        (case_dir / name).parent.mkdir(exist_ok=True)
        np.save(case_dir / name, array, allow_pickle=False)


class GoldenArrays(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp)

    def assert_same(self, got, want):
        self.assertEqual(set(got), set(want))
        for name in want:
            self.assertEqual(got[name].dtype, want[name].dtype, name)
            self.assertEqual(got[name].shape, want[name].shape, name)
            np.testing.assert_array_equal(got[name], want[name], err_msg=name)

    def test_pack_keeps_every_array_and_removes_the_loose_files(self):
        case = self.tmp / "suite" / "case"
        write_loose(case)
        self.assert_same(load_case_arrays(case), ARRAYS)
        self.assertTrue(pack_case(case))
        self.assertEqual(sorted(p.name for p in case.iterdir()), ["arrays.npz", "case.json"])
        self.assert_same(load_case_arrays(case), ARRAYS)
        # numpy's own reader, member names without ".npy"
        with np.load(case / PACKED) as npz:
            np.testing.assert_array_equal(npz["invoke_2/tensor_2"], ARRAYS["invoke_2/tensor_2.npy"])
        with zipfile.ZipFile(case / PACKED) as archive:
            self.assertEqual(archive.namelist()[:2], ["input_0.npy", "input_1.npy"])
            self.assertTrue(all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist()))
        self.assertFalse(pack_case(case))

    def test_packing_is_byte_reproducible(self):
        first, second = self.tmp / "a", self.tmp / "b"
        write_loose(first)
        write_loose(second)
        pack_case(first)
        pack_case(second)
        self.assertEqual((first / PACKED).read_bytes(), (second / PACKED).read_bytes())

    def test_both_layouts_in_one_case_are_refused(self):
        case = self.tmp / "case"
        write_loose(case)
        pack_case(case)
        np.save(case / "tensor_2.npy", ARRAYS["tensor_2.npy"], allow_pickle=False)
        with self.assertRaisesRegex(ValueError, "both"):
            load_case_arrays(case)
        with self.assertRaisesRegex(ValueError, "both"):
            pack_case(case)

    def test_a_stray_file_name_is_refused(self):
        case = self.tmp / "case"
        write_loose(case)
        np.save(case / "output_0.npy", ARRAYS["tensor_2.npy"], allow_pickle=False)
        with self.assertRaisesRegex(ValueError, "output_0.npy"):
            pack_case(case)
        self.assertIn("output_0.npy", loose_files(case))
        self.assertFalse((case / PACKED).exists())

    def test_the_script_packs_a_tree_and_checks(self):
        for name in ("x/one", "x/two", "y/three"):
            write_loose(self.tmp / name)
        script = [sys.executable, str(ROOT / "reference-models" / "pack_goldens.py")]

        def run(*args):
            return subprocess.run(script + list(args), capture_output=True, text=True)

        self.assertEqual(run("--check", str(self.tmp)).returncode, 1)
        done = run(str(self.tmp / "x"))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("packed 2 cases", done.stdout)
        done = run(str(self.tmp))
        self.assertIn("packed 1 cases, 2 already packed", done.stdout)
        self.assertEqual(run("--check", str(self.tmp)).returncode, 0)
        self.assert_same(load_case_arrays(self.tmp / "y/three"), ARRAYS)
        np.save(self.tmp / "x/one/tensor_2.npy", ARRAYS["tensor_2.npy"], allow_pickle=False)
        done = run(str(self.tmp))
        self.assertEqual(done.returncode, 1)
        self.assertIn("both", done.stderr)
        self.assertIn("packed 0 cases, 2 already packed", done.stdout)


if __name__ == "__main__":
    unittest.main()
