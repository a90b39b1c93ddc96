//! Every kernel backend gives the same bits on every shared model (when
//! `../shared/models` exists): seeded random inputs, each model run on the
//! reference kernels, then on the portable ones and, when the CPU has it,
//! AVX2; model outputs in normal mode (memory sharing and in-place execution
//! on) and every tensor with `preserve_all_tensors` (a saturated softmax can
//! hide an intermediate difference from the outputs).
//! `tools/tflm_diff.py` ties the default backend to TFLM; this ties the
//! others to it, including paths only some backends take (micro_speech's
//! 80-tap depthwise over one channel: the GEMM on AVX2, the one-channel loop
//! on portable).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use microlite::kernels::Backend;
use microlite::{Interpreter, Model, OpResolver, Options};

const MODELS: [&str; 10] = [
    "hello_world_int8",
    "hello_world_float",
    "ad01_fc_autoencoder_int8",
    "kws01_dscnn_int8",
    "vww01_mobilenet_96_int8",
    "ic01_resnet8_int8",
    "person_detect",
    "micro_speech_quantized",
    "magic_wand_float",
    "simple_add_int8",
];

fn backends() -> Vec<Backend> {
    let mut all = vec![
        Backend::Reference,
        Backend::Portable,
        Backend::Compact,
        Backend::CortexM,
    ];
    #[cfg(target_arch = "x86_64")]
    if let Some(token) = microlite::kernels::Avx2::detect() {
        all.push(Backend::Avx2(token));
    }
    all
}

/// Bytes of `model` on the active backend for inputs from `seed`: the
/// outputs in normal mode, or every tensor with `preserve_all`.
fn run(model: &Model<'_>, backend: Backend, seed: u64, preserve_all: bool) -> Vec<Vec<u8>> {
    let options = Options {
        backend,
        preserve_all_tensors: preserve_all,
        ..Options::default()
    };
    let resolver = OpResolver::with_all();
    let mut work = vec![0u128; 1 << 20];
    let needed = Interpreter::required_arena_bytes(
        model,
        &resolver,
        bytemuck::cast_slice_mut(&mut work),
        options,
    )
    .unwrap();
    let mut arena = vec![0u128; needed.div_ceil(16)];
    let mut interpreter = Interpreter::new(
        model,
        &resolver,
        bytemuck::cast_slice_mut(&mut arena),
        options,
    )
    .unwrap();
    let mut state = seed | 1;
    for i in 0..interpreter.input_count() {
        let mut input = interpreter.input_mut(i).unwrap();
        let is_float = input.info().dtype() == microlite::TensorType::Float32;
        let bytes = input.bytes_mut();
        if is_float {
            for chunk in bytes.chunks_exact_mut(4) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let v = (state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0;
                chunk.copy_from_slice(&v.to_le_bytes());
            }
        } else {
            for b in bytes.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = (state >> 32) as u8;
            }
        }
    }
    interpreter.invoke().unwrap();
    if preserve_all {
        let tensors = model.main_subgraph().tensor_count();
        (0..tensors)
            .map(|t| {
                interpreter
                    .tensor(t)
                    .map(|v| v.bytes().to_vec())
                    .unwrap_or_default()
            })
            .collect()
    } else {
        (0..interpreter.output_count())
            .map(|i| interpreter.output(i).unwrap().bytes().to_vec())
            .collect()
    }
}

#[test]
fn every_backend_gives_the_same_bits_on_every_shared_model() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models");
    if !dir.exists() {
        println!(
            "skipping: {} not found (../shared/models absent)",
            dir.display()
        );
        return;
    }
    for name in MODELS {
        let bytes = std::fs::read(dir.join(format!("{name}.tflite"))).unwrap();
        let mut words = vec![0u128; bytes.len().div_ceil(16)];
        bytemuck::cast_slice_mut::<u128, u8>(&mut words)[..bytes.len()].copy_from_slice(&bytes);
        let model =
            Model::from_bytes(&bytemuck::cast_slice::<u128, u8>(&words)[..bytes.len()]).unwrap();
        for (seed, preserve_all) in [(1u64, false), (2, false), (3, true)] {
            let want = run(&model, Backend::Reference, seed, preserve_all);
            for backend in backends().into_iter().skip(1) {
                let got = run(&model, backend, seed, preserve_all);
                let first = got.iter().zip(&want).position(|(g, w)| g != w);
                assert!(
                    got.len() == want.len() && first.is_none(),
                    "{name} seed {seed} (preserve all: {preserve_all}): {backend:?} differs from \
                     the reference at tensor/output {first:?}"
                );
            }
        }
    }
}
