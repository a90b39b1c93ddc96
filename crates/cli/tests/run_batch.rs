//! `microlite run --batch`: N stacked inputs give the same outputs as N
//! separate runs, stacked the same way.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use microlite::TensorType;
use microlite_host::npy_io;

fn demo_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference-models/models/mlp_int8/model.tflite")
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("microlite-run-batch-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_microlite"))
        .args(args)
        .output()
        .unwrap()
}

/// mlp_int8 takes one int8 [1, 32] input.
const INPUT_LEN: usize = 32;

fn entry(n: usize) -> Vec<u8> {
    (0..INPUT_LEN)
        .map(|i| (i * 37 + n * 101) as u8 ^ 0x5a)
        .collect()
}

#[test]
fn batch_outputs_equal_separate_runs() {
    let dir = scratch_dir("equal");
    let entries = 5;
    let stacked: Vec<u8> = (0..entries).flat_map(entry).collect();
    let batch_in = dir.join("batch_in.npy");
    npy_io::write(
        &batch_in,
        TensorType::Int8,
        &[entries, 1, INPUT_LEN],
        &stacked,
    )
    .unwrap();
    let batch_out = dir.join("batch_out");
    let out = run(&[
        "run".as_ref(),
        demo_model().as_os_str(),
        "--input".as_ref(),
        batch_in.as_os_str(),
        "--output-dir".as_ref(),
        batch_out.as_os_str(),
        "--batch".as_ref(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let batch = npy_io::read(&batch_out.join("output_0.npy")).unwrap();
    assert_eq!(batch.shape[0], entries);

    let mut separate = Vec::new();
    for n in 0..entries {
        let input = dir.join(format!("in_{n}.npy"));
        npy_io::write(&input, TensorType::Int8, &[1, INPUT_LEN], &entry(n)).unwrap();
        let out_dir = dir.join(format!("out_{n}"));
        let out = run(&[
            "run".as_ref(),
            demo_model().as_os_str(),
            "--input".as_ref(),
            input.as_os_str(),
            "--output-dir".as_ref(),
            out_dir.as_os_str(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let single = npy_io::read(&out_dir.join("output_0.npy")).unwrap();
        assert_eq!(batch.shape[1..], single.shape[..]);
        separate.extend_from_slice(&single.bytes);
    }
    assert_eq!(batch.bytes, separate);
    // The entries differ, so equal stacks are not a coincidence of constant outputs.
    let per_entry = separate.len() / entries;
    assert_ne!(separate[..per_entry], separate[per_entry..2 * per_entry]);
}

#[test]
fn batch_input_without_the_entry_axis_is_rejected() {
    let dir = scratch_dir("no-axis");
    let input = dir.join("in.npy");
    npy_io::write(&input, TensorType::Int8, &[1, INPUT_LEN], &entry(0)).unwrap();
    let out = run(&[
        "run".as_ref(),
        demo_model().as_os_str(),
        "--input".as_ref(),
        input.as_os_str(),
        "--batch".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("must be int8 [N, 1, 32]"), "{stderr}");
}

#[test]
fn an_npz_member_is_an_input_and_gives_the_golden_output() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference-models/models/mlp_int8");
    let arrays = microlite_host::golden::CaseArrays::open(&case).unwrap();
    let dir = scratch_dir("npz");
    let spec = format!("{}:input_0", case.join("arrays.npz").display());
    let out = run(&[
        "run".as_ref(),
        demo_model().as_os_str(),
        "--input".as_ref(),
        spec.as_ref(),
        "--output-dir".as_ref(),
        dir.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = npy_io::read(&dir.join("output_0.npy")).unwrap();
    // mlp_int8's output is tensor 9 (as `microlite run` prints it).
    let golden = arrays.get("tensor_9.npy").unwrap();
    assert_eq!(got.bytes, golden.bytes);
    let missing = format!("{}:input_7", case.join("arrays.npz").display());
    let out = run(&[
        "run".as_ref(),
        demo_model().as_os_str(),
        "--input".as_ref(),
        missing.as_ref(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no member input_7.npy"));
}
