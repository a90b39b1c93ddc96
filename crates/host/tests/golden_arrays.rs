//! `golden::CaseArrays` reads a case's arrays.npz and the same arrays as
//! loose .npy files alike, and refuses a case holding both layouts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use microlite_host::golden::{CaseArrays, PACKED};
use microlite_host::npy_io;

/// A committed two-invoke case (SVDF: state carried), packed.
fn packed_case() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference-models/svdf/int8_b1_rank1_float32")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("golden_arrays")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every array name a case holds: inputs then tensors 0..64, per invoke.
fn names(arrays: &CaseArrays) -> Vec<String> {
    let mut found = Vec::new();
    for invoke in 0..arrays.invokes() {
        let prefix = if invoke == 0 {
            String::new()
        } else {
            format!("invoke_{invoke}/")
        };
        for kind in ["input", "tensor"] {
            for k in 0..64 {
                let name = format!("{prefix}{kind}_{k}.npy");
                if arrays.contains(&name) {
                    found.push(name);
                }
            }
        }
    }
    found
}

#[test]
fn packed_and_loose_layouts_read_the_same() {
    let case = packed_case();
    assert!(case.join(PACKED).is_file(), "{}", case.display());
    let packed = CaseArrays::open(&case).unwrap();
    assert!(packed.invokes() > 1);
    let all = names(&packed);
    assert!(
        all.iter().any(|n| n.starts_with("invoke_1/tensor_")),
        "{all:?}"
    );

    let loose_dir = scratch("loose");
    for name in &all {
        let array = packed.get(name).unwrap();
        let path = loose_dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        npy_io::write(&path, array.dtype, &array.shape, &array.bytes).unwrap();
    }
    let loose = CaseArrays::open(&loose_dir).unwrap();
    assert_eq!(loose.invokes(), packed.invokes());
    assert_eq!(names(&loose), all);
    for name in &all {
        assert_eq!(
            loose.get(name).unwrap(),
            packed.get(name).unwrap(),
            "{name}"
        );
    }
    assert_eq!(loose.inputs(1).unwrap(), packed.inputs(1).unwrap());
    assert!(packed.get("tensor_999.npy").is_err());
    assert!(loose.get("tensor_999.npy").is_err());
}

#[test]
fn a_case_with_both_layouts_is_refused() {
    let dir = scratch("both");
    std::fs::copy(packed_case().join(PACKED), dir.join(PACKED)).unwrap();
    assert!(CaseArrays::open(&dir).is_ok());
    let array = CaseArrays::open(&dir)
        .unwrap()
        .get("invoke_1/input_0.npy")
        .unwrap();
    std::fs::create_dir_all(dir.join("invoke_1")).unwrap();
    let stray = dir.join("invoke_1/input_0.npy");
    npy_io::write(&stray, array.dtype, &array.shape, &array.bytes).unwrap();
    let error = CaseArrays::open(&dir).err().unwrap();
    assert!(error.contains("both"), "{error}");
}

#[test]
fn a_damaged_archive_is_an_error() {
    let dir = scratch("damaged");
    let bytes = std::fs::read(packed_case().join(PACKED)).unwrap();
    std::fs::write(dir.join(PACKED), &bytes[..bytes.len() / 2]).unwrap();
    assert!(CaseArrays::open(&dir).is_err());
}
