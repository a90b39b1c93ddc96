//! Tells the crate which Cortex-M instruction set extensions the target has,
//! as `cfg`s (stable Rust does not expose Arm target features to `cfg`):
//!
//! * `microlite_arm_dsp`: the DSP extension (`SMLAD`, `SXTB16`, ...):
//!   every ARMv7E-M target (`thumbv7em-*`: Cortex-M4, M7), and ARMv8-M
//!   Mainline (`thumbv8m.main-*`) when `-C target-cpu` names a core that
//!   has it (Cortex-M33, M35P, M55, M85) or `-C target-feature=+dsp` is
//!   given.
//! * `microlite_arm_mve`: the integer M-profile Vector Extension (Helium):
//!   `-C target-cpu=cortex-m55`/`cortex-m85` or `+mve`.
//!
//! Setting `MICROLITE_KERNELS_PORTABLE=1` turns both off (to measure the
//! portable kernels on a core that has the extensions).
//!
//! It also finds the kernel modules: every `src/*.rs` but `lib.rs` and the
//! modules with submodules of their own (a same-named folder: `cortex_m`),
//! which `lib.rs` declares itself, becomes a public module of the crate.
//! Adding an op's kernel is then adding its file (docs/adding-an-op.md).
#![allow(clippy::expect_used, clippy::unwrap_used)] // a build script reports by panicking

use std::env;
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    write_kernel_modules();
    println!("cargo::rustc-check-cfg=cfg(microlite_arm_dsp)");
    println!("cargo::rustc-check-cfg=cfg(microlite_arm_mve)");
    println!("cargo::rerun-if-env-changed=MICROLITE_KERNELS_PORTABLE");
    let target = env::var("TARGET").unwrap_or_default();
    if env::var_os("MICROLITE_KERNELS_PORTABLE").is_some() || !target.starts_with("thumbv") {
        return;
    }
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let flags: Vec<&str> = flags.split('\u{1f}').collect();
    let cpu = value_of(&flags, "target-cpu").unwrap_or_default();
    let features = value_of(&flags, "target-feature").unwrap_or_default();
    let has = |feature: &str| {
        features
            .split(',')
            .any(|f| f.strip_prefix('+') == Some(feature))
    };
    let helium_cpu = matches!(cpu.as_str(), "cortex-m55" | "cortex-m85");
    let dsp_cpu = helium_cpu || matches!(cpu.as_str(), "cortex-m33" | "cortex-m35p");
    let dsp = target.starts_with("thumbv7em")
        || (target.starts_with("thumbv8m.main") && (dsp_cpu || has("dsp")));
    let mve = target.starts_with("thumbv8m.main") && (helium_cpu || has("mve"));
    if dsp {
        println!("cargo::rustc-cfg=microlite_arm_dsp");
    }
    if mve {
        println!("cargo::rustc-cfg=microlite_arm_mve");
    }
}

/// The value of `-C name=value` (or `-Cname=value`) in the encoded flags;
/// the last one wins, as with rustc.
fn value_of(flags: &[&str], name: &str) -> Option<String> {
    let mut found = None;
    let mut iter = flags.iter().peekable();
    while let Some(flag) = iter.next() {
        let option = if *flag == "-C" {
            iter.next().copied()
        } else {
            flag.strip_prefix("-C")
        };
        if let Some(value) = option
            .and_then(|o| o.strip_prefix(name))
            .and_then(|o| o.strip_prefix('='))
        {
            found = Some(value.to_string());
        }
    }
    found
}

/// Writes `$OUT_DIR/kernel_modules.rs`: a `pub mod` for every kernel file.
fn write_kernel_modules() {
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("src");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut modules: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("src is readable")
        .map(|entry| entry.expect("src entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .filter(|path| path.file_name().is_some_and(|n| n != "lib.rs"))
        .filter(|path| !path.with_extension("").is_dir())
        .map(|path| {
            let name = path
                .file_stem()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            (name, path.display().to_string())
        })
        .collect();
    modules.sort();
    let mut out = String::new();
    for (name, path) in &modules {
        writeln!(out, "#[path = {path:?}]\npub mod {name};").unwrap();
    }
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("kernel_modules.rs"), out)
        .expect("OUT_DIR is writable");
}
