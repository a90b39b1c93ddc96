//! Operator fusion (`Options::fuse`): a windowed op and the pool that alone
//! reads its output run band by band. On every reference and shared model
//! the outputs are the bits of the unfused run, on every backend, and the
//! arena is never larger; on models made of fusable pairs (the cnn_pool
//! block, magic_wand) it is much smaller, the tensor between the pair is
//! never stored, and a profiler sees the pair as one operator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite::kernels::Backend;
use microlite::{BuiltinOperator, Interpreter, Model, OpResolver, Options, Profiler};
use std::path::{Path, PathBuf};

fn aligned(bytes: &[u8]) -> Vec<u128> {
    let mut words = vec![0u128; bytes.len().div_ceil(16)];
    bytemuck::cast_slice_mut::<u128, u8>(&mut words)[..bytes.len()].copy_from_slice(bytes);
    words
}

fn models() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths = Vec::new();
    for suite in std::fs::read_dir(root.join("reference-models")).unwrap() {
        let suite = suite.unwrap().path();
        if let Ok(cases) = std::fs::read_dir(&suite) {
            for case in cases {
                let model = case.unwrap().path().join("model.tflite");
                if model.is_file() {
                    paths.push(model);
                }
            }
        }
    }
    let shared = root.join("../shared/models");
    match std::fs::read_dir(&shared) {
        Ok(entries) => paths.extend(
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "tflite")),
        ),
        Err(_) => println!("skipping the shared models: {} not found", shared.display()),
    }
    paths.sort();
    paths
}

/// Counts the operators a profiler sees.
#[derive(Default)]
struct Seen(Vec<usize>);

impl Profiler for Seen {
    fn begin_op(&mut self, index: usize, _op: BuiltinOperator) {
        self.0.push(index);
    }
    fn end_op(&mut self, _index: usize, _op: BuiltinOperator) {}
}

struct Run {
    outputs: Vec<Vec<u8>>,
    arena: usize,
    seen: Vec<usize>,
    empty_tensors: usize,
}

/// One invoke on a deterministic input pattern, or `None` for a model this
/// version does not run.
fn run(model: &Model<'_>, backend: Backend, fuse: bool) -> Option<Run> {
    let options = Options {
        backend,
        fuse,
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
    .ok()?;
    let mut arena = vec![0u128; needed.div_ceil(16)];
    let mut interpreter = Interpreter::new(
        model,
        &resolver,
        bytemuck::cast_slice_mut(&mut arena),
        options,
    )
    .unwrap();
    for k in 0..interpreter.input_count() {
        let mut input = interpreter.input_mut(k).unwrap();
        let float = input.info().dtype() == microlite::TensorType::Float32;
        let bytes = input.bytes_mut();
        if float {
            for (i, chunk) in bytes.chunks_exact_mut(4).enumerate() {
                let v = ((i * 37) % 101) as f32 / 50.0 - 1.0;
                chunk.copy_from_slice(&v.to_le_bytes());
            }
        } else {
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = (i.wrapping_mul(37) % 251) as u8;
            }
        }
    }
    let mut seen = Seen::default();
    match interpreter.invoke_profiled(&mut seen) {
        Ok(()) => {}
        // Input values the op refuses, as TFLM's eval does (a FLOOR_DIV
        // by zero): nothing to compare.
        Err(microlite::Error::Op {
            error: microlite::OpError::Kernel(microlite_kernels::KernelError::InvalidValue { .. }),
            ..
        }) => return None,
        Err(e) => panic!("{e}"),
    }
    let outputs = (0..interpreter.output_count())
        .map(|k| interpreter.output(k).unwrap().bytes().to_vec())
        .collect();
    let subgraph = model.main_subgraph();
    let empty_tensors = (0..subgraph.tensor_count())
        .filter(|&t| {
            subgraph.tensor(t).unwrap().byte_size().unwrap_or(0) > 0
                && interpreter.tensor(t).unwrap().bytes().is_empty()
        })
        .count();
    Some(Run {
        outputs,
        arena: interpreter.arena_used_bytes(),
        seen: seen.0,
        empty_tensors,
    })
}

#[test]
fn fusion_keeps_the_bits_and_never_grows_the_arena() {
    let before = Backend::detect();
    let mut backends = vec![
        Backend::Reference,
        Backend::Compact,
        Backend::CortexM,
        Backend::Portable,
    ];
    if before != Backend::Portable && before != Backend::Reference {
        backends.push(before);
    }
    let (mut compared, mut fused_models) = (0, 0);
    for path in models() {
        let bytes = std::fs::read(&path).unwrap();
        let words = aligned(&bytes);
        let Ok(model) = Model::from_bytes(&bytemuck::cast_slice::<u128, u8>(&words)[..bytes.len()])
        else {
            continue;
        };
        for &backend in &backends {
            let (Some(on), Some(off)) = (run(&model, backend, true), run(&model, backend, false))
            else {
                continue;
            };
            assert_eq!(on.outputs, off.outputs, "{} on {backend:?}", path.display());
            assert!(
                on.arena <= off.arena,
                "{} on {backend:?}: fused {} > unfused {}",
                path.display(),
                on.arena,
                off.arena
            );
            compared += 1;
            fused_models += usize::from(on.arena < off.arena);
        }
    }
    println!("{compared} model x backend runs, {fused_models} smaller with fusion");
    assert!(
        compared > 400 && fused_models >= 3,
        "{compared} {fused_models}"
    );
}

#[test]
fn fusable_pairs_store_no_intermediate_tensor() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference-models/blocks");
    for case in ["cnn_pool_int8", "cnn_pool_float32"] {
        let bytes = std::fs::read(root.join(case).join("model.tflite")).unwrap();
        let words = aligned(&bytes);
        let model =
            Model::from_bytes(&bytemuck::cast_slice::<u128, u8>(&words)[..bytes.len()]).unwrap();
        let backend = Backend::detect();
        let (on, off) = (
            run(&model, backend, true).unwrap(),
            run(&model, backend, false).unwrap(),
        );
        // DEPTHWISE_CONV_2D x8 (0) with MAX_POOL_2D (1): the profiler sees
        // the pair as its first op. CONV_2D (2) -> AVERAGE_POOL_2D (3) is
        // no bulge (in-place streaming does as well): not fused.
        assert_eq!(&on.seen[..3], [0, 2, 3], "{case}: {:?}", on.seen);
        assert_eq!(&off.seen[..4], [0, 1, 2, 3], "{case}");
        assert_eq!(
            on.empty_tensors, 1,
            "{case}: the pair's tensor is not stored"
        );
        assert_eq!(off.empty_tensors, 0, "{case}");
        // The depthwise x8 output alone is 48 x 3 x 8 elements.
        let element = if case.ends_with("int8") { 1 } else { 4 };
        assert!(
            on.arena + 48 * 3 * 8 * element / 2 <= off.arena,
            "{case}: fused {} vs unfused {}",
            on.arena,
            off.arena
        );
        assert_eq!(on.outputs, off.outputs);
    }
}
