//! Prepare checks of the activation, CONCATENATION, PAD, TRANSPOSE,
//! STRIDED_SLICE, SQUEEZE and EXPAND_DIMS registrations on one-operator
//! models built with the model crate's test builder, plus SQUEEZE and
//! EXPAND_DIMS runs (the golden suites have no such operator: the converter
//! lowers both to RESHAPE). Expected outputs follow from the ops' definitions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../model/tests/common/builder.rs"]
#[allow(dead_code)]
mod builder;

use builder::{BufferSpec, ModelSpec, OpSpec, OpcodeSpec, SubgraphSpec, TensorSpec};
use microlite::{Error, Interpreter, Model, OpError, OpResolver, Options};
use microlite_host::model_file::{aligned_arena, AlignedFile};
use microlite_model::schema::{BuiltinOperator, TensorType as T};

fn i32_bytes(values: &[i32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A model with one operator `op` reading `inputs` and writing the last
/// tensor. Tensors whose spec names buffer `k > 0` get `constants[k - 1]`.
fn one_op(op: BuiltinOperator, tensors: Vec<TensorSpec>, constants: &[Vec<u8>]) -> ModelSpec {
    let output = tensors.len() as i32 - 1;
    let inputs: Vec<i32> = (0..output).collect();
    let graph_inputs: Vec<i32> = tensors[..output as usize]
        .iter()
        .enumerate()
        .filter(|(_, t)| t.buffer == 0)
        .map(|(i, _)| i as i32)
        .collect();
    let mut buffers = vec![BufferSpec::default()];
    buffers.extend(constants.iter().map(|c| BufferSpec::inline(c)));
    ModelSpec {
        version: 3,
        description: None,
        opcodes: vec![OpcodeSpec::builtin(op, 1)],
        subgraphs: vec![SubgraphSpec {
            name: "main".into(),
            tensors,
            inputs: graph_inputs,
            outputs: vec![output],
            operators: vec![OpSpec {
                opcode_index: 0,
                inputs,
                outputs: vec![output],
                ..OpSpec::default()
            }],
        }],
        buffers,
        metadata: vec![],
        legacy_metadata: None,
        signatures: vec![],
        identifier: "TFL3".into(),
    }
}

/// The operator error interpreter creation reports for `spec`.
fn op_error(spec: &ModelSpec) -> OpError {
    let file = AlignedFile::from_bytes(&spec.build());
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
        Ok(_) => panic!("bad model was accepted"),
    }
}

/// Runs `spec` on float input 0 and returns float output 0.
fn run_f32(spec: &ModelSpec, input: &[f32]) -> Vec<f32> {
    let file = AlignedFile::from_bytes(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let mut arena = aligned_arena(1 << 16);
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
        .copy_from::<f32>(input)
        .unwrap();
    interpreter.invoke().unwrap();
    interpreter
        .output(0)
        .unwrap()
        .as_slice::<f32>()
        .unwrap()
        .to_vec()
}

fn f32_tensor(name: &str, shape: &[i32]) -> TensorSpec {
    TensorSpec::new(name, shape, T::FLOAT32, 0)
}

fn i8_tensor(name: &str, shape: &[i32], scale: f32, zero_point: i64) -> TensorSpec {
    TensorSpec::new(name, shape, T::INT8, 0).quantized(&[scale], &[zero_point], 0)
}

fn const_i32(name: &str, shape: &[i32], buffer: u32) -> TensorSpec {
    TensorSpec::new(name, shape, T::INT32, buffer)
}

// ---------------------------------------------------------------- activations

#[test]
fn activation_output_dtype_must_match_input() {
    let spec = one_op(
        BuiltinOperator::RELU,
        vec![f32_tensor("x", &[2, 3]), i8_tensor("y", &[2, 3], 0.1, 0)],
        &[],
    );
    assert_eq!(
        op_error(&spec),
        OpError::UnsupportedType {
            tensor: 1,
            dtype: microlite::TensorType::Int8
        }
    );
}

#[test]
fn activation_output_shape_must_match_input() {
    let spec = one_op(
        BuiltinOperator::TANH,
        vec![f32_tensor("x", &[2, 3]), f32_tensor("y", &[3, 2])],
        &[],
    );
    assert!(matches!(
        op_error(&spec),
        OpError::ShapeMismatch { tensor: 1, .. }
    ));
}

#[test]
fn int8_logistic_output_zero_point_must_be_minus_128() {
    let spec = one_op(
        BuiltinOperator::LOGISTIC,
        vec![
            i8_tensor("x", &[4], 0.1, 0),
            i8_tensor("y", &[4], 1.0 / 256.0, 0),
        ],
        &[],
    );
    assert!(matches!(
        op_error(&spec),
        OpError::BadQuantization { tensor: 1, .. }
    ));
}

#[test]
fn int8_hard_swish_rejects_output_multiplier_above_one() {
    // input_scale / (128 * output_scale) = 1 / (128 * 0.001) > 1.
    let spec = one_op(
        BuiltinOperator::HARD_SWISH,
        vec![i8_tensor("x", &[4], 1.0, 0), i8_tensor("y", &[4], 0.001, 0)],
        &[],
    );
    assert!(matches!(
        op_error(&spec),
        OpError::BadQuantization { tensor: 1, .. }
    ));
}

#[test]
fn float_relu6_runs() {
    let spec = one_op(
        BuiltinOperator::RELU6,
        vec![f32_tensor("x", &[4]), f32_tensor("y", &[4])],
        &[],
    );
    let input = [-1.0f32, 0.5, 6.5, 3.0];
    let want: Vec<f32> = input.iter().map(|x| x.clamp(0.0, 6.0)).collect();
    assert_eq!(run_f32(&spec, &input), want);
}

// -------------------------------------------------------------- CONCATENATION

#[test]
fn concatenation_off_axis_dimensions_must_match() {
    // Absent options: axis 0. Inputs [2,3] and [1,4] differ off the axis.
    let spec = one_op(
        BuiltinOperator::CONCATENATION,
        vec![
            f32_tensor("a", &[2, 3]),
            f32_tensor("b", &[1, 4]),
            f32_tensor("y", &[3, 3]),
        ],
        &[],
    );
    assert!(matches!(
        op_error(&spec),
        OpError::ShapeMismatch { tensor: 1, .. }
    ));
}

#[test]
fn concatenation_axis_extents_must_add_up() {
    let spec = one_op(
        BuiltinOperator::CONCATENATION,
        vec![
            f32_tensor("a", &[2, 3]),
            f32_tensor("b", &[1, 3]),
            f32_tensor("y", &[4, 3]),
        ],
        &[],
    );
    assert!(matches!(
        op_error(&spec),
        OpError::ShapeMismatch { tensor: 2, .. }
    ));
}

#[test]
fn concatenation_accepts_at_most_ten_inputs() {
    let mut tensors: Vec<TensorSpec> = (0..11)
        .map(|i| f32_tensor(&format!("x{i}"), &[1]))
        .collect();
    tensors.push(f32_tensor("y", &[11]));
    let spec = one_op(BuiltinOperator::CONCATENATION, tensors, &[]);
    assert_eq!(
        op_error(&spec),
        OpError::InputCount {
            min: 1,
            max: 10,
            found: 11
        }
    );
}

#[test]
fn concatenation_along_axis_0_runs() {
    let spec = one_op(
        BuiltinOperator::CONCATENATION,
        vec![f32_tensor("a", &[2, 2]), f32_tensor("y", &[2, 2])],
        &[],
    );
    assert_eq!(run_f32(&spec, &[1.0, 2.0, 3.0, 4.0]), [1.0, 2.0, 3.0, 4.0]);
}

// ------------------------------------------------------------------------ PAD

#[test]
fn pad_rejects_negative_paddings() {
    let spec = one_op(
        BuiltinOperator::PAD,
        vec![
            f32_tensor("x", &[3]),
            const_i32("paddings", &[1, 2], 1),
            f32_tensor("y", &[2]),
        ],
        &[i32_bytes(&[-1, 0])],
    );
    assert!(matches!(
        op_error(&spec),
        OpError::ShapeMismatch { tensor: 1, .. }
    ));
}

#[test]
fn pad_output_shape_must_be_input_plus_paddings() {
    let spec = one_op(
        BuiltinOperator::PAD,
        vec![
            f32_tensor("x", &[3]),
            const_i32("paddings", &[1, 2], 1),
            f32_tensor("y", &[5]),
        ],
        &[i32_bytes(&[1, 2])],
    );
    assert!(matches!(
        op_error(&spec),
        OpError::ShapeMismatch { tensor: 2, .. }
    ));
}

#[test]
fn pad_paddings_must_be_constant() {
    let spec = one_op(
        BuiltinOperator::PAD,
        vec![
            f32_tensor("x", &[3]),
            const_i32("paddings", &[1, 2], 0),
            f32_tensor("y", &[6]),
        ],
        &[],
    );
    assert_eq!(op_error(&spec), OpError::NotConstant { tensor: 1 });
}

#[test]
fn padv2_constant_must_be_a_scalar_of_the_input_dtype() {
    let spec = one_op(
        BuiltinOperator::PADV2,
        vec![
            f32_tensor("x", &[3]),
            const_i32("paddings", &[1, 2], 1),
            TensorSpec::new("value", &[2], T::FLOAT32, 2),
            f32_tensor("y", &[6]),
        ],
        &[
            i32_bytes(&[1, 2]),
            [1.0f32, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect(),
        ],
    );
    assert!(matches!(
        op_error(&spec),
        OpError::ShapeMismatch { tensor: 2, .. }
    ));
}

#[test]
fn padv2_pads_with_the_constant() {
    let spec = one_op(
        BuiltinOperator::PADV2,
        vec![
            f32_tensor("x", &[3]),
            const_i32("paddings", &[1, 2], 1),
            TensorSpec::new("value", &[], T::FLOAT32, 2),
            f32_tensor("y", &[6]),
        ],
        &[i32_bytes(&[1, 2]), 7.5f32.to_le_bytes().to_vec()],
    );
    assert_eq!(
        run_f32(&spec, &[1.0, 2.0, 3.0]),
        [7.5, 1.0, 2.0, 3.0, 7.5, 7.5]
    );
}

// ------------------------------------------------------------------ TRANSPOSE

#[test]
fn transpose_rejects_repeated_permutation_entries() {
    let spec = one_op(
        BuiltinOperator::TRANSPOSE,
        vec![
            f32_tensor("x", &[2, 3]),
            const_i32("perm", &[2], 1),
            f32_tensor("y", &[2, 2]),
        ],
        &[i32_bytes(&[0, 0])],
    );
    assert!(matches!(
        op_error(&spec),
        OpError::ShapeMismatch { tensor: 1, .. }
    ));
}

#[test]
fn transpose_output_must_be_the_permuted_shape() {
    let spec = one_op(
        BuiltinOperator::TRANSPOSE,
        vec![
            f32_tensor("x", &[2, 3]),
            const_i32("perm", &[2], 1),
            f32_tensor("y", &[2, 3]),
        ],
        &[i32_bytes(&[1, 0])],
    );
    assert!(matches!(
        op_error(&spec),
        OpError::ShapeMismatch { tensor: 2, .. }
    ));
}

// -------------------------------------------------------------- STRIDED_SLICE

fn strided_slice(begin: &[i32], end: &[i32], strides: &[i32], out: &[i32]) -> ModelSpec {
    let n = begin.len() as i32;
    one_op(
        BuiltinOperator::STRIDED_SLICE,
        vec![
            f32_tensor("x", &[2, 5]),
            const_i32("begin", &[n], 1),
            const_i32("end", &[n], 2),
            const_i32("strides", &[n], 3),
            f32_tensor("y", out),
        ],
        &[i32_bytes(begin), i32_bytes(end), i32_bytes(strides)],
    )
}

#[test]
fn strided_slice_rejects_zero_stride() {
    let spec = strided_slice(&[0, 0], &[2, 5], &[1, 0], &[2, 5]);
    assert!(matches!(
        op_error(&spec),
        OpError::ShapeMismatch { tensor: 3, .. }
    ));
}

#[test]
fn strided_slice_needs_one_index_per_dimension() {
    let spec = strided_slice(&[0], &[2], &[1], &[2, 5]);
    assert!(matches!(
        op_error(&spec),
        OpError::ShapeMismatch { tensor: 1, .. }
    ));
}

#[test]
fn strided_slice_reverse_with_negative_indices_runs() {
    // Row 1 (begin -1 → 1), columns 4, 2, 0 (end -6 → clamped to -1).
    let spec = strided_slice(&[-1, -1], &[2, -6], &[1, -2], &[1, 3]);
    let input: Vec<f32> = (0..10).map(|v| v as f32).collect();
    assert_eq!(run_f32(&spec, &input), [9.0, 7.0, 5.0]);
}

// ---------------------------------------------------- SQUEEZE and EXPAND_DIMS

#[test]
fn squeeze_without_options_drops_every_size_1_dimension() {
    let spec = one_op(
        BuiltinOperator::SQUEEZE,
        vec![f32_tensor("x", &[1, 3, 1, 2]), f32_tensor("y", &[3, 2])],
        &[],
    );
    let input = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
    assert_eq!(run_f32(&spec, &input), input);

    let partial = one_op(
        BuiltinOperator::SQUEEZE,
        vec![f32_tensor("x", &[1, 3, 1, 2]), f32_tensor("y", &[3, 1, 2])],
        &[],
    );
    assert!(matches!(
        op_error(&partial),
        OpError::ShapeMismatch { tensor: 1, .. }
    ));
}

#[test]
fn expand_dims_inserts_a_dimension() {
    let spec = one_op(
        BuiltinOperator::EXPAND_DIMS,
        vec![
            f32_tensor("x", &[3, 2]),
            const_i32("axis", &[], 1),
            f32_tensor("y", &[3, 2, 1]),
        ],
        &[i32_bytes(&[-1])],
    );
    let input = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
    assert_eq!(run_f32(&spec, &input), input);
}

#[test]
fn expand_dims_rejects_axis_beyond_rank() {
    let spec = one_op(
        BuiltinOperator::EXPAND_DIMS,
        vec![
            f32_tensor("x", &[3, 2]),
            const_i32("axis", &[1], 1),
            f32_tensor("y", &[3, 2, 1]),
        ],
        &[i32_bytes(&[3])],
    );
    assert!(matches!(
        op_error(&spec),
        OpError::ShapeMismatch { tensor: 1, .. }
    ));
}

#[test]
fn expand_dims_output_must_have_the_inserted_dimension() {
    let spec = one_op(
        BuiltinOperator::EXPAND_DIMS,
        vec![
            f32_tensor("x", &[3, 2]),
            const_i32("axis", &[1], 1),
            f32_tensor("y", &[3, 2, 1]),
        ],
        &[i32_bytes(&[0])],
    );
    assert!(matches!(
        op_error(&spec),
        OpError::ShapeMismatch { tensor: 2, .. }
    ));
}
