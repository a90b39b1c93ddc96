//! Prepares the harness for one model and one board, on the host:
//!
//! * `MICROLITE_FW_MODEL` (required): the `.tflite` file to embed. It is
//!   verified here, and `interpreter.rs` gets a resolver of exactly its ops,
//!   int8-only registrations where every use is int8, and the interpreter
//!   state prepared ahead of time with eval-only registrations (or, with
//!   the `runtime-prepare` feature, full registrations and no state), all
//!   written by microlite-build.
//! * With the `small-kernels` feature the state is sized for the small
//!   kernels (`Backend::Compact`) the firmware then links.
//! * `MICROLITE_FW_BOARD`: `mps2-an386` (default), `mps2-an505`,
//!   `mps3-an547` or `microbit`; picks `memory/<board>.x` and the arena size.

use std::env;
use std::fs;
use std::path::PathBuf;

/// Boards, with the static arena each gets (what its RAM leaves after the
/// stack and the harness's own data).
const BOARDS: [(&str, usize); 5] = [
    ("mps2-an386", 1024 * 1024),
    ("mps2-an505", 1024 * 1024),
    ("mps3-an547", 384 * 1024),
    ("microbit", 9 * 1024),
    // A micro:bit with room for a model larger than its flash: build only.
    ("microbit-large", 9 * 1024),
];

fn main() {
    println!("cargo:rerun-if-env-changed=MICROLITE_FW_MODEL");
    println!("cargo:rerun-if-env-changed=MICROLITE_FW_BOARD");
    println!("cargo:rerun-if-changed=memory");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));

    let model = env::var("MICROLITE_FW_MODEL")
        .expect("set MICROLITE_FW_MODEL to the absolute path of the .tflite to embed");
    println!("cargo:rerun-if-changed={model}");
    let file = microlite_build::ModelFile::read(&model).unwrap_or_else(|e| panic!("{model}: {e}"));
    let source = if env::var_os("CARGO_FEATURE_RUNTIME_PREPARE").is_some() {
        file.resolver_source("resolver")
    } else {
        // Prepared ahead of time: eval-only registrations and the state
        // (records, op data, head size) as a static in flash.
        file.eval_only_resolver_source("resolver")
            .and_then(|mut source| {
                // Planned on the host, so the full search costs no start-up.
                let options = microlite::Options {
                    plan_search: microlite::PlanSearch::THOROUGH,
                    ..microlite::Options::default()
                };
                // Scratch sized for the kernels this firmware links.
                let kernels = if env::var_os("CARGO_FEATURE_SMALL_KERNELS").is_some() {
                    microlite::kernels::Backend::Compact
                } else {
                    microlite::kernels::Backend::CortexM
                };
                source += &file.prepared_source_for("PREPARED", options, kernels)?;
                Ok(source)
            })
    }
    .unwrap_or_else(|e| panic!("{model}: {e}"));
    fs::write(out.join("interpreter.rs"), source).expect("write interpreter.rs");

    let board = env::var("MICROLITE_FW_BOARD").unwrap_or_else(|_| "mps2-an386".into());
    let (_, arena) = BOARDS
        .iter()
        .find(|(name, _)| *name == board)
        .unwrap_or_else(|| panic!("unknown board {board}; one of {BOARDS:?}"));
    let memory = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"))
        .join("memory")
        .join(format!("{board}.x"));
    fs::copy(&memory, out.join("memory.x")).expect("copy memory.x");
    // cortex-m-rt's `device` feature includes device.x (interrupt handler
    // names); the harness has no device interrupts.
    fs::write(out.join("device.x"), "/* no device interrupts */\n").expect("write device.x");
    fs::write(
        out.join("board.rs"),
        format!(
            "/// The board this build is for.\npub const BOARD: &str = {board:?};\n\
             /// Bytes of the static arena.\npub const ARENA_BYTES: usize = {arena};\n"
        ),
    )
    .expect("write board.rs");
    println!("cargo:rustc-link-search={}", out.display());
}
