//! State across invokes of TFLM's signal library ops: every
//! `reference-models/signal/<case>/stream/` (written by
//! `reference-models/signal_streams.py`: several inputs invoked one after
//! the other on one TFLM interpreter) replayed on one microlite
//! interpreter, every model output compared after every invoke (integers
//! bit for bit, float32 within 1e-5 + 1e-5·|ref|); then again after
//! `Interpreter::reset_state`, which must start the stream over.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use microlite::model::TensorType;
use microlite::{Interpreter, Model, OpResolver, Options};
use microlite_host::model_file::{aligned_arena, AlignedFile};
use microlite_host::{npy_io, session};

fn equal(dtype: TensorType, got: &[u8], want: &[u8]) -> bool {
    if got.len() != want.len() {
        return false;
    }
    match dtype {
        TensorType::Float32 => got.chunks_exact(4).zip(want.chunks_exact(4)).all(|(g, w)| {
            let g = f64::from(f32::from_le_bytes(g.try_into().unwrap()));
            let w = f64::from(f32::from_le_bytes(w.try_into().unwrap()));
            (g - w).abs() <= 1e-5 + 1e-5 * w.abs()
        }),
        _ => got == want,
    }
}

fn replay(dir: &Path) -> Result<usize, String> {
    let stream = dir.join("stream");
    let file = AlignedFile::read(&dir.join("model.tflite"))?;
    let model = Model::from_bytes(file.bytes()).map_err(|e| e.to_string())?;
    let resolver = OpResolver::with_all();
    let options = Options::default();
    let needed =
        session::required_arena_bytes(&model, &resolver, options).map_err(|e| e.to_string())?;
    let mut arena = aligned_arena(needed);
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
    let mut interpreter =
        Interpreter::new(&model, &resolver, arena, options).map_err(|e| e.to_string())?;
    let mut compared = 0;
    for pass in 0..2 {
        if pass == 1 {
            interpreter.reset_state();
        }
        let mut n = 0;
        while stream.join(format!("input_{n}_0.npy")).is_file() {
            for k in 0..interpreter.input_count() {
                let array = npy_io::read(&stream.join(format!("input_{n}_{k}.npy")))?;
                let mut input = interpreter.input_mut(k).map_err(|e| e.to_string())?;
                let bytes = input.bytes_mut();
                if bytes.len() != array.bytes.len() {
                    return Err(format!(
                        "invoke {n} input {k}: size differs from the model's"
                    ));
                }
                bytes.copy_from_slice(&array.bytes);
            }
            interpreter.invoke().map_err(|e| e.to_string())?;
            for k in 0..interpreter.output_count() {
                let want = npy_io::read(&stream.join(format!("output_{n}_{k}.npy")))?;
                let view = interpreter.output(k).map_err(|e| e.to_string())?;
                if !equal(view.info().dtype(), view.bytes(), &want.bytes) {
                    return Err(format!(
                        "pass {pass}, invoke {n}: output {k} differs from TFLM's"
                    ));
                }
                compared += 1;
            }
            n += 1;
        }
        if n < 2 {
            return Err("stream has fewer than 2 invokes".into());
        }
    }
    Ok(compared)
}

#[test]
fn signal_streams_match_tflm() {
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference-models/signal");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("reference-models/signal exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("stream").is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 7,
        "expected the stateful signal streams, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        match replay(case) {
            Ok(compared) => println!("{}: {compared} outputs", case.display()),
            Err(e) => failures.push(format!("{}: {e}", case.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
