"""The committed goldens agree with the pinned TFLM and with their case.json.

For every reference-models/<suite>/<case>/: case.json describes model.tflite
(ops, inputs, outputs), the inputs have the model's dtypes and shapes, and
running TFLM again on input_<k>.npy reproduces every tensor_<t>.npy bit for bit
(operator outputs and variable tensors; a case with "invokes" N > 1 holds invokes
1..N-1 as invoke_<i>/..., rerun in sequence on one interpreter, state carried).
The arrays are members of arrays.npz, or loose .npy files in cases not yet
packed (tools/golden_arrays.py; reference-models/pack_goldens.py packs them);
the case holds exactly those arrays, nothing else.
A case whose case.json has "goldens_from" (reference-models/misaligned.py: the
same model with its buffers moved, which the wheel reads wrongly) is checked
against TFLM running that source case's model.
"""

import json
import sys
import unittest
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from golden_arrays import PACKED, load_case_arrays  # noqa: E402
from tflm_oracle import TflmOracle  # noqa: E402

CASES = sorted(p.parent for p in (ROOT / "reference-models").glob("*/*/case.json"))
REQUIRED_KEYS = {"suite", "case", "flavour", "description", "ops", "inputs", "outputs"}


class Goldens(unittest.TestCase):
    def test_there_are_cases(self):
        self.assertGreater(len(CASES), 0)
        self.assertTrue((ROOT / "reference-models/models/mlp_int8/model.tflite").is_file())

    def test_every_case(self):
        for case_dir in CASES:
            with self.subTest(case=str(case_dir.relative_to(ROOT))):
                self.check_case(case_dir)

    def check_case(self, case_dir: Path):
        case = json.loads((case_dir / "case.json").read_text())
        self.assertLessEqual(REQUIRED_KEYS, set(case))
        self.assertEqual(case["suite"], case_dir.parent.name)
        self.assertEqual(case["case"], case_dir.name)
        self.assertIn(case["flavour"], ("int8", "int8_float_io", "float32", "int16"))

        source = case_dir.parents[1] / case["goldens_from"] if "goldens_from" in case else case_dir
        oracle = TflmOracle((source / "model.tflite").read_bytes())
        summary = oracle.summary
        self.assertEqual(case["inputs"], list(summary.inputs))
        self.assertEqual(case["outputs"], list(summary.outputs))
        self.assertEqual(
            [(o["index"], o["op"], o["outputs"]) for o in case["ops"]],
            [(op.index, op.name, list(op.outputs)) for op in summary.operators],
        )

        invokes = case.get("invokes", 1)
        prefixes = [""] + [f"invoke_{i}/" for i in range(1, invokes)]
        # Resource handles (VAR_HANDLE's output) hold no data: no golden.
        wanted = {
            t
            for op in case["ops"]
            for t in op["outputs"]
            if summary.tensors[t].dtype is not None
        }
        wanted |= {t.index for t in summary.tensors if t.is_variable}
        arrays = load_case_arrays(case_dir)
        expected = {f"{p}input_{k}.npy" for p in prefixes for k in range(len(summary.inputs))}
        expected |= {f"{p}tensor_{t}.npy" for p in prefixes for t in wanted}
        self.assertEqual(set(arrays), expected)
        self.assertEqual(
            sorted(p.name for p in case_dir.iterdir()),
            sorted(["case.json", "model.tflite", PACKED])
            if (case_dir / PACKED).exists()
            else sorted({"case.json", "model.tflite"} | {n.split("/")[0] for n in expected}),
        )
        for invoke, prefix in enumerate(prefixes):
            inputs = []
            for k, t in enumerate(summary.inputs):
                array = arrays[f"{prefix}input_{k}.npy"]
                self.assertEqual(array.dtype, np.dtype(summary.tensors[t].dtype))
                self.assertEqual(array.shape, summary.tensors[t].shape)
                inputs.append(array)

            fresh = oracle.run(inputs, reset=invoke == 0)
            for t in sorted(wanted):
                golden = arrays[f"{prefix}tensor_{t}.npy"]
                message = f"tensor {t}, invoke {invoke}"
                self.assertEqual(golden.dtype, np.dtype(summary.tensors[t].dtype), message)
                self.assertEqual(golden.shape, summary.tensors[t].shape, message)
                np.testing.assert_array_equal(golden, fresh[t], err_msg=message)


if __name__ == "__main__":
    unittest.main()
