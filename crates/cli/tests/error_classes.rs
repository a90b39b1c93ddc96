//! One test per class of bad model or bad use, through the library API and
//! through `microlite run`: each gives its own typed error naming the
//! culprit, and the CLI prints it as one `error:` line with exit status 1.
//! Models are built with the model crate's test builder, one fact corrupted
//! at a time, from a valid one-operator int8 FULLY_CONNECTED model.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../model/tests/common/builder.rs"]
#[allow(dead_code)]
mod builder;

use std::process::Command;

use builder::{BufferSpec, ModelSpec, OpSpec, OpcodeSpec, SubgraphSpec, TensorSpec};
use microlite::{Error, Interpreter, Model, OpError, OpResolver, Options, TensorType};
use microlite_cli::model_file::{aligned_arena, AlignedFile};
use microlite_model::schema::{BuiltinOperator, TensorType as T};

/// input [1,4] int8 → FULLY_CONNECTED(weights [2,4], bias [2]) → output [1,2].
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

/// The library's verdict on `spec` (model load, then interpreter creation
/// with the full resolver and a generous arena).
fn library_error(spec: &ModelSpec) -> Error {
    let file = AlignedFile::from_bytes(&spec.build());
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

/// `microlite run` on `spec`: exit 1 and one `error:` line, returned.
fn cli_error(spec: &ModelSpec, name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("microlite-error-classes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.tflite"));
    std::fs::write(&path, spec.build()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_microlite"))
        .arg("run")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.lines().count() == 1,
        "{name}: {stderr:?}"
    );
    assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    stderr
}

fn op_error(spec: &ModelSpec) -> OpError {
    match library_error(spec) {
        Error::Op {
            operator: 0,
            op: "FULLY_CONNECTED",
            version: 9,
            error,
        } => error,
        other => panic!("expected an operator error, got {other:?}"),
    }
}

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
}

#[test]
fn rank_above_supported() {
    let mut spec = fc_model();
    tensor(&mut spec, 1).shape = Some(vec![1, 2, 4]);
    assert_eq!(
        op_error(&spec),
        OpError::UnsupportedRank {
            tensor: 1,
            rank: 3,
            max: 2
        }
    );
    assert!(cli_error(&spec, "rank").contains("tensor 1 has rank 3"));
}

#[test]
fn zero_negative_and_non_finite_scales() {
    for (name, scale) in [
        ("zero", 0.0f32),
        ("negative", -0.5),
        ("nan", f32::NAN),
        ("inf", f32::INFINITY),
    ] {
        let mut spec = fc_model();
        tensor(&mut spec, 0).scales = Some(vec![scale]);
        match op_error(&spec) {
            OpError::BadQuantization { tensor: 0, what } => {
                assert!(what.contains("scale"), "{name}: {what}")
            }
            other => panic!("{name}: {other:?}"),
        }
        assert!(cli_error(&spec, name).contains("tensor 0 has bad quantization"));
    }
}

#[test]
fn zero_point_out_of_range() {
    let mut spec = fc_model();
    tensor(&mut spec, 3).zero_points = Some(vec![200]);
    assert_eq!(
        op_error(&spec),
        OpError::BadQuantization {
            tensor: 3,
            what: "zero point outside the dtype's range"
        }
    );
    assert!(cli_error(&spec, "zero_point").contains("zero point outside"));
}

#[test]
fn per_channel_scale_count_differs_from_channels() {
    let mut spec = fc_model();
    *tensor(&mut spec, 1) = TensorSpec::new("weights", &[2, 4], T::INT8, 1).quantized(
        &[0.25, 0.125, 0.5],
        &[0, 0, 0],
        0,
    );
    assert_eq!(
        op_error(&spec),
        OpError::BadQuantization {
            tensor: 1,
            what: "per-channel scale count differs from the channel count"
        }
    );
    assert!(cli_error(&spec, "per_channel").contains("per-channel scale count"));
}

#[test]
fn wrong_input_count() {
    let mut spec = fc_model();
    spec.main().operators[0].inputs = vec![0];
    assert_eq!(
        op_error(&spec),
        OpError::InputCount {
            min: 2,
            max: 3,
            found: 1
        }
    );
    assert!(cli_error(&spec, "inputs").contains("expects 2 to 3 inputs"));
}

#[test]
fn unsupported_op_names_op_and_version() {
    let mut spec = fc_model();
    spec.opcodes = vec![OpcodeSpec::builtin(BuiltinOperator::CUMSUM, 2)];
    assert_eq!(
        library_error(&spec),
        Error::UnsupportedOp {
            operator: 0,
            op: "CUMSUM",
            version: 2
        }
    );
    let line = cli_error(&spec, "unsupported_op");
    assert!(line.contains("CUMSUM") && line.contains("version 2") && line.contains("operator 0"));
}

#[test]
fn unsupported_dtype() {
    let mut spec = fc_model();
    tensor(&mut spec, 0).dtype = T::INT16;
    tensor(&mut spec, 0).zero_points = Some(vec![0]);
    assert_eq!(
        op_error(&spec),
        OpError::UnsupportedType {
            tensor: 0,
            dtype: TensorType::Int16
        }
    );
    assert!(cli_error(&spec, "dtype").contains("unsupported dtype int16"));
}

#[test]
fn arena_too_small_states_bytes_needed() {
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
    .unwrap_err();
    assert_eq!(
        err,
        Error::ArenaTooSmall {
            needed,
            available: needed - 16,
            exact: true
        }
    );
}
