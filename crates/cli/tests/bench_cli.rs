//! `microlite bench`: its JSON report, `--input` files, `--kernels`, `--no-in-place`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use microlite_host::golden::CaseArrays;
use microlite_host::npy_io;
use serde_json::Value;

fn case_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference-models/models/mlp_int8")
}

/// The case's array `name` (packed or loose) as a .npy file of its own, for `--input`.
fn case_array_file(name: &str) -> PathBuf {
    let array = CaseArrays::open(&case_dir()).unwrap().get(name).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench_cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    npy_io::write(&path, array.dtype, &array.shape, &array.bytes).unwrap();
    path
}

fn bench(args: &[&str]) -> std::process::Output {
    let model = case_dir().join("model.tflite");
    Command::new(env!("CARGO_BIN_EXE_microlite"))
        .arg("bench")
        .arg(&model)
        .args(args)
        .output()
        .unwrap()
}

fn bench_json(args: &[&str]) -> Value {
    let out = bench(&[args, &["--json"]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// MACs of the case's MLP from its description: input width, then each
/// dense layer's units.
fn mlp_macs() -> u64 {
    let case: Value =
        serde_json::from_str(&std::fs::read_to_string(case_dir().join("case.json")).unwrap())
            .unwrap();
    let layers: Vec<u64> = case["params"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    // The description reads "32 -> Dense(32) -> ...": the input is 32 wide.
    let mut width = 32;
    layers
        .iter()
        .map(|&units| {
            let macs = width * units;
            width = units;
            macs
        })
        .sum()
}

#[test]
fn json_report_has_timings_macs_and_arena() {
    let report = bench_json(&["--iterations", "7", "--warmup", "2"]);
    assert_eq!(report["iterations"], 7);
    assert_eq!(report["inputs"], "seeded");
    let samples = report["samples_ns"].as_array().unwrap();
    assert_eq!(samples.len(), 7);
    let mut ns: Vec<u64> = samples.iter().map(|v| v.as_u64().unwrap()).collect();
    ns.sort_unstable();
    assert_eq!(report["min_ns"], ns[0]);
    assert_eq!(report["median_ns"], ns[3]);
    assert_eq!(report["max_ns"], ns[6]);
    assert_eq!(report["macs"].as_u64().unwrap(), mlp_macs());
    let median = report["median_ns"].as_u64().unwrap() as f64;
    let gmacs = report["gmacs_per_s"].as_f64().unwrap();
    assert!((gmacs - mlp_macs() as f64 / median).abs() < 1e-9 * gmacs.max(1.0));
    assert!(report["arena_used_bytes"].as_u64().unwrap() > 0);
    assert_eq!(report["ops"].as_array().unwrap().len(), 0);
}

#[test]
fn per_op_pass_times_every_operator() {
    let report = bench_json(&["--iterations", "3", "--per-op"]);
    let ops = report["ops"].as_array().unwrap();
    assert_eq!(ops.len(), 3);
    assert!(ops.iter().all(|op| op["op"] == "FULLY_CONNECTED"));
}

#[test]
fn input_files_and_kernels() {
    let input = case_array_file("input_0.npy");
    let input = input.to_str().unwrap();
    let fast = bench_json(&["--iterations", "2", "--input", input]);
    assert_eq!(fast["inputs"], "files");
    assert_eq!(fast["seed"], Value::Null);
    let reference = bench_json(&["--iterations", "2", "--kernels", "reference"]);
    assert_eq!(reference["kernels"], "reference");
    assert_eq!(reference["arena_used_bytes"], fast["arena_used_bytes"]);
    let portable = bench_json(&["--iterations", "2", "--kernels", "portable"]);
    assert_eq!(portable["kernels"], "portable");
}

#[test]
fn wrong_input_file_is_one_error_line() {
    // An output golden of the same model: int8 but the wrong shape.
    let wrong = case_array_file("tensor_9.npy");
    let out = bench(&["--input", wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("tensor_9.npy"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// `microlite bench --json` on a reference block with `extra` flags.
fn bench_block(block: &str, extra: &[&str]) -> Value {
    let model = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference-models/blocks")
        .join(block)
        .join("model.tflite");
    let out = Command::new(env!("CARGO_BIN_EXE_microlite"))
        .arg("bench")
        .arg(&model)
        .args(["--iterations", "2", "--json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn arena_bytes(report: &Value) -> u64 {
    report["arena_used_bytes"].as_u64().unwrap()
}

#[test]
fn no_in_place_uses_a_larger_arena() {
    // A depthwise-separable CNN block, where in-place row streaming pays.
    let in_place = bench_block("ds_cnn_int8", &[]);
    let separate = bench_block("ds_cnn_int8", &["--no-in-place"]);
    assert_eq!(in_place["in_place"], true);
    assert_eq!(separate["in_place"], false);
    assert!(arena_bytes(&separate) > arena_bytes(&in_place));
}

#[test]
fn no_fuse_uses_a_larger_arena() {
    // Windowed ops each read only by a pool: fused, their outputs are
    // never stored.
    let fused = bench_block("cnn_pool_int8", &[]);
    let unfused = bench_block("cnn_pool_int8", &["--no-fuse"]);
    assert_eq!(fused["fuse"], true);
    assert_eq!(unfused["fuse"], false);
    assert!(
        arena_bytes(&fused) < arena_bytes(&unfused),
        "fused {} vs unfused {}",
        arena_bytes(&fused),
        arena_bytes(&unfused)
    );
}
