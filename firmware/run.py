#!/usr/bin/env python3
"""Builds the firmware harness for every model and core, runs it under QEMU,
checks its outputs against the TFLM wheel and reports flash, RAM and
instruction counts.

    .venv-ci/bin/python firmware/run.py [--cores m4,m33,m55,m0] [--models kws01_dscnn_int8,...]
        [--shared ../shared/models] [--json report.json] [--markdown report.md] [--check]
        [--speed]

For each model: the inputs (the real sample inputs where ../shared/models has
them, else seeded random ones), TFLM's outputs for them (the oracle), then per
core a release build (opt-level "s", fat LTO) with exactly the model's ops,
one QEMU run with the instruction-counting plugin, and the comparison of
every output with TFLM's: integers bit for bit, float32 within
1e-5 + 1e-5*|ref|.

Variants (report keys): `<core>` is the default firmware, interpreter state
prepared ahead of time by build.rs (Interpreter::from_prepared, model
verified on the target, the fast kernels, opt-level "s"); on M4 also
`m4-runtime` (prepared and planned on the target by Interpreter::new, as
TFLM does), and for kws01 and person_detect the size build `m4-small` (the
small kernels, feature `small-kernels`), `m4-trusted` (the size build with
Model::from_bytes_trusted) and, with --speed, `<core>-speed` (opt-level 3)
of the MLPerf Tiny models and person_detect on M4, M33 and M55.

Before the models, on M4, M33 and M55, the kernel self-test
(src/bin/kernel_check.rs) runs seeded random conv, depthwise and fully
connected cases
through the Cortex-M kernels (DSP, Helium) and the reference kernels on
the target and compares them bit for bit.

--check exits 1 if any output differs, any run fails, or a budget is
exceeded; the budgets are those of the Cortex-M issues: flash of the size
build with both loaders, start-up instructions of both the prepared-ahead and
the runtime-prepare firmware against TFLM's, the default firmware's arena
against TFLM's 32-bit arena, invoke instructions against the earlier
microlite build, and with --speed the Cortex-M kernels' targets: the M4
speed build's invoke instructions for kws01, ic01 and person_detect at most
0.7x TFLM + CMSIS-NN's, and M55's at most half of the M4's.

Needs qemu-system-arm, binutils-arm-none-eabi, the rustup targets, a C
compiler (for the QEMU plugin) and numpy + tflite-micro (tools/requirements-ci.txt).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

FIRMWARE = Path(__file__).resolve().parent
ROOT = FIRMWARE.parent
sys.path.insert(0, str(ROOT / "tools"))

from random_inputs import model_inputs  # noqa: E402
from tensor_compare import compare  # noqa: E402
from tflite_model import summarize  # noqa: E402
from tflm_oracle import TflmOracle  # noqa: E402


@dataclass(frozen=True)
class Core:
    name: str
    target: str
    cpu: str
    board: str
    machine: str
    # Flash and RAM the board's memory map (firmware/memory/*.x) gives.
    flash: int
    ram: int


CORES = {
    "m4": Core("m4", "thumbv7em-none-eabihf", "", "mps2-an386", "mps2-an386",
               4 << 20, 4 << 20),
    "m33": Core("m33", "thumbv8m.main-none-eabihf", "cortex-m33", "mps2-an505", "mps2-an505",
                4 << 20, 2 << 20),
    "m55": Core("m55", "thumbv8m.main-none-eabihf", "cortex-m55", "mps3-an547", "mps3-an547",
                512 << 10, 512 << 10),
    "m0": Core("m0", "thumbv6m-none-eabi", "cortex-m0", "microbit", "microbit",
               256 << 10, 16 << 10),
}

# Every shared model the issue names (file stems in ../shared/models).
MODELS = [
    "hello_world_int8",
    "hello_world_float",
    "micro_speech_quantized",
    "magic_wand_float",
    "ad01_fc_autoencoder_int8",
    "kws01_dscnn_int8",
    "ic01_resnet8_int8",
    "vww01_mobilenet_96_int8",
    "person_detect",
    "simple_add_int8",
]

# TFLM's arena on a 32-bit Cortex-M4 (reference kernels, arena_used_bytes()
# after AllocateTensors), measured with TFLM 90b983c2 built by
# arm-none-eabi-gcc 12.2 and run under QEMU mps2-an386; see docs/embedded.md.
TFLM_ARENA_32BIT = {
    "hello_world_int8": 676,
    "hello_world_float": 736,
    "micro_speech_quantized": 6_788,
    "magic_wand_float": 15_168,
    "ad01_fc_autoencoder_int8": 2_260,
    "kws01_dscnn_int8": 22_772,
    "ic01_resnet8_int8": 54_340,
    "vww01_mobilenet_96_int8": 100_660,
    "person_detect": 82_292,
    "simple_add_int8": 49_604,
}

# The Cortex-M issue's reference figures (Cortex-M4, instructions).
TFLM_LOAD_NEW = {"kws01_dscnn_int8": 780_000, "person_detect": 2_760_000}
EARLIER_INVOKE = {
    "kws01_dscnn_int8": 23_500_000,
    "ic01_resnet8_int8": 96_500_000,
    "person_detect": 72_300_000,
}
# The Cortex-M kernels issue's targets: invoke instructions of the speed
# build (opt-level 3) on Cortex-M4 (0.7x TFLM + CMSIS-NN), and Cortex-M55
# (Helium) at most half of microlite's own M4 count on the same model.
SPEED_INVOKE = {
    "kws01_dscnn_int8": 5_400_000,
    "ic01_resnet8_int8": 20_900_000,
    "person_detect": 16_100_000,
}
HELIUM_RATIO_BUDGET = 0.5
# Flash budgets, bytes (everything but the model), Cortex-M4, opt-level "s",
# the small kernels (the size build: `m4-small`, `m4-trusted`).
FLASH_BUDGET = {
    ("kws01_dscnn_int8", "verify"): 48_000,
    ("kws01_dscnn_int8", "trusted"): 40_000,
    ("person_detect", "verify"): 56_000,
}
ARENA_RATIO_BUDGET = 0.75


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- inputs


def bmp_input(path: Path) -> np.ndarray:
    data = path.read_bytes()
    pixels = np.frombuffer(data[1078:1078 + 96 * 96], dtype=np.uint8).reshape(96, 96)
    return (pixels[::-1].astype(np.int16) - 128).astype(np.int8).reshape(1, 96, 96, 1)


def input_sets(name: str, shared: Path, model_bytes: bytes) -> list[tuple[str, list[np.ndarray]]]:
    """(label, one array per model input) for each input set of `name`."""
    summary = summarize(model_bytes)
    if name == "kws01_dscnn_int8":
        raw = np.fromfile(shared / "kws01_ref_input_i8_49x10.bin", dtype=np.int8)
        return [("kws01_ref_input", [raw.reshape(1, 49, 10, 1)])]
    if name == "ic01_resnet8_int8":
        raw = np.fromfile(shared / "ic01_ref_input_u8_32x32x3.bin", dtype=np.uint8)
        x = (raw.astype(np.int16) - 128).astype(np.int8).reshape(1, 32, 32, 3)
        return [("ic01_ref_input", [x])]
    if name == "person_detect":
        return [("person.bmp", [bmp_input(shared / "person.bmp")]),
                ("no_person.bmp", [bmp_input(shared / "no_person.bmp")])]
    if name == "ad01_fc_autoencoder_int8":
        values = np.fromfile(
            shared / "ad01_ref_input_normal_id_01_00000000_hist_librosa.bin", dtype="<f4")[:640]
        info = summary.tensors[summary.inputs[0]]
        q = info.quantization
        x = np.clip(np.round(values / q.scales[0]) + q.zero_points[0], -128, 127)
        return [("ad01_ref_input[0:640]", [x.astype(np.int8).reshape(info.shape)])]
    rng = np.random.default_rng([0, len(model_bytes)])
    return [("seeded random", model_inputs(rng, summary))]


# ---------------------------------------------------------------- build


@dataclass
class Build:
    elf: Path
    seconds: float


def rustflags(core: Core) -> str:
    """Link with cortex-m-rt's script; name the CPU where the target triple
    alone would leave out its features (the M33's DSP extension, the M55's
    Helium). thumbv7em already is the M4's instruction set."""
    cpu = f" -C target-cpu={core.cpu}" if core.cpu else ""
    return "-C link-arg=-Tlink.x" + cpu


@dataclass(frozen=True)
class Variant:
    """One firmware configuration: report key suffix, cargo profile and
    features."""
    suffix: str
    profile: str
    features: tuple[str, ...]


# The default firmware: interpreter state prepared ahead of time by build.rs
# (Interpreter::from_prepared), model verified on the target, the fast
# kernels (Backend::CortexM).
AHEAD = Variant("", "release", ())
# The size build: the same with the small kernels (Backend::Compact).
SMALL = Variant("-small", "release", ("small-kernels",))
# The size build with the model loaded by Model::from_bytes_trusted.
TRUSTED = Variant("-trusted", "release", ("trusted", "small-kernels"))
# Prepared and planned on the target (Interpreter::new, as TFLM's
# AllocateTensors).
RUNTIME = Variant("-runtime", "release", ("runtime-prepare",))
SPEED = Variant("-speed", "speed", ())
# The models --speed builds at opt-level 3 (the MLPerf Tiny ones).
SPEED_MODELS = ("kws01_dscnn_int8", "ic01_resnet8_int8", "vww01_mobilenet_96_int8",
                "ad01_fc_autoencoder_int8", "person_detect")


def build(core: Core, model: Path, variant: Variant, board: Optional[str] = None) -> Build:
    profile = variant.profile
    target_dir = FIRMWARE / "target" / f"{core.name}{variant.suffix or '-release'}"
    env = dict(os.environ)
    env.update({
        "MICROLITE_FW_MODEL": str(model.resolve()),
        "MICROLITE_FW_BOARD": board or core.board,
        "RUSTFLAGS": rustflags(core),
        "CARGO_TARGET_DIR": str(target_dir),
    })
    env.pop("CARGO_ENCODED_RUSTFLAGS", None)
    command = ["cargo", "build", "--quiet", "--profile", profile, "--target", core.target,
               "--bin", "microlite-firmware"]
    if variant.features:
        command += ["--features", ",".join(variant.features)]
    started = time.monotonic()
    subprocess.run(command, cwd=FIRMWARE, env=env, check=True)
    profile_dir = "release" if profile == "release" else profile
    elf = target_dir / core.target / profile_dir / "microlite-firmware"
    return Build(elf, time.monotonic() - started)


# Cores whose Cortex-M kernels run target-specific code (DSP, Helium).
KERNEL_CHECK_CORES = ("m4", "m33", "m55")


def kernel_check(core: Core, failures: list[str]) -> dict:
    """Builds and runs src/bin/kernel_check.rs on `core`: seeded random conv,
    depthwise and fully connected cases, the Cortex-M kernels against the
    reference."""
    target_dir = FIRMWARE / "target" / f"{core.name}-kernel-check"
    env = dict(os.environ)
    env.update({
        # build.rs wants a model; the self-test does not use it.
        "MICROLITE_FW_MODEL": str(ROOT / "reference-models/models/mlp_int8/model.tflite"),
        "MICROLITE_FW_BOARD": core.board,
        "RUSTFLAGS": rustflags(core),
        "CARGO_TARGET_DIR": str(target_dir),
    })
    env.pop("CARGO_ENCODED_RUSTFLAGS", None)
    subprocess.run(["cargo", "build", "--quiet", "--release", "--target", core.target,
                    "--bin", "kernel_check"], cwd=FIRMWARE, env=env, check=True)
    elf = target_dir / core.target / "release" / "kernel_check"
    command = ["qemu-system-arm", "-M", core.machine, "-nographic", "-monitor", "none",
               "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
        lines = proc.stdout.splitlines()
    except subprocess.TimeoutExpired:
        proc, lines = None, ["error QEMU timed out after 600 s"]
    counts = next((l.split() for l in lines if l.startswith("kernel_check ")), None)
    if proc is None or proc.returncode != 0 or "ok" not in lines or counts is None:
        detail = "; ".join(l for l in lines if l.startswith(("error", "panic"))) or "no result"
        failures.append(f"kernel check on {core.name}: {detail}")
        log(f"kernel check {core.name}: FAILED: {detail}")
        return {"ok": False, "detail": detail}
    result = {"ok": True, "conv_cases": int(counts[2]), "depthwise_cases": int(counts[4]),
              "fully_connected_cases": int(counts[6])}
    log(f"kernel check {core.name}: Cortex-M kernels = reference on {result['conv_cases']} conv, "
        f"{result['depthwise_cases']} depthwise and {result['fully_connected_cases']} "
        "fully connected cases")
    return result


# ---------------------------------------------------------------- sizes


PARTS = [
    ("kernels", ("microlite_kernels::",)),
    ("ops", ("microlite_ops::",)),
    ("model", ("microlite_model::",)),
    ("arena", ("microlite_arena::",)),
    ("interpreter", ("microlite::",)),
    # The interpreter state build.rs prepared (records, per-channel tables).
    ("prepared state", ("microlite_firmware::PREPARED",)),
    ("harness", ("microlite_firmware::",)),
]


def part_of(name: str) -> str:
    for part, prefixes in PARTS:
        if name.startswith(prefixes):
            return part
    # Compiler-generated tables carry the mangled name of their function.
    for part, prefixes in PARTS:
        crate = prefixes[0].rstrip(":")
        if re.search(r"\d" + re.escape(crate) + r"\d", name):
            return part
    return "runtime"


def sizes(elf: Path) -> dict:
    out = subprocess.run(["arm-none-eabi-size", "-A", str(elf)], capture_output=True,
                         text=True, check=True).stdout
    sections = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith("."):
            sections[parts[0]] = int(parts[1])
    flash = sum(sections.get(s, 0) for s in (".vector_table", ".text", ".rodata", ".data",
                                              ".gnu.sgstubs"))
    nm = subprocess.run(["arm-none-eabi-nm", "-S", "-C", "--defined-only", str(elf)],
                        capture_output=True, text=True, check=True).stdout
    model_bytes = 0
    by_part: dict[str, int] = {}
    for line in nm.splitlines():
        fields = line.split(maxsplit=3)
        if len(fields) != 4 or fields[2] not in "tTrRdD":
            continue
        size = int(fields[1], 16)
        name = fields[3]
        if name.endswith("model_bytes::BYTES"):
            model_bytes = size
            continue
        part = part_of(name)
        by_part[part] = by_part.get(part, 0) + size
    accounted = sum(by_part.values())
    code = flash - model_bytes
    by_part["unattributed (padding, vector table)"] = code - accounted
    return {
        "flash_bytes": flash,
        "model_bytes": model_bytes,
        "flash_without_model": code,
        "flash_split": by_part,
        "data_bytes": sections.get(".data", 0),
        "bss_bytes": sections.get(".bss", 0) + sections.get(".uninit", 0),
    }


# ---------------------------------------------------------------- run


def plugin() -> Path:
    out = FIRMWARE / "target" / "libinsn_count.so"
    source = FIRMWARE / "qemu-plugin" / "insn_count.c"
    if not out.exists() or out.stat().st_mtime < source.stat().st_mtime:
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(out), str(source)],
                       check=True)
    return out


@dataclass
class Run:
    ok: bool
    lines: list[str]
    marks: list[tuple[str, int]] = field(default_factory=list)
    error: Optional[str] = None


def marker_address(elf: Path) -> str:
    nm = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True,
                        check=True).stdout
    for line in nm.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "microlite_fw_mark":
            return "0x" + parts[0]
    raise RuntimeError(f"{elf}: no microlite_fw_mark symbol")


def run_qemu(core: Core, elf: Path, input_files: list[list[Path]], work: Path,
             profile_mark: Optional[int] = None) -> Run:
    counts = work / "counts.txt"
    if counts.exists():
        counts.unlink()
    profile = "" if profile_mark is None else f",profile={profile_mark}"
    semihosting = "enable=on,target=native,arg=fw"
    for files in input_files:
        semihosting += ",arg=" + ",".join(str(f) for f in files).replace(",", ",,")
    command = [
        "qemu-system-arm", "-M", core.machine, "-nographic", "-monitor", "none",
        "-semihosting-config", semihosting, "-kernel", str(elf),
        "-plugin", f"{plugin()},marker={marker_address(elf)},out={counts}{profile}",
    ]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return Run(False, [], error="QEMU timed out after 600 s")
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or "ok" not in lines:
        detail = "; ".join(l for l in lines if l.startswith(("error", "panic"))) or \
            (proc.stderr.strip()[-300:] or f"exit status {proc.returncode}")
        return Run(False, lines, error=detail)
    values = [int(l.split()[1]) for l in counts.read_text().splitlines()
              if l.startswith("mark ")]
    labels = next(l for l in lines if l.startswith("marks")).split()[1:]
    if len(labels) != len(values):
        return Run(False, lines, error=f"{len(labels)} labels but {len(values)} marks")
    return Run(True, lines, list(zip(labels, values)))


def flat_profile(elf: Path, counts: Path, top: int) -> list[tuple[int, str]]:
    """Instructions per function from the plugin's block counts."""
    nm = subprocess.run(["arm-none-eabi-nm", "-C", "--defined-only", "-n", str(elf)],
                        capture_output=True, text=True, check=True).stdout
    symbols = []
    for line in nm.splitlines():
        parts = line.split(maxsplit=2)
        if len(parts) == 3 and parts[1] in "tTwW":
            symbols.append((int(parts[0], 16) & ~1, parts[2]))
    symbols.sort()
    addresses = [a for a, _ in symbols]
    import bisect
    per: dict[str, int] = {}
    for line in counts.read_text().splitlines():
        if line.startswith("block "):
            _, pc, n = line.split()
            i = bisect.bisect_right(addresses, int(pc, 16)) - 1
            name = symbols[i][1] if i >= 0 else "?"
            per[name] = per.get(name, 0) + int(n)
    return sorted(((n, f) for f, n in per.items()), reverse=True)[:top]


def phases(marks: list[tuple[str, int]]) -> dict:
    """Instructions between each label and its closing `/label` (first pair)."""
    out: dict = {}
    open_at: dict[str, int] = {}
    for label, count in marks:
        if label.startswith("/"):
            name = label[1:]
            if name in open_at and name not in out:
                out[name] = count - open_at.pop(name)
        else:
            open_at.setdefault(label, count)
    return out


def parse_outputs(lines: list[str]) -> dict[tuple[int, int], bytes]:
    out = {}
    for line in lines:
        if line.startswith("output "):
            _, n, k, hexbytes = (line.split() + [""])[:4]
            out[(int(n), int(k))] = bytes.fromhex(hexbytes)
    return out


def value(lines: list[str], key: str) -> Optional[int]:
    for line in lines:
        if line.startswith(key + " "):
            return int(line.split()[1])
    return None


# ---------------------------------------------------------------- main


# Flash the firmware needs besides the model, with room to spare.
FLASH_HEADROOM = 64 << 10

# The static arena build.rs gives each board.
BOARD_ARENA = {"m4": 1 << 20, "m33": 1 << 20, "m55": 384 << 10, "m0": 9 << 10}


def fits(core: Core, model_size: int, arena_bytes: Optional[int]) -> bool:
    """Whether the model fits the board: flash for the model and the
    firmware, and an arena (when measured on an earlier core) within the
    board's. Otherwise the firmware reports the arena it lacks."""
    if model_size + FLASH_HEADROOM > core.flash:
        return False
    return arena_bytes is None or arena_bytes <= BOARD_ARENA[core.name]


def check_model(name: str, args, cores: list[Core], report: dict, failures: list[str]) -> None:
    path = args.shared / f"{name}.tflite"
    model_bytes = path.read_bytes()
    summary = summarize(model_bytes)
    sets = input_sets(name, args.shared, model_bytes)
    oracle = TflmOracle(model_bytes)
    golden = []
    for _, arrays in sets:
        tensors = oracle.run(arrays)
        golden.append([tensors[t] for t in summary.outputs])
    work = Path(tempfile.mkdtemp(prefix=f"fw-{name}-"))
    files = []
    for s, (_, arrays) in enumerate(sets):
        paths = []
        for k, array in enumerate(arrays):
            p = work / f"set{s}_in{k}.bin"
            np.ascontiguousarray(array).tofile(p)
            paths.append(p)
        files.append(paths)
    entry = report.setdefault(name, {"inputs": [label for label, _ in sets], "cores": {}})
    host_arena = None
    for core in cores:
        variants = [AHEAD]
        if core.name == "m4":
            variants.append(RUNTIME)
            if name in ("kws01_dscnn_int8", "person_detect"):
                variants += [SMALL, TRUSTED]
        if args.speed and core.name in ("m4", "m33", "m55") and name in SPEED_MODELS:
            variants.append(SPEED)
        for variant in variants:
            key = core.name + variant.suffix
            if len(model_bytes) + FLASH_HEADROOM > core.flash:
                # Cannot even link for this board: build for a copy of it
                # with more flash, to prove the build and measure the code.
                b = build(core, path, variant, board=f"{core.board}-large")
            else:
                b = build(core, path, variant)
            result = {"build_seconds": round(b.seconds, 1), **sizes(b.elf)}
            entry["cores"][key] = result
            if not fits(core, len(model_bytes), host_arena):
                result["ran"] = "build only: the model does not fit the board"
                log(f"{name} {key}: built, flash {result['flash_without_model']} B "
                    f"(+ model {result['model_bytes']}); does not fit {core.board}, not run")
                continue
            r = run_qemu(core, b.elf, files, work)
            needed = value(r.lines, "arena_needed")
            if not r.ok and needed is not None:
                result["ran"] = f"build only: the model needs a {needed}-byte arena, more than " \
                    f"{core.board} holds"
                log(f"{name} {key}: built, flash {result['flash_without_model']} B; needs a "
                    f"{needed}-byte arena, more than {core.board}'s RAM holds; not run")
                continue
            if not r.ok:
                result["ran"] = "failed"
                result["error"] = r.error
                failures.append(f"{name} {key}: {r.error}")
                log(f"{name} {key}: FAILED: {r.error}")
                continue
            got = parse_outputs(r.lines)
            mismatches = []
            for s, outputs in enumerate(golden):
                for k, want in enumerate(outputs):
                    raw = got.get((s, k))
                    if raw is None:
                        mismatches.append(f"set {s} output {k} missing")
                        continue
                    array = np.frombuffer(raw, dtype=want.dtype).reshape(want.shape)
                    m = compare(array, want)
                    if m is not None:
                        mismatches.append(f"set {s} output {k}: {m}")
            p = phases(r.marks)
            ops = []
            for op in summary.operators:
                count = p.get(f"op{op.index}")
                if count is not None:
                    ops.append({"index": op.index, "op": op.name, "instructions": count})
            result.update({
                "ran": "ok",
                "outputs_equal_tflm": not mismatches,
                "arena_used_bytes": value(r.lines, "arena_used_bytes"),
                "stack_bytes": value(r.lines, "stack_bytes"),
                "instructions": {"load": p.get("load"), "new": p.get("new"),
                                 "invoke": p.get("invoke")},
                "per_op": ops,
            })
            host_arena = host_arena or result["arena_used_bytes"]
            if mismatches:
                failures.append(f"{name} {key}: outputs differ from TFLM: {mismatches}")
            ins = result["instructions"]
            log(f"{name} {key}: {'outputs = TFLM' if not mismatches else 'MISMATCH'}, "
                f"flash {result['flash_without_model']} B (+ model {result['model_bytes']}), "
                f"arena {result['arena_used_bytes']}, stack {result['stack_bytes']}, "
                f"load {ins['load']}, new {ins['new']}, invoke {ins['invoke']}")
    shutil.rmtree(work, ignore_errors=True)


def check_budgets(report: dict, failures: list[str]) -> list[str]:
    lines = []

    def check(ok: bool, text: str) -> None:
        lines.append(("ok   " if ok else "OVER ") + text)
        if not ok:
            failures.append("budget: " + text)

    for (name, loader), budget in FLASH_BUDGET.items():
        key = "m4-small" if loader == "verify" else "m4-trusted"
        got = report.get(name, {}).get("cores", {}).get(key, {}).get("flash_without_model")
        if got is not None:
            check(got <= budget, f"{name} flash ({loader} loader) {got} B <= {budget} B")
    for name, budget in TFLM_LOAD_NEW.items():
        for key, what in (("m4", "Interpreter::from_prepared"), ("m4-runtime", "Interpreter::new")):
            ins = report.get(name, {}).get("cores", {}).get(key, {}).get("instructions")
            if ins and ins.get("load") is not None:
                total = ins["load"] + ins["new"]
                check(total <= budget, f"{name} load + {what} {total} <= {budget} "
                      "instructions (TFLM's GetModel + AllocateTensors)")
    for name, budget in EARLIER_INVOKE.items():
        ins = report.get(name, {}).get("cores", {}).get("m4", {}).get("instructions")
        if ins and ins.get("invoke") is not None:
            check(ins["invoke"] <= budget, f"{name} invoke {ins['invoke']} <= {budget} "
                  "instructions (the earlier microlite build)")
    for name, budget in SPEED_INVOKE.items():
        cores = report.get(name, {}).get("cores", {})
        m4 = cores.get("m4-speed", {}).get("instructions", {}).get("invoke")
        m55 = cores.get("m55-speed", {}).get("instructions", {}).get("invoke")
        if m4 is not None:
            check(m4 <= budget, f"{name} invoke {m4} <= {budget} instructions (M4, opt-level 3)")
            if m55 is not None:
                ratio = m55 / m4
                check(ratio <= HELIUM_RATIO_BUDGET, f"{name} invoke on M55 {m55} = {ratio:.2f} x "
                      f"M4's <= {HELIUM_RATIO_BUDGET}")
    for name, tflm in TFLM_ARENA_32BIT.items():
        got = report.get(name, {}).get("cores", {}).get("m4", {}).get("arena_used_bytes")
        if got is not None:
            ratio = got / tflm
            check(ratio <= ARENA_RATIO_BUDGET, f"{name} arena {got} B = {ratio:.2f} x TFLM's "
                  f"32-bit {tflm} B <= {ARENA_RATIO_BUDGET}")
    return lines


def markdown(report: dict) -> str:
    out = ["| model | core | flash w/o model | model | .data | .bss | arena | stack | "
           "load | new | invoke |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, entry in report.items():
        for key, r in entry["cores"].items():
            ins = r.get("instructions", {})

            def num(v):
                return f"{v:,}" if isinstance(v, int) else "—"
            out.append(f"| {name} | {key} | {num(r['flash_without_model'])} | "
                       f"{num(r['model_bytes'])} | {num(r['data_bytes'])} | "
                       f"{num(r['bss_bytes'])} | {num(r.get('arena_used_bytes'))} | "
                       f"{num(r.get('stack_bytes'))} | {num(ins.get('load'))} | "
                       f"{num(ins.get('new'))} | {num(ins.get('invoke'))} |")
    return "\n".join(out) + "\n"


def profile_phase(args) -> int:
    core = CORES[args.cores.split(",")[0]]
    name = args.models.split(",")[0]
    path = args.shared / f"{name}.tflite"
    model_bytes = path.read_bytes()
    work = Path(tempfile.mkdtemp(prefix=f"fw-{name}-"))
    files = []
    for s_, (_, arrays) in enumerate(input_sets(name, args.shared, model_bytes)):
        paths = []
        for k, array in enumerate(arrays):
            p = work / f"set{s_}_in{k}.bin"
            np.ascontiguousarray(array).tofile(p)
            paths.append(p)
        files.append(paths)
    b = build(core, path, SPEED if args.speed else RUNTIME if args.runtime else AHEAD)
    first = run_qemu(core, b.elf, files, work)
    if not first.ok:
        print(first.error)
        return 1
    labels = [label for label, _ in first.marks]
    index = labels.index(args.profile)
    r = run_qemu(core, b.elf, files, work, profile_mark=index)
    total = phases(r.marks).get(args.profile)
    print(f"{name} on {core.name}: {args.profile} = {total:,} instructions")
    for n, f in flat_profile(b.elf, work / "counts.txt", 40):
        print(f"{n:>12,}  {100 * n / total:5.1f}%  {f[:110]}")
    if args.blocks:
        print(f"hottest basic blocks of {b.elf}:")
        blocks = []
        for line in (work / "counts.txt").read_text().splitlines():
            if line.startswith("block "):
                _, pc, n = line.split()
                blocks.append((int(n), pc))
        for n, pc in sorted(blocks, reverse=True)[:args.blocks]:
            print(f"{n:>12,}  {100 * n / total:5.1f}%  {pc}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", default="m4,m33,m55,m0")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "models")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--speed", action="store_true",
                        help="also build the MLPerf Tiny models and person_detect at opt-level 3 "
                        "on M4, M33 and M55")
    parser.add_argument("--check", action="store_true", help="exit 1 on any failure or budget")
    parser.add_argument("--runtime", action="store_true",
                        help="with --profile: the runtime-prepare build")
    parser.add_argument("--blocks", type=int, default=0, metavar="N",
                        help="with --profile: also list the N hottest basic blocks by address")
    parser.add_argument("--profile", metavar="PHASE",
                        help="print a flat per-function instruction profile of PHASE "
                             "(load, new, invoke, op<i>) of the first model on the first core")
    args = parser.parse_args()
    if args.profile:
        return profile_phase(args)
    if not args.shared.is_dir():
        print(f"firmware: skipped: {args.shared} not found")
        return 0
    cores = [CORES[c] for c in args.cores.split(",") if c]
    report: dict = {}
    failures: list[str] = []
    checks = {c.name: kernel_check(c, failures) for c in cores if c.name in KERNEL_CHECK_CORES}
    for name in [m for m in args.models.split(",") if m]:
        check_model(name, args, cores, report, failures)
    budget_lines = check_budgets(report, failures)
    for line in budget_lines:
        print(line)
    if args.json:
        args.json.write_text(json.dumps({**report, "kernel_check": checks}, indent=1) + "\n")
    if args.markdown:
        args.markdown.write_text(markdown(report))
    print(markdown(report))
    print(f"firmware: {len(failures)} failures")
    for f in failures:
        print("  " + f)
    return 1 if failures and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
