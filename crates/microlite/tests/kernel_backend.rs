//! The kernel backend is chosen per interpreter (`Options::backend`), not
//! per process: detection picks AVX2 on a CPU that has it (with the `std`
//! feature, which the workspace build turns on), and two interpreters with
//! different kernels run at the same time, each giving the golden bits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use microlite::kernels::Backend;
use microlite::{Interpreter, Model, OpResolver, Options};
use microlite_host::golden::CaseArrays;

#[test]
fn detection_finds_avx2_where_the_cpu_has_it() {
    let detected = Backend::detect();
    assert_eq!(Options::default().backend, detected);
    #[cfg(target_arch = "x86_64")]
    {
        let has_avx2 = std::is_x86_feature_detected!("avx2");
        if cfg!(feature = "reference-only") {
            assert_eq!(detected, Backend::Reference);
        } else {
            assert_eq!(matches!(detected, Backend::Avx2(_)), has_avx2);
        }
    }
}

fn aligned(bytes: &[u8]) -> Vec<u128> {
    let mut words = vec![0u128; bytes.len().div_ceil(16)];
    bytemuck::cast_slice_mut::<u128, u8>(&mut words)[..bytes.len()].copy_from_slice(bytes);
    words
}

/// Invokes `rounds` times with `backend`'s kernels; returns the output bytes
/// and the arena the interpreter used.
fn run(model: &Model<'_>, backend: Backend, input: &[u8], rounds: usize) -> (Vec<u8>, usize) {
    let resolver = OpResolver::with_all();
    let options = Options {
        backend,
        ..Options::default()
    };
    let mut arena = vec![0u128; 1 << 16];
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
    let mut interpreter = Interpreter::new(model, &resolver, arena, options).unwrap();
    assert_eq!(interpreter.backend(), backend);
    let mut output = Vec::new();
    for _ in 0..rounds {
        interpreter
            .input_mut(0)
            .unwrap()
            .bytes_mut()
            .copy_from_slice(input);
        interpreter.invoke().unwrap();
        let got = interpreter.output(0).unwrap().bytes().to_vec();
        assert!(output.is_empty() || output == got);
        output = got;
    }
    (output, interpreter.arena_used_bytes())
}

#[test]
fn two_interpreters_with_different_kernels_run_at_once() {
    let case =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference-models/blocks/ds_cnn_int8");
    let bytes = std::fs::read(case.join("model.tflite")).unwrap();
    let words = aligned(&bytes);
    let model =
        Model::from_bytes(&bytemuck::cast_slice::<u128, u8>(&words)[..bytes.len()]).unwrap();
    let arrays = CaseArrays::open(&case).unwrap();
    let input_array = arrays.get("input_0.npy").unwrap();
    let input = &input_array.bytes[..];
    // The model output's golden, as the TFLM wheel wrote it.
    let output_tensor = model.main_subgraph().outputs().get(0).unwrap();
    let golden_array = arrays.get(&format!("tensor_{output_tensor}.npy")).unwrap();
    let golden = &golden_array.bytes[..];

    let mut backends = vec![Backend::Reference, Backend::Compact, Backend::Portable];
    if Backend::detect() != Backend::Portable {
        backends.push(Backend::detect());
    }
    let results: Vec<(Backend, (Vec<u8>, usize))> = std::thread::scope(|scope| {
        let handles: Vec<_> = backends
            .iter()
            .map(|&backend| {
                let model = &model;
                scope.spawn(move || (backend, run(model, backend, input, 200)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (backend, (output, _)) in &results {
        assert_eq!(output.as_slice(), golden, "{backend:?}");
    }
    // The choice took effect per interpreter: the compact kernels plan
    // their own scratch, the reference kernels none.
    let arena = |b: Backend| results.iter().find(|(x, _)| *x == b).unwrap().1 .1;
    if cfg!(feature = "reference-only") {
        println!("reference-only: every interpreter runs the reference kernels");
    } else {
        assert_ne!(arena(Backend::Compact), arena(Backend::Reference));
    }
}
