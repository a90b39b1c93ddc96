#!/usr/bin/env python3
"""Side-by-side speed of microlite, the TFLM wheel and LiteRT on the same input.

For every model, in alternating rounds (each round runs every runtime once, the
order rotating from round to round), this times:

- `microlite bench MODEL --json` (one process per round and model; inputs written
  before every invoke outside the timed region; only `invoke` is timed, in Rust),
- the TFLM wheel (`tflite_micro.runtime.Interpreter`), `invoke()` timed from
  Python with `time.perf_counter_ns`,
- LiteRT (`ai_edge_litert`, `num_threads=1`) with its default XNNPACK delegate
  and with `BUILTIN_WITHOUT_DEFAULT_DELEGATES`, timed the same way (LiteRT
  refuses some files, e.g. person_detect: reported as "refused").

Every runtime gets the same seeded input (`numpy.random.default_rng([seed,
crc32(model bytes)])`, as in tools/tflm_diff.py), written before every invoke.
A runtime's figure for a model is the median over rounds of its per-round median
per-invoke time. Python-side timings include the Python call overhead (~1-2 µs).

It prints a markdown table (or JSON with --json): medians, speed ratios,
microlite GMAC/s, microlite's arena bytes against TFLM's arena total (from the
wheel's RecordingMicroAllocator, falling back to ../shared/models/README.md), and
whether the issue-6 bar holds (>= 20x TFLM, <= 1.5x LiteRT+XNNPACK, arena <= 0.9x
TFLM).

Usage:
    .venv-ref/bin/python tools/peer_bench.py --microlite target/release/microlite
    .venv-ref/bin/python tools/peer_bench.py --rounds 7 --taskset 1 --json MODEL.tflite ...
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

DEFAULT_SHARED = ROOT.parent / "shared" / "models"
DEFAULT_MODELS = (
    "kws01_dscnn_int8",
    "vww01_mobilenet_96_int8",
    "ic01_resnet8_int8",
    "ad01_fc_autoencoder_int8",
    "person_detect",
)

MICROLITE = "microlite"
TFLM = "tflm"
LITERT_BUILTIN = "litert_builtin"
LITERT_XNNPACK = "litert_xnnpack"
RUNTIMES = (MICROLITE, TFLM, LITERT_BUILTIN, LITERT_XNNPACK)


@dataclass(frozen=True)
class Bar:
    """The issue-6 acceptance bar."""

    min_speedup_vs_tflm: float = 20.0
    max_ratio_vs_xnnpack: float = 1.5
    max_arena_ratio: float = 0.9


# ---------------------------------------------------------------- pure logic


def median(values: Sequence[float]) -> Optional[float]:
    """The median (mean of the middle two for an even count); None when empty."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    if n % 2:
        return float(ordered[n // 2])
    return (ordered[n // 2 - 1] + ordered[n // 2]) / 2.0


def ratio(numerator: Optional[float], denominator: Optional[float]) -> Optional[float]:
    """numerator / denominator, None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def parse_cpuinfo(text: str) -> tuple[str, set[str]]:
    """The first CPU's model name and flags from /proc/cpuinfo text."""
    model, flags = "unknown", set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and model == "unknown":
            model = value.strip()
        elif key == "flags" and not flags:
            flags = set(value.split())
    return model, flags


def parse_tflm_arena_total(text: str) -> Optional[int]:
    """TFLM's "Arena allocation total N bytes" from `print_allocations()` output."""
    match = re.search(r"Arena allocation total (\d+) bytes", text)
    return int(match.group(1)) if match else None


def parse_readme_arenas(text: str) -> dict[str, int]:
    """Model stem -> "TFLM arena (bytes)" from the table in ../shared/models/README.md."""
    arenas: dict[str, int] = {}
    column = None
    for line in text.splitlines():
        if not line.startswith("|"):
            column = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if column is None:
            for i, cell in enumerate(cells):
                if cell.lower().startswith("tflm arena"):
                    column = i
            continue
        if column >= len(cells) or set(cells[0]) <= set("-: "):
            continue
        digits = cells[column].replace(",", "")
        if cells[0].endswith(".tflite") and digits.isdigit():
            arenas[cells[0][: -len(".tflite")]] = int(digits)
    return arenas


@dataclass
class ModelResult:
    """Everything measured for one model."""

    name: str
    macs: Optional[int] = None
    # Runtime -> per-round median ns per invoke.
    rounds_ns: dict[str, list[float]] = field(default_factory=dict)
    # Runtime -> why it did not run (e.g. LiteRT refusing the file).
    refused: dict[str, str] = field(default_factory=dict)
    microlite_arena: Optional[int] = None
    microlite_kernels: Optional[str] = None
    tflm_arena: Optional[int] = None
    tflm_arena_source: Optional[str] = None

    def median_ns(self, runtime: str) -> Optional[float]:
        """The runtime's figure: median of its round medians."""
        return median(self.rounds_ns.get(runtime, []))


def summarize(result: ModelResult, bar: Bar = Bar()) -> dict:
    """Medians, ratios, GMAC/s, arena ratio and the bar's verdict of one model."""
    ml = result.median_ns(MICROLITE)
    tflm = result.median_ns(TFLM)
    xnn = result.median_ns(LITERT_XNNPACK)
    speedup = ratio(tflm, ml)
    vs_xnn = ratio(ml, xnn)
    arena_ratio = ratio(result.microlite_arena, result.tflm_arena)
    gmacs = ratio(result.macs, ml) if result.macs else None
    failures = []
    if speedup is None:
        failures.append("no TFLM/microlite time")
    elif speedup < bar.min_speedup_vs_tflm:
        failures.append(f"{speedup:.1f}× TFLM < {bar.min_speedup_vs_tflm:g}×")
    # The XNNPACK bound only applies where LiteRT runs the model.
    if vs_xnn is not None and vs_xnn > bar.max_ratio_vs_xnnpack:
        failures.append(f"{vs_xnn:.2f}× XNNPACK > {bar.max_ratio_vs_xnnpack:g}×")
    if vs_xnn is None and LITERT_XNNPACK not in result.refused:
        failures.append("no XNNPACK time")
    if arena_ratio is None:
        failures.append("no arena figures")
    elif arena_ratio > bar.max_arena_ratio:
        failures.append(f"arena {arena_ratio:.2f}× > {bar.max_arena_ratio:g}×")
    spread = {
        r: [min(v), max(v)] if v else None for r, v in result.rounds_ns.items()
    }
    return {
        "model": result.name,
        "macs": result.macs,
        "median_ns": {r: result.median_ns(r) for r in RUNTIMES},
        "round_median_ns_min_max": spread,
        "refused": dict(result.refused),
        "tflm_over_microlite": speedup,
        "microlite_over_xnnpack": vs_xnn,
        "microlite_gmacs_per_s": gmacs,
        "microlite_kernels": result.microlite_kernels,
        "microlite_arena_bytes": result.microlite_arena,
        "tflm_arena_bytes": result.tflm_arena,
        "tflm_arena_source": result.tflm_arena_source,
        "arena_ratio": arena_ratio,
        "passes_bar": not failures,
        "bar_failures": failures,
    }


def fmt_us(ns: Optional[float]) -> str:
    """ns as µs: thousands separators from 100 µs, one decimal below."""
    if ns is None:
        return "—"
    us = ns / 1e3
    return f"{us:,.0f}" if us >= 100 else f"{us:.1f}"


def fmt_macs(macs: Optional[int]) -> str:
    """MACs in millions, e.g. "2.66 M"."""
    return "—" if macs is None else f"{macs / 1e6:.2f} M"


def fmt_ratio(value: Optional[float], digits: int = 2) -> str:
    """A ratio as "12.34×"."""
    return "—" if value is None else f"{value:.{digits}f}×"


def fmt_int(value: Optional[int]) -> str:
    """An integer with thousands separators."""
    return "—" if value is None else f"{value:,}"


def runtime_cell(row: dict, runtime: str) -> str:
    """A runtime's median, or "refused" / "—"."""
    if runtime in row["refused"]:
        return "refused"
    return fmt_us(row["median_ns"][runtime])


def render_table(rows: Sequence[dict]) -> str:
    """The markdown table of `summarize` rows."""
    header = (
        "| model | MACs | microlite µs | TFLM µs | LiteRT builtin µs | LiteRT XNNPACK µs "
        "| TFLM/microlite | microlite/XNNPACK | microlite GMAC/s | microlite arena "
        "| TFLM arena | arena ratio | bar |"
    )
    lines = [header, "|" + "---|" * header.count(" | ") + "---|"]
    for row in rows:
        gmacs = row["microlite_gmacs_per_s"]
        verdict = "PASS" if row["passes_bar"] else "FAIL: " + "; ".join(row["bar_failures"])
        cells = [
            row["model"],
            fmt_macs(row["macs"]),
            runtime_cell(row, MICROLITE),
            runtime_cell(row, TFLM),
            runtime_cell(row, LITERT_BUILTIN),
            runtime_cell(row, LITERT_XNNPACK),
            fmt_ratio(row["tflm_over_microlite"], 1),
            fmt_ratio(row["microlite_over_xnnpack"]),
            "—" if gmacs is None else f"{gmacs:.1f}",
            fmt_int(row["microlite_arena_bytes"]),
            fmt_int(row["tflm_arena_bytes"]),
            fmt_ratio(row["arena_ratio"]),
            verdict,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_header(machine: dict, settings: dict) -> str:
    """The machine and settings lines printed above the table."""
    flags = machine["cpu_flags"]
    have = [f for f, present in flags.items() if present]
    lack = [f for f, present in flags.items() if not present]
    load = machine["loadavg_start"], machine.get("loadavg_end")
    lines = [
        f"- CPU: {machine['cpu_model']}; {machine['logical_cpus']} logical CPUs"
        f" (this run may use: {machine['affinity']}); flags: {' '.join(have) or 'none'}"
        + (f"; lacks: {' '.join(lack)}" if lack else ""),
        f"- load average (1, 5, 15 min): start {load[0]}, end {load[1] or '?'}",
        f"- OS: {machine['os']}; Python {machine['python']}; "
        + ", ".join(f"{k} {v}" for k, v in machine["packages"].items()),
        f"- microlite: {settings['microlite']} ({settings.get('microlite_kernels') or '?'}"
        f" kernels), git {machine.get('git') or '?'}",
        f"- {settings['rounds']} alternating rounds; per round and runtime: "
        f"{settings['invokes']} timed invokes (TFLM {settings['tflm_invokes']}) after "
        f"{settings['warmup']} warm-up; figure = median of round medians; seed "
        f"{settings['seed']}",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- machine


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def machine_description() -> dict:
    """CPU, cores, affinity, load, OS and package versions."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        text = ""
    model, flags = parse_cpuinfo(text)
    if model == "unknown":
        model = platform.processor() or "unknown"
    try:
        affinity = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        affinity = "?"
    packages = {}
    from importlib import metadata

    for name in ("tflite-micro", "ai-edge-litert", "numpy"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "absent"
    try:
        git = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        git = ""
    return {
        "cpu_model": model,
        "cpu_flags": {f: f in flags for f in ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni")},
        "logical_cpus": os.cpu_count(),
        "affinity": affinity,
        "loadavg_start": loadavg(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": packages,
        "git": git,
    }


# ---------------------------------------------------------------- runtimes


def time_invokes(
    set_inputs: Callable[[], None], invoke: Callable[[], None], invokes: int, warmup: int
) -> float:
    """Median ns of `invoke` over `invokes` calls after `warmup`; inputs set before each."""
    samples = []
    clock = time.perf_counter_ns
    for i in range(warmup + invokes):
        set_inputs()
        start = clock()
        invoke()
        elapsed = clock() - start
        if i >= warmup:
            samples.append(elapsed)
    return median(samples)


class MicroliteRunner:
    """`microlite bench --json`, one process per call."""

    def __init__(self, binary: Path, model: Path, input_files: list[Path], kernels: str):
        self.command = [str(binary), "bench", str(model), "--json", "--kernels", kernels]
        for path in input_files:
            self.command += ["--input", str(path)]
        self.last: dict = {}

    def measure(self, invokes: int, warmup: int) -> float:
        """Median ns per invoke from one `microlite bench` process."""
        args = self.command + ["--iterations", str(invokes), "--warmup", str(warmup)]
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: {done.stderr.strip()}")
        self.last = json.loads(done.stdout)
        return float(self.last["median_ns"])


class TflmRunner:
    """The TFLM wheel's interpreter."""

    def __init__(self, model_bytes: bytes, inputs: list):
        from tflite_micro import runtime

        self.model_bytes = model_bytes
        self.interpreter = runtime.Interpreter.from_bytes(
            model_bytes, arena_size=wheel_arena_size(model_bytes)
        )
        self.inputs = inputs

    def set_inputs(self) -> None:
        for k, array in enumerate(self.inputs):
            self.interpreter.set_input(array, k)

    def measure(self, invokes: int, warmup: int) -> float:
        return time_invokes(self.set_inputs, self.interpreter.invoke, invokes, warmup)


class LiteRTRunner:
    """LiteRT with one thread, default delegates (XNNPACK) or none."""

    def __init__(self, model_path: Path, inputs: list, xnnpack: bool):
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        kwargs = {}
        if not xnnpack:
            kwargs["experimental_op_resolver_type"] = (
                OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
            )
        self.interpreter = Interpreter(model_path=str(model_path), num_threads=1, **kwargs)
        self.interpreter.allocate_tensors()
        self.indices = [d["index"] for d in self.interpreter.get_input_details()]
        if len(self.indices) != len(inputs):
            raise ValueError(f"LiteRT sees {len(self.indices)} inputs, TFLM {len(inputs)}")
        self.inputs = inputs

    def set_inputs(self) -> None:
        for index, array in zip(self.indices, self.inputs):
            self.interpreter.set_tensor(index, array)

    def measure(self, invokes: int, warmup: int) -> float:
        return time_invokes(self.set_inputs, self.interpreter.invoke, invokes, warmup)


def wheel_arena_size(model_bytes: bytes) -> int:
    """The arena handed to the TFLM wheel: its own guess (10x the file) is
    too small for models with small files and large activations
    (simple_add_int8); the size given does not change what TFLM uses."""
    return max(10 * len(model_bytes), 4 * 1024 * 1024)


def tflm_arena_from_wheel(model_path: Path) -> Optional[int]:
    """TFLM's arena total for `model_path`, from the wheel's allocation report.

    Run in a child process: the report is printed by C++ to the process's stdout.
    """
    code = (
        "import sys\nfrom tflite_micro import runtime\n"
        "m = open(sys.argv[1], 'rb').read()\n"
        "i = runtime.Interpreter.from_bytes(m, arena_size=max(10 * len(m), 4 << 20))\n"
        "i.print_allocations()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(model_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return parse_tflm_arena_total(done.stdout + done.stderr)


def seeded_inputs(model_bytes: bytes, seed: int) -> list:
    """The seeded inputs tools/tflm_diff.py would draw for its first run."""
    import numpy as np

    from random_inputs import model_inputs
    from tflite_model import summarize as summarize_model

    rng = np.random.default_rng([seed, zlib.crc32(model_bytes)])
    return model_inputs(rng, summarize_model(model_bytes))


# ---------------------------------------------------------------- main


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def default_microlite() -> Path:
    target = os.environ.get("CARGO_TARGET_DIR")
    base = Path(target) if target else ROOT / "target"
    return base / "release" / "microlite"


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "models", nargs="*", type=Path, help="models (default: the five issue-6 models)"
    )
    p.add_argument("--microlite", type=Path, default=None, help="the microlite binary")
    p.add_argument("--shared-dir", type=Path, default=DEFAULT_SHARED)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument(
        "--invokes", type=int, default=200, help="timed invokes per round (microlite, LiteRT)"
    )
    p.add_argument("--tflm-invokes", type=int, default=30, help="timed TFLM invokes per round")
    p.add_argument(
        "--warmup", type=int, default=5, help="untimed invokes before each round's timing"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--kernels", default="auto", help="microlite bench --kernels (auto, reference, ...)"
    )
    p.add_argument(
        "--taskset", type=int, metavar="CPU", default=None, help="pin everything to this CPU"
    )
    p.add_argument("--no-litert", action="store_true", help="skip LiteRT")
    p.add_argument("--json", action="store_true", help="print JSON instead of markdown")
    p.add_argument("--json-out", type=Path, default=None, help="also write the JSON to this file")
    p.add_argument(
        "--check", action="store_true", help="exit 1 unless every model passes the bar"
    )
    args = p.parse_args(argv)
    if args.rounds < 1 or args.invokes < 1 or args.tflm_invokes < 1 or args.warmup < 0:
        p.error("--rounds, --invokes and --tflm-invokes must be >= 1, --warmup >= 0")
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    import numpy as np

    if args.taskset is not None:
        # Children (microlite bench) inherit the affinity.
        os.sched_setaffinity(0, {args.taskset})
    binary = args.microlite or default_microlite()
    if not binary.is_file():
        log(f"peer_bench: no microlite binary at {binary} (cargo build --release -p microlite-cli)")
        return 2
    models = args.models or [args.shared_dir / f"{m}.tflite" for m in DEFAULT_MODELS]
    missing = [m for m in models if not m.is_file()]
    if missing:
        log(f"peer_bench: missing models: {', '.join(map(str, missing))}")
        return 2
    readme = args.shared_dir / "README.md"
    readme_arenas = parse_readme_arenas(readme.read_text()) if readme.is_file() else {}
    machine = machine_description()

    tmp = Path(tempfile.mkdtemp(prefix="peer_bench_"))
    results: list[ModelResult] = []
    runners: list[dict] = []
    try:
        for path in models:
            model_bytes = path.read_bytes()
            name = path.stem
            result = ModelResult(name)
            inputs = seeded_inputs(model_bytes, args.seed)
            files = []
            for k, array in enumerate(inputs):
                files.append(tmp / f"{name}_in_{k}.npy")
                np.save(files[-1], array)
            by_runtime = {MICROLITE: MicroliteRunner(binary, path, files, args.kernels)}
            by_runtime[TFLM] = TflmRunner(model_bytes, inputs)
            if not args.no_litert:
                for runtime, xnnpack in ((LITERT_BUILTIN, False), (LITERT_XNNPACK, True)):
                    try:
                        by_runtime[runtime] = LiteRTRunner(path, inputs, xnnpack)
                    except (ValueError, RuntimeError) as e:
                        result.refused[runtime] = str(e).split(".")[0]
                        log(f"{name}: LiteRT ({runtime}) refused: {result.refused[runtime]}")
            wheel_arena = tflm_arena_from_wheel(path)
            if wheel_arena is not None:
                result.tflm_arena, result.tflm_arena_source = wheel_arena, "wheel"
            elif name in readme_arenas:
                result.tflm_arena, result.tflm_arena_source = readme_arenas[name], "README"
            results.append(result)
            runners.append(by_runtime)

        for round_index in range(args.rounds):
            log(f"round {round_index + 1}/{args.rounds} (load {loadavg()})")
            for result, by_runtime in zip(results, runners):
                order = list(by_runtime)
                shift = round_index % len(order)
                for runtime in order[shift:] + order[:shift]:
                    invokes = args.tflm_invokes if runtime == TFLM else args.invokes
                    ns = by_runtime[runtime].measure(invokes, args.warmup)
                    result.rounds_ns.setdefault(runtime, []).append(ns)
                last = by_runtime[MICROLITE].last
                result.macs = last.get("macs")
                result.microlite_arena = last.get("arena_used_bytes")
                result.microlite_kernels = last.get("kernels")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    machine["loadavg_end"] = loadavg()
    settings = {
        "microlite": display_path(binary),
        "microlite_kernels": results[0].microlite_kernels if results else None,
        "rounds": args.rounds,
        "invokes": args.invokes,
        "tflm_invokes": args.tflm_invokes,
        "warmup": args.warmup,
        "seed": args.seed,
        "taskset": args.taskset,
    }
    rows = [summarize(r) for r in results]
    report = json.dumps({"machine": machine, "settings": settings, "models": rows}, indent=2)
    if args.json_out is not None:
        args.json_out.write_text(report + "\n")
    if args.json:
        print(report)
    else:
        print(render_header(machine, settings))
        print(render_table(rows), end="")
    if args.check and not all(r["passes_bar"] for r in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
