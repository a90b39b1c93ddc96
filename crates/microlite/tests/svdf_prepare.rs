//! SVDF's prepare refuses what TFLM cannot run (the goldens under
//! reference-models/svdf cover what it runs): an absent bias (the
//! tflite-micro wheel crashes on it), an activation state that is not a
//! variable tensor, a rank below 1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../../model/tests/common/builder.rs"]
mod builder;

use builder::{BufferSpec, ModelSpec, OpSpec, OpcodeSpec, SubgraphSpec, TensorSpec};
use microlite::model::schema::{BuiltinOperator as Code, TensorType as SchemaType};
use microlite::{Error, Interpreter, Model, OpError, OpResolver, Options};

/// SVDFOptions' builtin_options_type tag.
const SVDF_OPTIONS: u8 = 6;

/// A float32 SVDF: input [1, 3], 2 filters, memory 2, bias [2] (rank 1
/// would give 2 units), with or without the bias, the state variable or not.
/// Its options table has no `rank` (the builder writes only Conv2D-shaped
/// tables, under the SVDFOptions tag here), so rank is 0: the checks of the
/// bias and the state come first.
fn svdf_model(bias: bool, variable_state: bool) -> Vec<u8> {
    let f = |name: &str, shape: &[i32]| TensorSpec::new(name, shape, SchemaType::FLOAT32, 0);
    let mut state = f("state", &[1, 4]);
    state.is_variable = variable_state;
    let tensors = vec![
        f("input", &[1, 3]),
        f("weights_feature", &[2, 3]),
        f("weights_time", &[2, 2]),
        f("bias", &[2]),
        state,
        f("output", &[1, 2]),
    ];
    ModelSpec {
        version: 3,
        description: None,
        opcodes: vec![OpcodeSpec::builtin(Code::SVDF, 1)],
        subgraphs: vec![SubgraphSpec {
            name: "main".into(),
            tensors,
            inputs: vec![0, 1, 2],
            outputs: vec![5],
            operators: vec![OpSpec {
                opcode_index: 0,
                inputs: vec![0, 1, 2, if bias { 3 } else { -1 }, 4],
                outputs: vec![5],
                // A table whose `rank` (field 0) is absent: rank 0.
                conv_strides: Some((0, 0)),
                options_tag: Some(SVDF_OPTIONS),
                ..OpSpec::default()
            }],
        }],
        buffers: vec![BufferSpec::default()],
        metadata: vec![],
        legacy_metadata: None,
        signatures: vec![],
        identifier: "TFL3".into(),
    }
    .build()
}

fn prepare_error(bytes: &[u8]) -> OpError {
    let model = Model::from_bytes(bytes).unwrap();
    let resolver = OpResolver::with_all();
    let mut arena = vec![0u8; 64 * 1024];
    match Interpreter::new(&model, &resolver, &mut arena, Options::default()) {
        Err(Error::Op { error, .. }) => error,
        Err(other) => panic!("not an operator error: {other}"),
        Ok(_) => panic!("SVDF prepared"),
    }
}

#[test]
fn an_absent_bias_is_refused() {
    assert_eq!(
        prepare_error(&svdf_model(false, true)),
        OpError::MissingInput { position: 3 }
    );
}

#[test]
fn a_state_that_is_not_variable_is_refused() {
    assert!(matches!(
        prepare_error(&svdf_model(true, false)),
        OpError::ShapeMismatch { tensor: 4, .. }
    ));
}

#[test]
fn rank_zero_is_refused() {
    assert_eq!(
        prepare_error(&svdf_model(true, true)),
        OpError::UnsupportedOption {
            field: "rank",
            value: 0
        }
    );
}
