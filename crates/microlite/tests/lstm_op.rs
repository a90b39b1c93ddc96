//! UNIDIRECTIONAL_SEQUENCE_LSTM through the interpreter: its state carries
//! across invokes and returns to the initial state at `reset_state`
//! (against the golden, TFLM's first invoke), and the variants TFLM's
//! kernel refuses (CIFG,
//! peephole, projection, layer norm, a state that is not a variable tensor)
//! are refused at `Interpreter::new` with the error naming the input. The
//! models are a golden LSTM (`reference-models/lstm`) with one entry of the
//! operator's input list patched in place; TFLM's prepare
//! (`LstmTensors::ValidateTensorStatus`) fails on each of them (checked with
//! the tflite-micro wheel: "failed to allocate tensors" for every patch
//! below, while the unpatched model runs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use microlite::{Error, Interpreter, Model, OpError, OpResolver, Options};
use microlite_host::golden::CaseArrays;
use microlite_host::model_file::{aligned_arena, AlignedFile};
use microlite_host::session;

/// The golden float LSTM: one operator whose inputs are
/// `[0, 1, .., 8, -1, -1, -1, 9, .., 12, -1, -1, 13, 14, -1, -1, -1, -1]`.
const INPUTS: [i32; 24] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, 9, 10, 11, 12, -1, -1, 13, 14, -1, -1, -1, -1,
];

fn model_bytes() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference-models/lstm/lstm_b1_t3_i4_c5_float32/model.tflite");
    std::fs::read(path).unwrap()
}

/// The model with operator input `position` set to tensor `tensor`.
fn patched(position: usize, tensor: i32) -> Vec<u8> {
    let mut bytes = model_bytes();
    let pattern: Vec<u8> = INPUTS.iter().flat_map(|v| v.to_le_bytes()).collect();
    let at = bytes
        .windows(pattern.len())
        .position(|w| w == pattern.as_slice())
        .expect("the operator's input list");
    let entry = at + 4 * position;
    bytes[entry..entry + 4].copy_from_slice(&tensor.to_le_bytes());
    bytes
}

fn op_error(bytes: &[u8]) -> OpError {
    let file = AlignedFile::from_bytes(bytes);
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let mut arena = aligned_arena(1 << 16);
    match Interpreter::new(
        &model,
        &resolver,
        bytemuck::cast_slice_mut(&mut arena),
        Options::default(),
    ) {
        Err(Error::Op { error, .. }) => error,
        Err(other) => panic!("expected an operator error, got {other:?}"),
        Ok(_) => panic!("the variant was accepted"),
    }
}

#[test]
fn the_patch_target_is_the_golden_operator() {
    // Unpatched positions keep their tensors: the pattern is found.
    assert_eq!(patched(0, 0), model_bytes());
}

#[test]
fn cifg_without_input_gate_is_refused() {
    assert_eq!(
        op_error(&patched(1, -1)),
        OpError::MissingInput { position: 1 }
    );
    assert_eq!(
        op_error(&patched(5, -1)),
        OpError::MissingInput { position: 5 }
    );
}

#[test]
fn peephole_projection_and_layer_norm_are_refused_naming_the_input() {
    // Tensor 9 is a [5] float bias: any present tensor is refused.
    for (position, field) in [
        (9, "peephole cell_to_input_weights (input 9)"),
        (11, "peephole cell_to_output_weights (input 11)"),
        (16, "projection_weights (input 16)"),
        (17, "projection_bias (input 17)"),
        (20, "input_layer_norm_coefficients (input 20)"),
        (23, "output_layer_norm_coefficients (input 23)"),
    ] {
        assert_eq!(
            op_error(&patched(position, 9)),
            OpError::UnsupportedOption { field, value: 9 },
            "input {position}"
        );
    }
}

#[test]
fn a_state_that_is_not_a_variable_is_refused() {
    // Tensor 0, the graph input, as the hidden state.
    let error = op_error(&patched(18, 0));
    assert!(
        matches!(error, OpError::ShapeMismatch { tensor: 0, .. }),
        "{error:?}"
    );
}

/// Output 0 of `invokes` invokes of the int8 golden case `case` on its
/// golden input, one interpreter, with `reset_state` before invoke `reset`.
fn int8_outputs(case: &str, invokes: usize, reset: Option<usize>) -> (Vec<Vec<u8>>, Vec<u8>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference-models/lstm")
        .join(case);
    let file = AlignedFile::read(&dir.join("model.tflite")).unwrap();
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let options = Options::default();
    let needed = session::required_arena_bytes(&model, &resolver, options).unwrap();
    let mut arena = aligned_arena(needed);
    let mut interpreter = Interpreter::new(
        &model,
        &resolver,
        bytemuck::cast_slice_mut(&mut arena),
        options,
    )
    .unwrap();
    let arrays = CaseArrays::open(&dir).unwrap();
    let input = arrays.get("input_0.npy").unwrap();
    let mut outputs = Vec::new();
    for n in 0..invokes {
        if reset == Some(n) {
            interpreter.reset_state();
        }
        interpreter
            .input_mut(0)
            .unwrap()
            .bytes_mut()
            .copy_from_slice(&input.bytes);
        interpreter.invoke().unwrap();
        outputs.push(interpreter.output(0).unwrap().bytes().to_vec());
    }
    let t = model.main_subgraph().outputs().iter().next().unwrap();
    let golden = arrays.get(&format!("tensor_{t}.npy")).unwrap();
    (outputs, golden.bytes)
}

#[test]
fn state_carries_across_invokes_until_reset() {
    // Hidden zero point 2: the reset state is the zero point, not 0.
    let case = "lstm_b2_t4_i3_c4_int8";
    let (outputs, golden) = int8_outputs(case, 3, Some(2));
    assert_eq!(outputs[0], golden, "first invoke");
    assert_ne!(
        outputs[1], golden,
        "second invoke starts from the first's state"
    );
    assert_eq!(outputs[2], golden, "after reset_state");
}
