"""peer_bench: medians, ratios, the bar's verdict, parsing and the table.

None of these need the TFLM or LiteRT wheels (CI installs only
tools/requirements-ci.txt).
"""

import json
import os
import stat
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import peer_bench as pb  # noqa: E402

SHARED_README = ROOT.parent / "shared" / "models" / "README.md"


def result(ml=None, tflm=None, builtin=None, xnn=None, macs=1_000_000, arena=(80, 100)):
    """A ModelResult with one round per given runtime time (ns)."""
    r = pb.ModelResult("m", macs=macs)
    for runtime, ns in (
        (pb.MICROLITE, ml),
        (pb.TFLM, tflm),
        (pb.LITERT_BUILTIN, builtin),
        (pb.LITERT_XNNPACK, xnn),
    ):
        if ns is not None:
            r.rounds_ns[runtime] = [ns]
    r.microlite_arena, r.tflm_arena = arena
    return r


class Medians(unittest.TestCase):
    def test_odd_even_empty(self):
        self.assertEqual(pb.median([3, 1, 2]), 2)
        self.assertEqual(pb.median([4, 1, 3, 2]), 2.5)
        self.assertIsNone(pb.median([]))

    def test_model_figure_is_median_of_round_medians(self):
        r = pb.ModelResult("m")
        r.rounds_ns[pb.MICROLITE] = [10.0, 900.0, 12.0]
        self.assertEqual(r.median_ns(pb.MICROLITE), 12.0)
        self.assertIsNone(r.median_ns(pb.TFLM))

    def test_ratio_missing_or_zero(self):
        self.assertEqual(pb.ratio(6, 3), 2)
        self.assertIsNone(pb.ratio(None, 3))
        self.assertIsNone(pb.ratio(6, None))
        self.assertIsNone(pb.ratio(6, 0))


class Verdict(unittest.TestCase):
    def test_pass(self):
        row = pb.summarize(result(ml=100, tflm=2500, builtin=300, xnn=90))
        self.assertTrue(row["passes_bar"], row["bar_failures"])
        self.assertAlmostEqual(row["tflm_over_microlite"], 25.0)
        self.assertAlmostEqual(row["microlite_over_xnnpack"], 100 / 90)
        self.assertAlmostEqual(row["arena_ratio"], 0.8)
        # 1e6 MACs in 100 ns = 1e4 MAC/ns = 1e4 GMAC/s.
        self.assertAlmostEqual(row["microlite_gmacs_per_s"], 1e4)

    def test_bounds_are_inclusive(self):
        row = pb.summarize(result(ml=100, tflm=2000, xnn=100 / 1.5, arena=(90, 100)))
        self.assertTrue(row["passes_bar"], row["bar_failures"])

    def test_each_failure_is_named(self):
        slow = pb.summarize(result(ml=100, tflm=1999, xnn=90))
        self.assertFalse(slow["passes_bar"])
        self.assertIn("TFLM", slow["bar_failures"][0])
        vs_xnn = pb.summarize(result(ml=100, tflm=5000, xnn=60))
        self.assertEqual(len(vs_xnn["bar_failures"]), 1)
        self.assertIn("XNNPACK", vs_xnn["bar_failures"][0])
        arena = pb.summarize(result(ml=100, tflm=5000, xnn=90, arena=(91, 100)))
        self.assertEqual(len(arena["bar_failures"]), 1)
        self.assertIn("arena", arena["bar_failures"][0])

    def test_refused_xnnpack_is_not_a_failure_but_missing_is(self):
        refused = result(ml=100, tflm=5000)
        refused.refused[pb.LITERT_XNNPACK] = "quantized_dimension must be in range"
        refused.refused[pb.LITERT_BUILTIN] = "quantized_dimension must be in range"
        self.assertTrue(pb.summarize(refused)["passes_bar"])
        missing = pb.summarize(result(ml=100, tflm=5000))
        self.assertFalse(missing["passes_bar"])

    def test_missing_arena_fails(self):
        row = pb.summarize(result(ml=100, tflm=5000, xnn=90, arena=(None, 100)))
        self.assertFalse(row["passes_bar"])


class Table(unittest.TestCase):
    def rows(self):
        refused = result(ml=532_000, tflm=12_700_000, macs=7_157_888)
        refused.name = "person_detect"
        refused.refused[pb.LITERT_BUILTIN] = refused.refused[pb.LITERT_XNNPACK] = "no"
        ok = result(ml=14_900, tflm=400_000, builtin=44_300, xnn=14_000, macs=264_192)
        ok.name = "ad01"
        return [pb.summarize(ok), pb.summarize(refused)]

    def test_every_line_has_the_header_columns(self):
        table = pb.render_table(self.rows()).splitlines()
        widths = {line.count("|") for line in table}
        self.assertEqual(len(widths), 1, table)
        self.assertEqual(len(table), 4)

    def test_cells(self):
        ad01, person = pb.render_table(self.rows()).splitlines()[2:]
        cells = [c.strip() for c in ad01.strip("|").split("|")]
        self.assertEqual(cells[:6], ["ad01", "0.26 M", "14.9", "400", "44.3", "14.0"])
        self.assertEqual(cells[6], f"{400_000 / 14_900:.1f}×")
        self.assertEqual(cells[-1], "PASS")
        self.assertEqual(person.count("refused"), 2)
        self.assertIn("12,700", person)

    def test_formatting(self):
        self.assertEqual(pb.fmt_us(4_219_400), "4,219")
        self.assertEqual(pb.fmt_us(14_700), "14.7")
        self.assertEqual(pb.fmt_us(None), "—")
        self.assertEqual(pb.fmt_macs(2_656_768), "2.66 M")
        self.assertEqual(pb.fmt_ratio(0.934), "0.93×")

    def test_header_names_machine_and_load(self):
        machine = {
            "cpu_model": "Test CPU",
            "cpu_flags": {"avx2": True, "avx512f": False},
            "logical_cpus": 2,
            "affinity": "0,1",
            "loadavg_start": "1.00 2.00 3.00",
            "loadavg_end": "4.00 5.00 6.00",
            "os": "Linux",
            "python": "3.11",
            "packages": {"numpy": "2"},
            "git": "abc",
        }
        settings = {
            "microlite": "bin",
            "rounds": 7,
            "invokes": 200,
            "tflm_invokes": 30,
            "warmup": 5,
            "seed": 0,
        }
        text = pb.render_header(machine, settings)
        for part in ("Test CPU", "2 logical CPUs", "lacks: avx512f", "1.00 2.00 3.00",
                     "4.00 5.00 6.00", "7 alternating rounds"):
            self.assertIn(part, text)


class Parsing(unittest.TestCase):
    def test_cpuinfo_first_cpu(self):
        text = (
            "processor\t: 0\nmodel name\t: CPU A\nflags\t\t: fpu avx2 fma\n\n"
            "processor\t: 1\nmodel name\t: CPU B\nflags\t\t: fpu\n"
        )
        model, flags = pb.parse_cpuinfo(text)
        self.assertEqual(model, "CPU A")
        self.assertEqual(flags, {"fpu", "avx2", "fma"})
        self.assertEqual(pb.parse_cpuinfo(""), ("unknown", set()))

    def test_tflm_allocation_report(self):
        text = (
            "[RecordingMicroAllocator] Arena allocation total 24272 bytes\n"
            "[RecordingMicroAllocator] Arena allocation head 16000 bytes\n"
        )
        self.assertEqual(pb.parse_tflm_arena_total(text), 24272)
        self.assertIsNone(pb.parse_tflm_arena_total("nothing"))

    def test_readme_table(self):
        text = (
            "intro\n\n| file | ops | MACs | TFLM arena (bytes) |\n|---|---|---|---|\n"
            "| a.tflite | ADD | 0 | 1,504 |\n| b.tflite | FC | 288 | 50,176 |\n"
            "| notes | x | y | z |\n\nafter\n| other | table |\n|---|---|\n| c.tflite | 9 |\n"
        )
        self.assertEqual(pb.parse_readme_arenas(text), {"a": 1504, "b": 50176})

    @unittest.skipUnless(SHARED_README.is_file(), f"{SHARED_README} not found")
    def test_shared_readme_lists_every_model(self):
        arenas = pb.parse_readme_arenas(SHARED_README.read_text())
        stems = {p.stem for p in SHARED_README.parent.glob("*.tflite")}
        self.assertEqual(set(arenas), stems)
        self.assertTrue(all(v > 0 for v in arenas.values()))


class Runners(unittest.TestCase):
    def test_time_invokes_sets_inputs_before_every_invoke(self):
        calls = []
        ns = pb.time_invokes(lambda: calls.append("set"), lambda: calls.append("run"), 4, 2)
        self.assertEqual(calls, ["set", "run"] * 6)
        self.assertGreaterEqual(ns, 0)

    def test_microlite_runner_reads_bench_json(self):
        with tempfile.TemporaryDirectory() as tmp:
            fake = Path(tmp) / "microlite"
            log = Path(tmp) / "args"
            report = {"median_ns": 1234, "macs": 5, "arena_used_bytes": 6, "kernels": "avx2"}
            fake.write_text(
                "#!/bin/sh\n"
                f'echo "$@" > "{log}"\n'
                f"echo '{json.dumps(report)}'\n"
            )
            fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
            runner = pb.MicroliteRunner(fake, Path("m.tflite"), [Path("in_0.npy")], "auto")
            self.assertEqual(runner.measure(7, 3), 1234.0)
            self.assertEqual(runner.last["arena_used_bytes"], 6)
            args = log.read_text().split()
            self.assertEqual(args[:3], ["bench", "m.tflite", "--json"])
            for flag, value in (("--input", "in_0.npy"), ("--iterations", "7"), ("--warmup", "3")):
                self.assertEqual(args[args.index(flag) + 1], value)

    def test_microlite_runner_reports_failure(self):
        runner = pb.MicroliteRunner(Path("/bin/false"), Path("m.tflite"), [], "auto")
        with self.assertRaises(RuntimeError):
            runner.measure(1, 0)

    def test_import_needs_no_runtime_wheels(self):
        code = (
            "import sys; sys.path.insert(0, sys.argv[1]); import peer_bench; "
            "print(any(m in sys.modules for m in ('tflite_micro', 'ai_edge_litert', 'numpy')))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, str(ROOT / "tools")],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": ""},
        ).stdout.strip()
        self.assertEqual(out, "False")


if __name__ == "__main__":
    unittest.main()
