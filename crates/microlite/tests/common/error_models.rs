//! Models and library-side helpers shared by the error-class tests: the
//! library's typed errors in `crates/microlite/tests/error_classes.rs` and the
//! CLI's one-line messages in `crates/cli/tests/error_classes_cli.rs`. Models
//! are built with the model crate's test builder, one fact corrupted at a
//! time, from a valid one-operator int8 FULLY_CONNECTED model. No tests here.
//!
//! Included by path from both test crates, each of which also includes the
//! builder as a top-level `mod builder` (hence `super::builder`):
//!
//! ```text
//! #[path = "../../model/tests/common/builder.rs"]
//! #[allow(dead_code)]
//! mod builder;
//! #[path = "../../microlite/tests/common/error_models.rs"] // from crates/cli/tests
//! #[allow(dead_code)]
//! mod error_models;
//! ```

use super::builder::{BufferSpec, ModelSpec, OpSpec, OpcodeSpec, SubgraphSpec, TensorSpec};
use microlite::{Error, Interpreter, Model, ModelError, OpError, OpResolver, Options};
use microlite_host::model_file::{aligned_arena, AlignedFile};
use microlite_model::schema::{BuiltinOperator, TensorType as T};

/// input [1,4] int8 → FULLY_CONNECTED(weights [2,4], bias [2]) → output [1,2].
/// Tensors: 0 input, 1 weights (buffer 1), 2 bias (buffer 2), 3 output.
pub fn fc_model() -> ModelSpec {
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

pub fn tensor(spec: &mut ModelSpec, t: usize) -> &mut TensorSpec {
    &mut spec.main().tensors[t]
}

/// The library's verdict on model `bytes`: load, then create an interpreter
/// with the full resolver and a generous arena.
pub fn library_error_bytes(bytes: &[u8]) -> Error {
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

pub fn library_error(spec: &ModelSpec) -> Error {
    library_error_bytes(&spec.build())
}

pub fn model_error(spec: &ModelSpec) -> ModelError {
    match library_error(spec) {
        Error::Model(e) => e,
        other => panic!("expected a model error, got {other:?}"),
    }
}

pub fn op_error(spec: &ModelSpec) -> OpError {
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

// ---------------------------------------------------------------------------
// The corruptions, one per class (shared by the library and CLI class tests
// and the distinct-kind check).
// ---------------------------------------------------------------------------

pub fn wrong_identifier_model() -> ModelSpec {
    let mut spec = fc_model();
    spec.identifier = "TFL2".into();
    spec
}

pub fn schema_version_model() -> ModelSpec {
    let mut spec = fc_model();
    spec.version = 2;
    spec
}

pub fn tensor_index_model() -> ModelSpec {
    let mut spec = fc_model();
    spec.main().operators[0].inputs[1] = 9;
    spec
}

pub fn buffer_index_model() -> ModelSpec {
    let mut spec = fc_model();
    tensor(&mut spec, 1).buffer = 7;
    spec
}

pub fn opcode_index_model() -> ModelSpec {
    let mut spec = fc_model();
    spec.main().operators[0].opcode_index = 3;
    spec
}

pub fn short_buffer_model() -> ModelSpec {
    // Weights claim [2, 5] = 10 bytes; the buffer holds 8.
    let mut spec = fc_model();
    tensor(&mut spec, 1).shape = Some(vec![2, 5]);
    spec
}

pub fn shape_overflow_model() -> ModelSpec {
    let mut spec = fc_model();
    tensor(&mut spec, 3).shape = Some(vec![i32::MAX, i32::MAX, i32::MAX]);
    spec
}

pub fn rank_model() -> ModelSpec {
    let mut spec = fc_model();
    tensor(&mut spec, 1).shape = Some(vec![1, 2, 4]);
    spec
}

pub fn scale_model(scale: f32) -> ModelSpec {
    let mut spec = fc_model();
    tensor(&mut spec, 0).scales = Some(vec![scale]);
    spec
}

pub fn zero_point_model() -> ModelSpec {
    let mut spec = fc_model();
    tensor(&mut spec, 3).zero_points = Some(vec![200]);
    spec
}

pub fn per_channel_model() -> ModelSpec {
    let mut spec = fc_model();
    *tensor(&mut spec, 1) = TensorSpec::new("weights", &[2, 4], T::INT8, 1).quantized(
        &[0.25, 0.125, 0.5],
        &[0, 0, 0],
        0,
    );
    spec
}

/// The second per-channel weight scale is negative.
pub fn negative_channel_scale_model() -> ModelSpec {
    let mut spec = fc_model();
    tensor(&mut spec, 1).scales = Some(vec![0.25, -0.125]);
    spec
}

pub fn input_count_model() -> ModelSpec {
    let mut spec = fc_model();
    spec.main().operators[0].inputs = vec![0];
    spec
}

pub fn unsupported_op_model() -> ModelSpec {
    let mut spec = fc_model();
    spec.opcodes = vec![OpcodeSpec::builtin(BuiltinOperator::LSH_PROJECTION, 2)];
    spec
}

pub fn dtype_model() -> ModelSpec {
    let mut spec = fc_model();
    tensor(&mut spec, 0).dtype = T::INT64;
    tensor(&mut spec, 0).zero_points = Some(vec![0]);
    spec
}

/// Needed bytes of `fc_model` and the error of an arena 16 bytes short.
pub fn arena_too_small_error() -> (usize, Error) {
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
pub fn input_api_errors() -> (Error, Error) {
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
