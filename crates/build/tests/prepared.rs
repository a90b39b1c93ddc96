//! Ahead-of-time prepared interpreters (`Interpreter::from_prepared` with
//! the state `microlite-build` writes) give the bits of `Interpreter::new`
//! on every model, in an arena of only the head; and prepared state that
//! does not belong to the model or resolver is refused, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use microlite::{
    BuiltinOperator, Error, Interpreter, OpError, OpLookup, OpResolver, Options, Prepared,
};
use microlite_build::ModelFile;
use microlite_kernels::KernelError;

fn shared_models() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models");
    if !dir.is_dir() {
        println!("skipping the shared models: ../shared/models not found");
        return Vec::new();
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tflite"))
        .collect();
    paths.sort();
    paths
}

/// Every model of the golden suites in reference-models/.
fn reference_models() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference-models");
    let mut paths = Vec::new();
    for suite in std::fs::read_dir(&root).unwrap() {
        let suite = suite.unwrap().path();
        if !suite.is_dir() {
            continue;
        }
        for case in std::fs::read_dir(&suite).unwrap() {
            let model = case.unwrap().path().join("model.tflite");
            if model.is_file() {
                paths.push(model);
            }
        }
    }
    paths.sort();
    assert!(paths.len() > 100, "reference-models/ has its golden suites");
    paths
}

/// A 16-byte aligned copy of `bytes`.
fn aligned(bytes: &[u8]) -> Vec<u128> {
    let mut storage = vec![0u128; bytes.len().div_ceil(16)];
    bytemuck::cast_slice_mut::<u128, u8>(&mut storage)[..bytes.len()].copy_from_slice(bytes);
    storage
}

fn as_bytes(storage: &[u128], len: usize) -> &[u8] {
    &bytemuck::cast_slice(storage)[..len]
}

/// The model's registrations without their prepare steps.
fn eval_only(resolver: &OpResolver<{ microlite::ops::ALL_COUNT }>) -> OpResolver<64> {
    let mut out = OpResolver::new();
    for position in 0.. {
        let Some(registration) = resolver.get(position) else {
            break;
        };
        let registration = registration.without_prepare();
        match registration.custom_code() {
            Some(code) => out.add_custom(code, registration).unwrap(),
            None => out.add(registration).unwrap(),
        }
    }
    out
}

/// Outputs of one run, or the input value an op refused (e.g. a DIV by
/// zero), which both paths must refuse alike.
type Outcome = Result<Vec<Vec<u8>>, String>;

/// [`run`], with an op's refusal of an input value as its message.
fn outcome(interpreter: &mut Interpreter<'_, '_>) -> Outcome {
    match run(interpreter) {
        Ok(outputs) => Ok(outputs),
        Err(
            e @ Error::Op {
                error: OpError::Kernel(KernelError::InvalidValue { .. }),
                ..
            },
        ) => Err(e.to_string()),
        Err(e) => panic!("{e}"),
    }
}

/// Writes a deterministic pattern into every input, invokes, and returns
/// the outputs.
fn run(interpreter: &mut Interpreter<'_, '_>) -> Result<Vec<Vec<u8>>, Error> {
    for k in 0..interpreter.input_count() {
        let mut input = interpreter.input_mut(k)?;
        for (i, b) in input.bytes_mut().iter_mut().enumerate() {
            *b = (i.wrapping_mul(37) % 251) as u8;
        }
    }
    interpreter.invoke()?;
    (0..interpreter.output_count())
        .map(|k| Ok(interpreter.output(k)?.bytes().to_vec()))
        .collect()
}

/// Outputs with `Interpreter::new` and with `from_prepared`, and the
/// prepared interpreter's arena bytes and head.
fn both_ways(path: &Path) -> (Outcome, Outcome, usize, usize) {
    let file = ModelFile::read(path).unwrap();
    let model = file.model().unwrap();
    let resolver = file.resolver().unwrap();
    let image = aligned(&file.prepared(Options::default()).unwrap());
    let image_len = file.prepared(Options::default()).unwrap().len();

    let mut arena = vec![0u128; 1 << 16];
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
    let mut fresh = Interpreter::new(&model, &resolver, arena, Options::default()).unwrap();
    let want = outcome(&mut fresh);

    let eval_resolver = eval_only(&resolver);
    let mut arena = vec![0u128; 1 << 16];
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
    let prepared = Prepared::from_bytes(as_bytes(&image, image_len));
    let mut ahead = Interpreter::from_prepared(&model, &eval_resolver, prepared, arena)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let got = outcome(&mut ahead);
    let usage = ahead.arena_usage();
    (want, got, ahead.arena_used_bytes(), usage.head)
}

#[test]
fn prepared_ahead_gives_the_bits_of_new_on_every_model() {
    let mut count = 0;
    for path in reference_models().iter().chain(&shared_models()) {
        if path.to_string_lossy().contains("/tflm/") {
            continue;
        }
        // Models this version does not run are refused by both paths alike.
        let Ok(file) = ModelFile::read(path) else {
            continue;
        };
        if file.prepared(Options::default()).is_err() {
            continue;
        }
        let (want, got, used, head) = both_ways(path);
        assert_eq!(got, want, "{}", path.display());
        assert_eq!(
            used,
            head,
            "{}: the arena holds only the head",
            path.display()
        );
        assert!(
            head > 0 || want.as_ref().is_ok_and(|w| w.iter().all(Vec::is_empty)),
            "{}",
            path.display()
        );
        count += 1;
    }
    println!("{count} models compared");
    assert!(count > 100, "{count} models compared");
}

#[test]
fn the_arena_needs_only_the_head() {
    let Some(path) = shared_models()
        .into_iter()
        .find(|p| p.ends_with("kws01_dscnn_int8.tflite"))
    else {
        return;
    };
    let file = ModelFile::read(&path).unwrap();
    let model = file.model().unwrap();
    let resolver = file.resolver().unwrap();
    let bytes = file.prepared(Options::default()).unwrap();
    let image = aligned(&bytes);
    let prepared = Prepared::from_bytes(as_bytes(&image, bytes.len()));
    let mut big = vec![0u128; 1 << 16];
    let big: &mut [u8] = bytemuck::cast_slice_mut(&mut big);
    let head = Interpreter::from_prepared(&model, &resolver, prepared, big)
        .unwrap()
        .arena_usage()
        .head;
    let mut exact = vec![0u128; head.div_ceil(16)];
    let exact: &mut [u8] = bytemuck::cast_slice_mut(&mut exact);
    assert!(Interpreter::from_prepared(&model, &resolver, prepared, &mut exact[..head]).is_ok());
    match Interpreter::from_prepared(&model, &resolver, prepared, &mut exact[..head - 1]) {
        Err(Error::ArenaTooSmall {
            needed,
            exact: true,
            ..
        }) => assert_eq!(needed, head),
        other => panic!("expected ArenaTooSmall, got {other:?}"),
    }
}

fn reference(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference-models")
        .join(case)
        .join("model.tflite")
}

#[test]
fn images_record_the_kernel_set_they_were_sized_for() {
    use microlite::kernels::Backend;
    let file = ModelFile::read(reference("models/mlp_int8_float_io")).unwrap();
    let cortex_m = file.prepared(Options::default()).unwrap();
    let compact = file
        .prepared_for(Options::default(), Backend::Compact)
        .unwrap();
    // Header: magic (4 bytes), version (2), kernel set (2).
    let kernels = |image: &[u8]| u16::from_le_bytes([image[6], image[7]]);
    assert_eq!(kernels(&cortex_m), Backend::CortexM.scratch_layout());
    assert_eq!(kernels(&compact), Backend::Compact.scratch_layout());
}

#[test]
fn state_for_another_model_or_resolver_is_refused() {
    let a = ModelFile::read(reference("models/mlp_int8_float_io")).unwrap();
    let b = ModelFile::read(reference("models/mlp_float32")).unwrap();
    let bytes = a.prepared(Options::default()).unwrap();
    let image = aligned(&bytes);
    let prepared = Prepared::from_bytes(as_bytes(&image, bytes.len()));
    let mut arena = vec![0u128; 1 << 12];
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);

    // Another model.
    let model_b = b.model().unwrap();
    let resolver_b = b.resolver().unwrap();
    assert_eq!(
        Interpreter::from_prepared(&model_b, &resolver_b, prepared, arena).err(),
        Some(Error::PreparedForAnotherModel)
    );

    // The right model, a resolver missing an op or in another order.
    let model_a = a.model().unwrap();
    let full = a.resolver().unwrap();
    let mut reversed = OpResolver::<{ microlite::ops::ALL_COUNT }>::new();
    let mut registrations: Vec<_> = (0..).map_while(|k| full.get(k).copied()).collect();
    assert!(registrations.len() > 1, "the MLP has several ops");
    registrations.reverse();
    for registration in registrations {
        reversed.add(registration).unwrap();
    }
    let op0 = model_a.main_subgraph().operator(0).unwrap().builtin();
    match Interpreter::from_prepared(&model_a, &reversed, prepared, arena) {
        Err(Error::PreparedOpMismatch { op, .. }) => {
            assert_ne!(op, BuiltinOperator::CUSTOM);
        }
        other => panic!("expected PreparedOpMismatch, got {:?}", other.err()),
    }
    let empty = OpResolver::<1>::new();
    assert_eq!(
        Interpreter::from_prepared(&model_a, &empty, prepared, arena).err(),
        Some(Error::PreparedOpMismatch {
            operator: 0,
            op: op0
        })
    );

    // Not an image: truncated, misaligned, wrong magic or version.
    let bad = |bytes: &[u8]| match Interpreter::from_prepared(
        &model_a,
        &full,
        Prepared::from_bytes(bytes),
        &mut [],
    ) {
        Err(Error::BadPrepared { what }) => what,
        other => panic!("expected BadPrepared, got {:?}", other.err()),
    };
    let whole = as_bytes(&image, bytes.len());
    assert!(bad(&whole[..bytes.len() - 1]).contains("length"));
    assert!(bad(&whole[..8]).contains("header"));
    let shifted = aligned(&[&[0u8][..], whole].concat());
    assert!(bad(&as_bytes(&shifted, bytes.len() + 1)[1..]).contains("aligned"));
    for (at, what) in [(0, "magic"), (4, "version")] {
        let mut copy = whole.to_vec();
        copy[at] ^= 1;
        let copy = aligned(&copy);
        assert!(bad(as_bytes(&copy, bytes.len())).contains(what));
    }
}

#[test]
fn an_eval_only_registration_cannot_prepare() {
    let file = ModelFile::read(reference("models/mlp_int8")).unwrap();
    let model = file.model().unwrap();
    let eval_resolver = eval_only(&file.resolver().unwrap());
    let mut arena = vec![0u128; 1 << 12];
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
    match Interpreter::new(&model, &eval_resolver, arena, Options::default()) {
        Err(Error::Op {
            operator: 0,
            error: OpError::EvalOnly,
            ..
        }) => {}
        other => panic!("expected EvalOnly, got {:?}", other.err()),
    }
    assert!(!microlite::ops::eval_only::conv_2d_int8().can_prepare());
    assert!(microlite::ops::conv_2d_int8().can_prepare());
    assert_eq!(
        microlite::ops::eval_only::conv_2d_int8().params_size(),
        microlite::ops::conv_2d().params_size()
    );
}

/// Every byte of two small models' images changed in turn, and of a model
/// with fused pairs every record byte and every 13th byte of op data:
/// from_prepared and invoke give outputs or errors, never a panic.
#[test]
fn altered_state_never_panics() {
    for (case, sampled) in [
        ("models/mlp_int8", false),
        ("models/mlp_float32", false),
        ("blocks/cnn_pool_int8", true),
    ] {
        let file = ModelFile::read(reference(case)).unwrap();
        let model = file.model().unwrap();
        let resolver = file.resolver().unwrap();
        let bytes = file.prepared(Options::default()).unwrap();
        let subgraph = model.main_subgraph();
        let (tensors, ops) = (subgraph.tensor_count(), subgraph.operator_count());
        let records = 32 + (tensors * 12).div_ceil(16) * 16 + (ops * 28).div_ceil(16) * 16 + 16;
        let mut arena = vec![0u128; 1 << 12];
        let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
        for at in 0..bytes.len() {
            if sampled && at >= records && at % 13 != 0 {
                continue;
            }
            let values: &[u8] = if sampled {
                &[0xff, bytes[at] ^ 0x10]
            } else {
                &[0, 1, 0x7f, 0xff, bytes[at] ^ 0x10]
            };
            for &value in values {
                let mut copy = bytes.clone();
                copy[at] = value;
                let copy = aligned(&copy);
                let prepared = Prepared::from_bytes(as_bytes(&copy, bytes.len()));
                if let Ok(mut interpreter) =
                    Interpreter::from_prepared(&model, &resolver, prepared, &mut *arena)
                {
                    let _ = run(&mut interpreter);
                }
            }
        }
    }
}
