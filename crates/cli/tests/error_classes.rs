//! One test per class of bad model or bad use (issue 5's list), each through
//! the library API and through `microlite run`: the library gives its own
//! typed error naming the culprit, and the CLI prints it as one `error:` line
//! with exit status 1. Models are built with the model crate's test builder,
//! one fact corrupted at a time, from a valid one-operator int8
//! FULLY_CONNECTED model. `docs/errors.md` lists every class with its test;
//! the last tests check that the classes give distinct error kinds and that
//! every variant of every public error enum is documented there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../model/tests/common/builder.rs"]
#[allow(dead_code)]
mod builder;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use builder::{BufferSpec, ModelSpec, OpSpec, OpcodeSpec, SubgraphSpec, TensorSpec};
use microlite::model::IndexSite;
use microlite::{Error, Interpreter, Model, ModelError, OpError, OpResolver, Options, TensorType};
use microlite_host::model_file::{aligned_arena, AlignedFile};
use microlite_model::schema::{BuiltinOperator, TensorType as T};

/// input [1,4] int8 → FULLY_CONNECTED(weights [2,4], bias [2]) → output [1,2].
/// Tensors: 0 input, 1 weights (buffer 1), 2 bias (buffer 2), 3 output.
fn fc_model() -> ModelSpec {
    let weights: Vec<u8> = [1i8, -2, 3, -4, 5, -6, 7, -8]
        .iter()
        .map(|&w| w as u8)
        .collect();
    let bias: Vec<u8> = [10i32, -20].iter().flat_map(|b| b.to_le_bytes()).collect();
    ModelSpec {
        version: 3,
        description: Some("error-class test model".into()),
        opcodes: vec![OpcodeSpec::builtin(BuiltinOperator::FULLY_CONNECTED, 9)],
        subgraphs: vec![SubgraphSpec {
            name: "main".into(),
            tensors: vec![
                TensorSpec::new("input", &[1, 4], T::INT8, 0).quantized(&[0.5], &[-3], 0),
                TensorSpec::new("weights", &[2, 4], T::INT8, 1).quantized(
                    &[0.25, 0.125],
                    &[0, 0],
                    0,
                ),
                TensorSpec::new("bias", &[2], T::INT32, 2).quantized(&[0.125, 0.0625], &[0, 0], 0),
                TensorSpec::new("output", &[1, 2], T::INT8, 0).quantized(&[1.0], &[5], 0),
            ],
            inputs: vec![0],
            outputs: vec![3],
            operators: vec![OpSpec {
                opcode_index: 0,
                inputs: vec![0, 1, 2],
                outputs: vec![3],
                ..OpSpec::default()
            }],
        }],
        buffers: vec![
            BufferSpec::default(),
            BufferSpec::inline(&weights),
            BufferSpec::inline(&bias),
        ],
        metadata: vec![],
        legacy_metadata: None,
        signatures: vec![],
        identifier: "TFL3".into(),
    }
}

fn tensor(spec: &mut ModelSpec, t: usize) -> &mut TensorSpec {
    &mut spec.main().tensors[t]
}

/// The library's verdict on model `bytes`: load, then create an interpreter
/// with the full resolver and a generous arena.
fn library_error_bytes(bytes: &[u8]) -> Error {
    let file = AlignedFile::from_bytes(bytes);
    let model = match Model::from_bytes(file.bytes()) {
        Ok(model) => model,
        Err(e) => return Error::Model(e),
    };
    let resolver = OpResolver::with_all();
    let mut arena = aligned_arena(1 << 16);
    let result = Interpreter::new(
        &model,
        &resolver,
        bytemuck::cast_slice_mut(&mut arena),
        Options::default(),
    );
    result.map(|_| ()).expect_err("bad model was accepted")
}

fn library_error(spec: &ModelSpec) -> Error {
    library_error_bytes(&spec.build())
}

fn model_error(spec: &ModelSpec) -> ModelError {
    match library_error(spec) {
        Error::Model(e) => e,
        other => panic!("expected a model error, got {other:?}"),
    }
}

fn op_error(spec: &ModelSpec) -> OpError {
    match library_error(spec) {
        Error::Op {
            operator: 0,
            op: microlite::BuiltinOperator::FULLY_CONNECTED,
            version: 9,
            error,
        } => error,
        other => panic!("expected an operator error, got {other:?}"),
    }
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("microlite-error-classes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch_dir().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// `microlite run MODEL ARGS...`: exit 1 and exactly one `error:` line
/// naming the model file, which is returned.
fn cli_run_error(model: &Path, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_microlite"))
        .arg("run")
        .arg(model)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let name = model.display();
    assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.lines().count() == 1,
        "{name}: {stderr:?}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{name}: {stderr}"
    );
    stderr
}

/// `microlite run` on `bytes` written to `<name>.tflite`; the error line
/// must name the file.
fn cli_error_bytes(bytes: &[u8], name: &str) -> String {
    let path = write_file(&format!("{name}.tflite"), bytes);
    let line = cli_run_error(&path, &[]);
    assert!(line.contains(&format!("{name}.tflite")), "{line}");
    line
}

fn cli_error(spec: &ModelSpec, name: &str) -> String {
    cli_error_bytes(&spec.build(), name)
}

fn assert_contains_all(line: &str, parts: &[&str]) {
    for part in parts {
        assert!(line.contains(part), "{part:?} missing from {line:?}");
    }
}

// ---------------------------------------------------------------------------
// The corruptions, one per class (shared by the class tests and the
// distinct-kind check).
// ---------------------------------------------------------------------------

fn wrong_identifier_model() -> ModelSpec {
    let mut spec = fc_model();
    spec.identifier = "TFL2".into();
    spec
}

fn schema_version_model() -> ModelSpec {
    let mut spec = fc_model();
    spec.version = 2;
    spec
}

fn tensor_index_model() -> ModelSpec {
    let mut spec = fc_model();
    spec.main().operators[0].inputs[1] = 9;
    spec
}

fn buffer_index_model() -> ModelSpec {
    let mut spec = fc_model();
    tensor(&mut spec, 1).buffer = 7;
    spec
}

fn opcode_index_model() -> ModelSpec {
    let mut spec = fc_model();
    spec.main().operators[0].opcode_index = 3;
    spec
}

fn short_buffer_model() -> ModelSpec {
    // Weights claim [2, 5] = 10 bytes; the buffer holds 8.
    let mut spec = fc_model();
    tensor(&mut spec, 1).shape = Some(vec![2, 5]);
    spec
}

fn shape_overflow_model() -> ModelSpec {
    let mut spec = fc_model();
    tensor(&mut spec, 3).shape = Some(vec![i32::MAX, i32::MAX, i32::MAX]);
    spec
}

fn rank_model() -> ModelSpec {
    let mut spec = fc_model();
    tensor(&mut spec, 1).shape = Some(vec![1, 2, 4]);
    spec
}

fn scale_model(scale: f32) -> ModelSpec {
    let mut spec = fc_model();
    tensor(&mut spec, 0).scales = Some(vec![scale]);
    spec
}

fn zero_point_model() -> ModelSpec {
    let mut spec = fc_model();
    tensor(&mut spec, 3).zero_points = Some(vec![200]);
    spec
}

fn per_channel_model() -> ModelSpec {
    let mut spec = fc_model();
    *tensor(&mut spec, 1) = TensorSpec::new("weights", &[2, 4], T::INT8, 1).quantized(
        &[0.25, 0.125, 0.5],
        &[0, 0, 0],
        0,
    );
    spec
}

fn input_count_model() -> ModelSpec {
    let mut spec = fc_model();
    spec.main().operators[0].inputs = vec![0];
    spec
}

fn unsupported_op_model() -> ModelSpec {
    let mut spec = fc_model();
    spec.opcodes = vec![OpcodeSpec::builtin(BuiltinOperator::CUMSUM, 2)];
    spec
}

fn dtype_model() -> ModelSpec {
    let mut spec = fc_model();
    tensor(&mut spec, 0).dtype = T::INT16;
    tensor(&mut spec, 0).zero_points = Some(vec![0]);
    spec
}

/// Needed bytes of `fc_model` and the error of an arena 16 bytes short.
fn arena_too_small_error() -> (usize, Error) {
    let spec = fc_model();
    let file = AlignedFile::from_bytes(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let mut work = aligned_arena(1 << 12);
    let needed = Interpreter::required_arena_bytes(
        &model,
        &resolver,
        bytemuck::cast_slice_mut(&mut work),
        Options::default(),
    )
    .unwrap();
    let mut arena = aligned_arena(needed);
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
    let err = Interpreter::new(
        &model,
        &resolver,
        &mut bytes[..needed - 16],
        Options::default(),
    )
    .map(|_| ())
    .unwrap_err();
    (needed, err)
}

/// The API errors for writing `fc_model`'s int8 [1, 4] input as float32,
/// then as three int8 values.
fn input_api_errors() -> (Error, Error) {
    let spec = fc_model();
    let file = AlignedFile::from_bytes(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let mut arena = aligned_arena(1 << 12);
    let mut interpreter = Interpreter::new(
        &model,
        &resolver,
        bytemuck::cast_slice_mut(&mut arena),
        Options::default(),
    )
    .unwrap();
    let mut input = interpreter.input_mut(0).unwrap();
    let wrong_dtype = input.copy_from::<f32>(&[1.0; 4]).unwrap_err();
    let wrong_length = input.copy_from::<i8>(&[1, 2, 3]).unwrap_err();
    (wrong_dtype, wrong_length)
}

// ---------------------------------------------------------------------------
// The classes.
// ---------------------------------------------------------------------------

#[test]
fn valid_model_runs() {
    let spec = fc_model();
    let file = AlignedFile::from_bytes(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let mut arena = aligned_arena(1 << 12);
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
        .copy_from::<i8>(&[1, 2, 3, 4])
        .unwrap();
    interpreter.invoke().unwrap();
    // And through the CLI: exit 0.
    let path = write_file("valid.tflite", &spec.build());
    let out = Command::new(env!("CARGO_BIN_EXE_microlite"))
        .arg("run")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn empty_file() {
    assert_eq!(
        library_error_bytes(&[]),
        Error::Model(ModelError::TooShort { len: 0 })
    );
    let line = cli_error_bytes(&[], "empty");
    assert_contains_all(&line, &["0 bytes", "too short"]);
}

#[test]
fn wrong_identifier() {
    assert_eq!(
        model_error(&wrong_identifier_model()),
        ModelError::WrongIdentifier { found: *b"TFL2" }
    );
    let line = cli_error(&wrong_identifier_model(), "wrong_identifier");
    assert_contains_all(&line, &["identifier", "\"TFL2\""]);
}

#[test]
fn unsupported_schema_version() {
    assert_eq!(
        model_error(&schema_version_model()),
        ModelError::UnsupportedSchemaVersion { found: 2 }
    );
    let line = cli_error(&schema_version_model(), "schema_version");
    assert_contains_all(&line, &["unsupported schema version 2"]);
}

#[test]
fn truncated_at_every_prefix() {
    let bytes = fc_model().build();
    for n in 0..bytes.len() {
        let err = library_error_bytes(&bytes[..n]);
        assert!(matches!(err, Error::Model(_)), "prefix {n}: {err:?}");
        if n < 8 {
            assert_eq!(err, Error::Model(ModelError::TooShort { len: n }));
        }
    }
    // The CLI on every prefix: one `error:` line each, never a crash.
    let started = std::time::Instant::now();
    for n in 0..bytes.len() {
        cli_error_bytes(&bytes[..n], &format!("prefix_{n}"));
    }
    println!(
        "{} prefixes through the CLI in {:?}",
        bytes.len(),
        started.elapsed()
    );
}

#[test]
fn tensor_index_out_of_range() {
    assert_eq!(
        model_error(&tensor_index_model()),
        ModelError::TensorIndexOutOfRange {
            subgraph: 0,
            site: IndexSite::OperatorInput {
                operator: 0,
                position: 1
            },
            index: 9,
            tensor_count: 4
        }
    );
    let line = cli_error(&tensor_index_model(), "tensor_index");
    assert_contains_all(
        &line,
        &["operator 0 input #1", "tensor index 9 out of range"],
    );
}

#[test]
fn buffer_index_out_of_range() {
    assert_eq!(
        model_error(&buffer_index_model()),
        ModelError::BufferIndexOutOfRange {
            subgraph: 0,
            tensor: 1,
            buffer: 7,
            buffer_count: 3
        }
    );
    let line = cli_error(&buffer_index_model(), "buffer_index");
    assert_contains_all(&line, &["tensor 1", "buffer index 7 out of range"]);
}

#[test]
fn opcode_index_out_of_range() {
    assert_eq!(
        model_error(&opcode_index_model()),
        ModelError::OpcodeIndexOutOfRange {
            subgraph: 0,
            operator: 0,
            opcode_index: 3,
            opcode_count: 1
        }
    );
    let line = cli_error(&opcode_index_model(), "opcode_index");
    assert_contains_all(&line, &["operator 0", "opcode index 3 out of range"]);
}

#[test]
fn constant_buffer_smaller_than_its_shape() {
    assert_eq!(
        model_error(&short_buffer_model()),
        ModelError::BufferTooSmall {
            subgraph: 0,
            tensor: 1,
            buffer: 1,
            needed: 10,
            present: 8
        }
    );
    let line = cli_error(&short_buffer_model(), "short_buffer");
    assert_contains_all(&line, &["tensor 1", "buffer 1", "10", "8"]);
}

#[test]
fn shape_byte_size_overflows() {
    assert_eq!(
        model_error(&shape_overflow_model()),
        ModelError::ShapeOverflow {
            subgraph: 0,
            tensor: 3
        }
    );
    let line = cli_error(&shape_overflow_model(), "shape_overflow");
    assert_contains_all(&line, &["tensor 3"]);
}

#[test]
fn rank_above_supported() {
    assert_eq!(
        op_error(&rank_model()),
        OpError::UnsupportedRank {
            tensor: 1,
            rank: 3,
            max: 2
        }
    );
    let line = cli_error(&rank_model(), "rank");
    assert_contains_all(&line, &["operator 0", "tensor 1 has rank 3"]);
}

#[test]
fn zero_negative_and_non_finite_scales() {
    for (name, scale) in [
        ("zero", 0.0f32),
        ("negative", -0.5),
        ("nan", f32::NAN),
        ("inf", f32::INFINITY),
        ("neg_inf", f32::NEG_INFINITY),
    ] {
        match op_error(&scale_model(scale)) {
            OpError::BadScale {
                tensor: 0,
                channel: 0,
                scale: found,
            } => assert!(
                found.to_bits() == scale.to_bits() || (found.is_nan() && scale.is_nan()),
                "{name}: {found}"
            ),
            other => panic!("{name}: {other:?}"),
        }
        let line = cli_error(&scale_model(scale), &format!("scale_{name}"));
        assert_contains_all(
            &line,
            &["operator 0", "tensor 0", "scale #0", &scale.to_string()],
        );
    }
}

#[test]
fn per_channel_scale_must_be_positive_too() {
    let mut spec = fc_model();
    tensor(&mut spec, 1).scales = Some(vec![0.25, -0.125]);
    assert_eq!(
        op_error(&spec),
        OpError::BadScale {
            tensor: 1,
            channel: 1,
            scale: -0.125
        }
    );
    let line = cli_error(&spec, "per_channel_scale");
    assert_contains_all(&line, &["tensor 1", "scale #1 is -0.125"]);
}

#[test]
fn zero_point_out_of_range() {
    assert_eq!(
        op_error(&zero_point_model()),
        OpError::ZeroPointOutOfRange {
            tensor: 3,
            zero_point: 200,
            min: -128,
            max: 127
        }
    );
    let line = cli_error(&zero_point_model(), "zero_point");
    assert_contains_all(&line, &["tensor 3", "zero point 200", "[-128, 127]"]);
}

#[test]
fn per_channel_scale_count_differs_from_channels() {
    assert_eq!(
        op_error(&per_channel_model()),
        OpError::ChannelCountMismatch {
            tensor: 1,
            scales: 3,
            channels: 2
        }
    );
    let line = cli_error(&per_channel_model(), "per_channel");
    assert_contains_all(&line, &["tensor 1", "3 per-channel scales for 2 channels"]);
}

#[test]
fn wrong_input_count() {
    assert_eq!(
        op_error(&input_count_model()),
        OpError::InputCount {
            min: 2,
            max: 3,
            found: 1
        }
    );
    let line = cli_error(&input_count_model(), "inputs");
    assert_contains_all(
        &line,
        &["operator 0", "expects 2 to 3 inputs, model gives 1"],
    );
}

#[test]
fn unsupported_op_names_op_and_version() {
    let error = library_error(&unsupported_op_model());
    assert!(
        matches!(
            error,
            Error::UnsupportedOp {
                operator: 0,
                op: microlite::BuiltinOperator::CUMSUM,
                version: 2,
                ..
            }
        ),
        "{error:?}"
    );
    let line = cli_error(&unsupported_op_model(), "unsupported_op");
    assert_contains_all(&line, &["operator 0", "CUMSUM", "version 2"]);
}

#[test]
fn unsupported_dtype() {
    assert_eq!(
        op_error(&dtype_model()),
        OpError::UnsupportedType {
            tensor: 0,
            dtype: TensorType::Int16
        }
    );
    let line = cli_error(&dtype_model(), "dtype");
    assert_contains_all(
        &line,
        &["operator 0", "tensor 0 has unsupported dtype int16"],
    );
}

#[test]
fn arena_too_small_states_bytes_needed() {
    let (needed, err) = arena_too_small_error();
    assert_eq!(
        err,
        Error::ArenaTooSmall {
            needed,
            available: needed - 16,
            exact: true
        }
    );
    // The CLI with a fixed budget 16 bytes short names the exact need.
    let path = write_file("arena.tflite", &fc_model().build());
    let budget = (needed - 16).to_string();
    let line = cli_run_error(&path, &["--arena-bytes".as_ref(), budget.as_ref()]);
    assert_contains_all(
        &line,
        &[
            "arena.tflite",
            &format!("needs {needed} bytes, has {budget}"),
        ],
    );
    // A tiny arena cannot even hold the planning metadata: a lower bound.
    let line = cli_run_error(&path, &["--arena-bytes".as_ref(), "64".as_ref()]);
    assert_contains_all(&line, &["needs at least", "has 64"]);
    // With exactly the bytes needed it runs.
    let status = Command::new(env!("CARGO_BIN_EXE_microlite"))
        .arg("run")
        .arg(&path)
        .args(["--arena-bytes", &needed.to_string()])
        .output()
        .unwrap()
        .status;
    assert!(status.success());
}

#[test]
fn input_of_wrong_dtype_or_length() {
    let (wrong_dtype, wrong_length) = input_api_errors();
    assert_eq!(
        wrong_dtype,
        Error::WrongElementType {
            tensor: 0,
            dtype: TensorType::Int8,
            requested: TensorType::Float32
        }
    );
    assert_eq!(
        wrong_length,
        Error::WrongElementCount {
            tensor: 0,
            expected: 4,
            found: 3
        }
    );
    let model = write_file("input_model.tflite", &fc_model().build());
    let float_input = scratch_dir().join("float_input.npy");
    microlite_host::npy_io::write(&float_input, TensorType::Float32, &[1, 4], &[0u8; 16]).unwrap();
    let line = cli_run_error(&model, &["--input".as_ref(), float_input.as_os_str()]);
    assert_contains_all(
        &line,
        &[
            "float_input.npy",
            "input 0 must be int8 [1, 4]",
            "holds float32 [1, 4]",
        ],
    );
    let short_input = scratch_dir().join("short_input.npy");
    microlite_host::npy_io::write(&short_input, TensorType::Int8, &[1, 3], &[0u8; 3]).unwrap();
    let line = cli_run_error(&model, &["--input".as_ref(), short_input.as_os_str()]);
    assert_contains_all(
        &line,
        &[
            "short_input.npy",
            "input 0 must be int8 [1, 4]",
            "holds int8 [1, 3]",
        ],
    );
}

// ---------------------------------------------------------------------------
// Distinct kinds, and the docs.
// ---------------------------------------------------------------------------

/// The first identifier of a `Debug` rendering: the variant name.
fn variant_name(debug: &str) -> String {
    debug
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .unwrap()
        .to_string()
}

/// `Error` variant, and for model and operator errors the inner variant.
fn kind(err: &Error) -> String {
    match err {
        Error::Model(e) => format!(
            "Error::Model(ModelError::{})",
            variant_name(&format!("{e:?}"))
        ),
        Error::Op { error, .. } => {
            format!(
                "Error::Op(OpError::{})",
                variant_name(&format!("{error:?}"))
            )
        }
        other => format!("Error::{}", variant_name(&format!("{other:?}"))),
    }
}

#[test]
fn every_class_has_its_own_error_kind() {
    let (_, arena) = arena_too_small_error();
    let (wrong_dtype, wrong_length) = input_api_errors();
    let classes: Vec<(&str, Error)> = vec![
        ("empty file", library_error_bytes(&[])),
        ("wrong identifier", library_error(&wrong_identifier_model())),
        ("schema version", library_error(&schema_version_model())),
        ("tensor index", library_error(&tensor_index_model())),
        ("buffer index", library_error(&buffer_index_model())),
        ("opcode index", library_error(&opcode_index_model())),
        (
            "short constant buffer",
            library_error(&short_buffer_model()),
        ),
        ("shape overflow", library_error(&shape_overflow_model())),
        ("rank", library_error(&rank_model())),
        ("scale", library_error(&scale_model(0.0))),
        ("zero point", library_error(&zero_point_model())),
        ("per-channel count", library_error(&per_channel_model())),
        ("input count", library_error(&input_count_model())),
        ("unsupported op", library_error(&unsupported_op_model())),
        ("unsupported dtype", library_error(&dtype_model())),
        ("arena too small", arena),
        ("input dtype", wrong_dtype),
        ("input length", wrong_length),
    ];
    let mut seen = std::collections::BTreeMap::new();
    for (class, err) in &classes {
        if let Some(other) = seen.insert(kind(err), *class) {
            panic!("{class} and {other} share the error kind {}", kind(err));
        }
    }
    // Every kind is named in the docs.
    let docs = errors_doc();
    for kind in seen.keys() {
        let inner = kind
            .rsplit('(')
            .next()
            .unwrap()
            .trim_end_matches(')')
            .to_string();
        assert!(docs.contains(&inner), "{inner} missing from docs/errors.md");
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn errors_doc() -> String {
    std::fs::read_to_string(repo_root().join("docs/errors.md")).unwrap()
}

/// `(enum, variants)` of every `pub enum` whose name contains `Error` or
/// ends in `Site` in `source`, read from rustfmt-formatted code: variants
/// are the lines indented by exactly four spaces that start with a capital.
fn error_enums(source: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("pub enum ") else {
            continue;
        };
        let name = variant_name(rest);
        if !(name.contains("Error") || name.ends_with("Site")) {
            continue;
        }
        let mut variants = Vec::new();
        for body in lines.by_ref() {
            if body.starts_with('}') {
                break;
            }
            if let Some(v) = body.strip_prefix("    ") {
                if v.starts_with(|c: char| c.is_ascii_uppercase()) {
                    variants.push(variant_name(v));
                }
            }
        }
        found.push((name, variants));
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "generated") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_error_variant_is_documented() {
    let docs = errors_doc();
    let mut files = Vec::new();
    for krate in ["model", "arena", "kernels", "ops", "microlite"] {
        rust_files(
            &repo_root().join("crates").join(krate).join("src"),
            &mut files,
        );
    }
    let mut enums = BTreeSet::new();
    let mut missing = Vec::new();
    for file in &files {
        for (name, variants) in error_enums(&std::fs::read_to_string(file).unwrap()) {
            assert!(
                !variants.is_empty(),
                "{name} in {}: no variants read",
                file.display()
            );
            for variant in variants {
                let entry = format!("`{name}::{variant}");
                if !docs.contains(&entry) {
                    missing.push(entry);
                }
            }
            enums.insert(name);
        }
    }
    // The reader must see the main enums (guards against a silent parse failure).
    for name in [
        "ModelError",
        "OpError",
        "Error",
        "PlanError",
        "ResolverError",
        "KernelError",
    ] {
        assert!(enums.contains(name), "{name} not found: {enums:?}");
    }
    assert!(
        missing.is_empty(),
        "docs/errors.md lacks these variants: {missing:?}"
    );
}
