//! Interpreter behaviour on the project's demo model and, when present, the
//! shared third-party models.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use microlite::{
    ops, Clock, Error, Interpreter, Model, OpResolver, OpTimer, Options, ResolverError, TensorType,
};

/// Model bytes copied into 16-byte aligned memory.
struct Aligned(Vec<u128>, usize);

impl Aligned {
    fn read(path: &Path) -> Self {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut words = vec![0u128; bytes.len().div_ceil(16)];
        bytemuck::cast_slice_mut::<u128, u8>(&mut words)[..bytes.len()].copy_from_slice(&bytes);
        Self(words, bytes.len())
    }
    fn bytes(&self) -> &[u8] {
        &bytemuck::cast_slice::<u128, u8>(&self.0)[..self.1]
    }
}

fn arena(len: usize) -> Vec<u128> {
    vec![0u128; len.div_ceil(16)]
}

fn demo() -> Aligned {
    Aligned::read(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../reference-models/models/mlp_int8/model.tflite"),
    )
}

fn shared(name: &str) -> Option<Aligned> {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/models")
        .join(name);
    if path.exists() {
        Some(Aligned::read(&path))
    } else {
        println!(
            "skipping: {} not found (../shared/models absent)",
            path.display()
        );
        None
    }
}

fn required(model: &Model<'_>, resolver: &dyn microlite::OpLookup, options: Options) -> usize {
    let mut work = arena(1 << 22);
    Interpreter::required_arena_bytes(
        model,
        resolver,
        bytemuck::cast_slice_mut(&mut work),
        options,
    )
    .unwrap()
}

#[test]
fn exact_arena_size_is_what_new_uses_and_one_byte_less_fails() {
    let file = demo();
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    for options in [
        Options::default(),
        Options {
            preserve_all_tensors: true,
            ..Options::default()
        },
    ] {
        let needed = required(&model, &resolver, options);
        let mut buf = arena(needed);
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut buf);
        let interpreter =
            Interpreter::new(&model, &resolver, &mut bytes[..needed], options).unwrap();
        assert_eq!(interpreter.arena_used_bytes(), needed);
        let err =
            Interpreter::new(&model, &resolver, &mut bytes[..needed - 1], options).unwrap_err();
        assert_eq!(
            err,
            Error::ArenaTooSmall {
                needed,
                available: needed - 1,
                exact: true
            }
        );
        assert!(
            err.to_string().contains(&format!("needs {needed} bytes")),
            "{err}"
        );
    }
}

#[test]
fn tiny_arena_reports_a_lower_bound() {
    let file = demo();
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let mut buf = arena(32);
    let err = Interpreter::new(
        &model,
        &resolver,
        bytemuck::cast_slice_mut(&mut buf),
        Options::default(),
    )
    .unwrap_err();
    match err {
        Error::ArenaTooSmall {
            needed,
            available: 32,
            exact: false,
        } => assert!(needed > 32),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn misaligned_arena_still_works_and_counts_its_padding() {
    let file = demo();
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let needed = required(&model, &resolver, Options::default());
    let mut buf = arena(needed + 32);
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut buf);
    let interpreter = Interpreter::new(
        &model,
        &resolver,
        &mut bytes[3..3 + needed + 13],
        Options::default(),
    )
    .unwrap();
    assert_eq!(interpreter.arena_used_bytes(), needed + 13);
}

#[test]
fn typed_views_check_dtype_and_length() {
    let file = demo();
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let mut buf = arena(required(&model, &resolver, Options::default()));
    let mut interpreter = Interpreter::new(
        &model,
        &resolver,
        bytemuck::cast_slice_mut(&mut buf),
        Options::default(),
    )
    .unwrap();
    let mut input = interpreter.input_mut(0).unwrap();
    assert_eq!(input.info().dtype(), TensorType::Int8);
    assert!(matches!(
        input.as_slice_mut::<f32>(),
        Err(Error::WrongElementType {
            requested: TensorType::Float32,
            dtype: TensorType::Int8,
            ..
        })
    ));
    assert!(matches!(
        input.copy_from::<i8>(&[0; 3]),
        Err(Error::WrongElementCount {
            expected: 32,
            found: 3,
            ..
        })
    ));
    input.copy_from::<i8>(&[5; 32]).unwrap();
    interpreter.invoke().unwrap();
    let output = interpreter.output(0).unwrap();
    assert_eq!(output.as_slice::<i8>().unwrap().len(), 4);
    assert!(output.as_slice::<u8>().is_err());
    assert!(matches!(
        interpreter.output(1),
        Err(Error::NoSuchIo {
            position: 1,
            count: 1
        })
    ));
}

#[test]
fn preserve_all_tensors_gives_the_same_outputs() {
    let file = demo();
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let mut outputs = Vec::new();
    for options in [
        Options::default(),
        Options {
            preserve_all_tensors: true,
            ..Options::default()
        },
    ] {
        let mut buf = arena(required(&model, &resolver, options));
        let mut interpreter = Interpreter::new(
            &model,
            &resolver,
            bytemuck::cast_slice_mut(&mut buf),
            options,
        )
        .unwrap();
        let values: Vec<i8> = (0..32).map(|i| (i * 7 - 100) as i8).collect();
        interpreter
            .input_mut(0)
            .unwrap()
            .copy_from(&values)
            .unwrap();
        interpreter.invoke().unwrap();
        outputs.push(
            interpreter
                .output(0)
                .unwrap()
                .as_slice::<i8>()
                .unwrap()
                .to_vec(),
        );
    }
    assert_eq!(outputs[0], outputs[1]);
}

struct Ticks(u64);
impl Clock for Ticks {
    fn now(&mut self) -> u64 {
        self.0 += 10;
        self.0
    }
}

#[test]
fn profiler_sees_every_operator() {
    let file = demo();
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let mut buf = arena(required(&model, &resolver, Options::default()));
    let mut interpreter = Interpreter::new(
        &model,
        &resolver,
        bytemuck::cast_slice_mut(&mut buf),
        Options::default(),
    )
    .unwrap();
    let mut timer = OpTimer::<_, 8>::new(Ticks(0));
    interpreter.invoke_profiled(&mut timer).unwrap();
    let seen: Vec<(usize, &str, u64)> = timer
        .per_op()
        .map(|(i, op, t)| (i, op.variant_name().unwrap_or("?"), t))
        .collect();
    assert_eq!(seen.len(), 3);
    for (i, (index, op, ticks)) in seen.into_iter().enumerate() {
        assert_eq!(index, i);
        assert_eq!(op, "FULLY_CONNECTED");
        assert_eq!(ticks, 10);
    }
}

#[test]
fn resolver_rejects_duplicates_and_overflow() {
    let mut resolver = OpResolver::<1>::new();
    resolver.add(ops::fully_connected()).unwrap();
    assert!(matches!(
        resolver.add(ops::fully_connected()),
        Err(ResolverError::Duplicate { .. })
    ));
    assert!(matches!(
        resolver.add(ops::reshape()),
        Err(ResolverError::Full { capacity: 1, .. })
    ));
}

#[test]
fn missing_op_names_operator_op_and_version() {
    let Some(file) = shared("kws01_dscnn_int8.tflite") else {
        return;
    };
    let model = Model::from_bytes(file.bytes()).unwrap();
    let mut resolver = OpResolver::<1>::new();
    resolver.add(ops::fully_connected()).unwrap();
    let mut buf = arena(1 << 16);
    let err = Interpreter::new(
        &model,
        &resolver,
        bytemuck::cast_slice_mut(&mut buf),
        Options::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnsupportedOp {
                operator: 0,
                op: microlite::BuiltinOperator::CONV_2D,
                version: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("operator 0"), "{err}");
}

#[test]
fn shared_fc_models_fit_in_less_than_tflm_arena() {
    // TFLM's "Arena allocation total" from ../shared/models/README.md.
    for (name, tflm) in [
        ("hello_world_int8.tflite", 1504),
        ("hello_world_float.tflite", 1536),
        ("ad01_fc_autoencoder_int8.tflite", 3984),
    ] {
        let Some(file) = shared(name) else { return };
        let model = Model::from_bytes(file.bytes()).unwrap();
        let resolver = OpResolver::with_all();
        let needed = required(&model, &resolver, Options::default());
        println!("{name}: microlite {needed} bytes, TFLM {tflm} bytes");
        assert!(needed <= tflm, "{name}: {needed} > TFLM's {tflm}");
    }
}
