//! The real sample inputs in `../shared/models` (MLPerf Tiny's KWS and IC
//! reference inputs, TFLM's person/no-person images) give exactly TFLM's
//! outputs. The expected outputs in `reference-models/shared_samples/` were
//! produced by the TFLM wheel (`reference-models/shared_samples.py`); the
//! inputs are built here the same way. Skips when `../shared` is absent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use microlite::{Interpreter, Model, OpResolver, Options};
use microlite_host::model_file::{aligned_arena, AlignedFile};
use microlite_host::{npy_io, session};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared() -> Option<PathBuf> {
    let dir = root().join("../shared/models");
    if dir.exists() {
        Some(dir)
    } else {
        println!("skipping: {} not found", dir.display());
        None
    }
}

/// Run `model` on the int8 `input`, compare output 0 with the oracle's.
fn check(model: &Path, input: &[i8], golden: &str) {
    let file = AlignedFile::read(model).unwrap();
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let needed = session::required_arena_bytes(&model, &resolver, Options::default()).unwrap();
    let mut arena = aligned_arena(needed);
    let mut interpreter = Interpreter::new(
        &model,
        &resolver,
        bytemuck::cast_slice_mut(&mut arena),
        Options::default(),
    )
    .unwrap();
    interpreter
        .input_mut(0)
        .unwrap()
        .copy_from::<i8>(input)
        .unwrap();
    interpreter.invoke().unwrap();
    let got = interpreter
        .output(0)
        .unwrap()
        .as_slice::<i8>()
        .unwrap()
        .to_vec();
    let want = npy_io::read(&root().join("reference-models/shared_samples").join(golden)).unwrap();
    let want: Vec<i8> = want.bytes.iter().map(|&b| b as i8).collect();
    assert_eq!(got, want, "{golden}: microlite {got:?}, TFLM {want:?}");
    println!("{golden}: {got:?} (TFLM: {want:?})");
}

#[test]
fn kws01_reference_input() {
    let Some(dir) = shared() else { return };
    let input: Vec<i8> = std::fs::read(dir.join("kws01_ref_input_i8_49x10.bin"))
        .unwrap()
        .into_iter()
        .map(|b| b as i8)
        .collect();
    check(
        &dir.join("kws01_dscnn_int8.tflite"),
        &input,
        "kws01_ref_input.npy",
    );
}

#[test]
fn ic01_reference_input() {
    let Some(dir) = shared() else { return };
    // The model input is the uint8 pixel value - 128.
    let input: Vec<i8> = std::fs::read(dir.join("ic01_ref_input_u8_32x32x3.bin"))
        .unwrap()
        .into_iter()
        .map(|b| (i16::from(b) - 128) as i8)
        .collect();
    check(
        &dir.join("ic01_resnet8_int8.tflite"),
        &input,
        "ic01_ref_input.npy",
    );
}

/// A 96x96 8-bit BMP (1,078-byte header, bottom-up rows) as the model's
/// input: pixel - 128, rows top-down.
fn bmp_input(path: &Path) -> Vec<i8> {
    let data = std::fs::read(path).unwrap();
    let pixels = &data[1078..1078 + 96 * 96];
    pixels
        .chunks_exact(96)
        .rev()
        .flatten()
        .map(|&p| (i16::from(p) - 128) as i8)
        .collect()
}

#[test]
fn person_detect_images() {
    let Some(dir) = shared() else { return };
    let model = dir.join("person_detect.tflite");
    check(
        &model,
        &bmp_input(&dir.join("person.bmp")),
        "person_detect_person.npy",
    );
    check(
        &model,
        &bmp_input(&dir.join("no_person.bmp")),
        "person_detect_no_person.npy",
    );
}
