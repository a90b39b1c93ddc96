//! Several subgraphs (the `subgraphs` feature): IF inside a WHILE body,
//! CALL_ONCE running once (and not again after `reset_state`, as TFLM's
//! Reset), exact arena sizing, and the errors for bad subgraph indices or
//! mismatched subgraph inputs. Models are hand-built; the converter's
//! models with goldens from TFLM are in reference-models/control_flow*.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../../model/tests/common/builder.rs"]
mod builder;

use builder::{BufferSpec, ModelSpec, OpSpec, OpcodeSpec, SubgraphSpec, TensorSpec};
use microlite::model::schema::{BuiltinOperator as Code, BuiltinOptions, TensorType as SchemaType};
#[cfg(feature = "subgraphs")]
use microlite::Error;
use microlite::{ops, Interpreter, Model, OpError, OpResolver, Options};

const IF: u32 = 0;
const WHILE: u32 = 1;
const ADD: u32 = 2;
const LESS: u32 = 3;
#[allow(dead_code)]
const CALL_ONCE: u32 = 4;

fn opcodes() -> Vec<OpcodeSpec> {
    vec![
        OpcodeSpec::builtin(Code::IF, 1),
        OpcodeSpec::builtin(Code::WHILE, 1),
        OpcodeSpec::builtin(Code::ADD, 1),
        OpcodeSpec::builtin(Code::LESS, 1),
        OpcodeSpec::builtin(Code::CALL_ONCE, 1),
    ]
}

fn resolver() -> OpResolver<5> {
    let mut r = OpResolver::new();
    r.add(ops::if_()).unwrap();
    r.add(ops::while_()).unwrap();
    r.add(ops::add()).unwrap();
    r.add(ops::less()).unwrap();
    r.add(ops::call_once()).unwrap();
    r
}

fn f32s(name: &str, n: i32) -> TensorSpec {
    TensorSpec::new(name, &[n], SchemaType::FLOAT32, 0)
}

fn constant(name: &str, values: &[f32], buffer: u32) -> TensorSpec {
    TensorSpec::new(name, &[values.len() as i32], SchemaType::FLOAT32, buffer)
}

fn boolean(name: &str) -> TensorSpec {
    TensorSpec::new(name, &[1], SchemaType::BOOL, 0)
}

fn op(opcode: u32, inputs: &[i32], outputs: &[i32]) -> OpSpec {
    OpSpec {
        opcode_index: opcode,
        inputs: inputs.to_vec(),
        outputs: outputs.to_vec(),
        ..OpSpec::default()
    }
}

fn with_options(mut op: OpSpec, tag: BuiltinOptions, fields: &[i32]) -> OpSpec {
    op.int_options = Some((tag.0, fields.to_vec()));
    op
}

fn subgraph(
    name: &str,
    tensors: Vec<TensorSpec>,
    inputs: &[i32],
    outputs: &[i32],
    operators: Vec<OpSpec>,
) -> SubgraphSpec {
    SubgraphSpec {
        name: name.into(),
        tensors,
        inputs: inputs.to_vec(),
        outputs: outputs.to_vec(),
        operators,
    }
}

fn bytes_of(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// `(i, x) = WHILE(i < 5) { x = IF(i < 2.5) { x + x } else { x + 1 }; i + 1 }`:
/// subgraphs main, cond (1), body (2), then (3), else (4). From i = 0:
/// 8x + 2.
fn nested_spec(then_index: i32, else_index: i32) -> ModelSpec {
    let main = subgraph(
        "main",
        vec![
            f32s("i", 1),
            f32s("x", 4),
            f32s("i_out", 1),
            f32s("x_out", 4),
        ],
        &[0, 1],
        &[3, 2],
        vec![with_options(
            op(WHILE, &[0, 1], &[2, 3]),
            BuiltinOptions::WhileOptions,
            &[1, 2],
        )],
    );
    let cond = subgraph(
        "cond",
        vec![
            f32s("i", 1),
            f32s("x", 4),
            constant("limit", &[5.0], 1),
            boolean("go"),
        ],
        &[0, 1],
        &[3],
        vec![op(LESS, &[0, 2], &[3])],
    );
    let body = subgraph(
        "body",
        vec![
            f32s("i", 1),
            f32s("x", 4),
            constant("one", &[1.0], 2),
            constant("half_way", &[2.5], 3),
            boolean("early"),
            f32s("x_next", 4),
            f32s("i_next", 1),
        ],
        &[0, 1],
        &[6, 5],
        vec![
            op(LESS, &[0, 3], &[4]),
            with_options(
                op(IF, &[4, 1], &[5]),
                BuiltinOptions::IfOptions,
                &[then_index, else_index],
            ),
            op(ADD, &[0, 2], &[6]),
        ],
    );
    let then = subgraph(
        "then",
        vec![f32s("x", 4), f32s("twice", 4)],
        &[0],
        &[1],
        vec![op(ADD, &[0, 0], &[1])],
    );
    let other = subgraph(
        "else",
        vec![
            f32s("x", 4),
            constant("ones", &[1.0; 4], 4),
            f32s("plus_one", 4),
        ],
        &[0],
        &[2],
        vec![op(ADD, &[0, 1], &[2])],
    );
    ModelSpec {
        version: 3,
        description: None,
        opcodes: opcodes(),
        subgraphs: vec![main, cond, body, then, other],
        buffers: vec![
            BufferSpec::default(),
            BufferSpec::inline(&bytes_of(&[5.0])),
            BufferSpec::inline(&bytes_of(&[1.0])),
            BufferSpec::inline(&bytes_of(&[2.5])),
            BufferSpec::inline(&bytes_of(&[1.0; 4])),
        ],
        metadata: vec![],
        legacy_metadata: None,
        signatures: vec![],
        identifier: "TFL3".into(),
    }
}

fn run(interpreter: &mut Interpreter<'_, '_>, i: f32, x: [f32; 4]) -> (f32, Vec<f32>) {
    interpreter
        .input_mut(0)
        .unwrap()
        .as_slice_mut::<f32>()
        .unwrap()[0] = i;
    interpreter
        .input_mut(1)
        .unwrap()
        .as_slice_mut::<f32>()
        .unwrap()
        .copy_from_slice(&x);
    interpreter.invoke().unwrap();
    let x_out = interpreter
        .output(0)
        .unwrap()
        .as_slice::<f32>()
        .unwrap()
        .to_vec();
    let i_out = interpreter.output(1).unwrap().as_slice::<f32>().unwrap()[0];
    (i_out, x_out)
}

#[cfg(feature = "subgraphs")]
#[test]
fn if_inside_a_while_body_runs_as_tflm() {
    let bytes = nested_spec(3, 4).build();
    let model = Model::from_bytes(&bytes).unwrap();
    let resolver = resolver();
    for options in [
        Options::default(),
        Options {
            preserve_all_tensors: true,
            ..Options::default()
        },
    ] {
        let mut work = vec![0u8; 256 * 1024];
        let exact =
            Interpreter::required_arena_bytes(&model, &resolver, &mut work, options).unwrap();
        let mut arena = vec![0xA5u8; exact];
        let mut interpreter = Interpreter::new(&model, &resolver, &mut arena, options).unwrap();
        assert_eq!(interpreter.arena_used_bytes(), exact);
        // From i = 0: three doublings, then +1 twice.
        let (i, x) = run(&mut interpreter, 0.0, [1.0, -2.0, 0.5, 3.0]);
        assert_eq!(i, 5.0);
        assert_eq!(x, vec![10.0, -14.0, 6.0, 26.0]);
        // From i = 4: one +1 only; from i = 7: the loop body never runs.
        assert_eq!(run(&mut interpreter, 4.0, [1.0; 4]), (5.0, vec![2.0; 4]));
        assert_eq!(run(&mut interpreter, 7.0, [3.0; 4]), (7.0, vec![3.0; 4]));
        let mut small = vec![0u8; exact - 1];
        assert!(matches!(
            Interpreter::new(&model, &resolver, &mut small, options),
            Err(Error::ArenaTooSmall { needed, exact: true, .. }) if needed == exact
        ));
    }
}

#[cfg(feature = "subgraphs")]
#[test]
fn bad_subgraph_indices_and_mismatched_inputs_are_refused() {
    let resolver = resolver();
    let new = |spec: &ModelSpec| {
        let bytes = spec.build();
        let model = Model::from_bytes(&bytes).unwrap();
        let mut arena = vec![0u8; 256 * 1024];
        Interpreter::new(&model, &resolver, &mut arena, Options::default()).map(|_| ())
    };
    // IF in the body (subgraph 2, operator 1) naming subgraph 9, the main
    // one, or its own.
    for (then_index, else_index, field, index) in [
        (9, 4, "then_subgraph_index", 9),
        (3, -1, "else_subgraph_index", -1),
        (0, 4, "then_subgraph_index", 0),
        (3, 2, "else_subgraph_index", 2),
    ] {
        let error = new(&nested_spec(then_index, else_index)).unwrap_err();
        assert!(
            matches!(
                error,
                Error::SubgraphOp {
                    subgraph: 2,
                    operator: 1,
                    op: Code::IF,
                    error: OpError::BadSubgraph { field: f, index: i, count: 5 },
                    ..
                } if f == field && i == index
            ),
            "{error:?}"
        );
    }
    // WHILE naming a cond subgraph out of range.
    let mut spec = nested_spec(3, 4);
    spec.subgraphs[0].operators[0].int_options = Some((BuiltinOptions::WhileOptions.0, vec![5, 2]));
    let error = new(&spec).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Op {
                operator: 0,
                op: Code::WHILE,
                error: OpError::BadSubgraph {
                    field: "cond_subgraph_index",
                    index: 5,
                    ..
                },
                ..
            }
        ),
        "{error:?}"
    );
    // The then-branch takes two inputs, the IF gives one.
    let mut spec = nested_spec(3, 4);
    spec.subgraphs[3].inputs = vec![0, 0];
    let error = new(&spec).unwrap_err();
    assert!(
        matches!(
            error,
            Error::SubgraphOp {
                subgraph: 2,
                error: OpError::SubgraphIoCount {
                    subgraph: 3,
                    what: "inputs",
                    expected: 2,
                    found: 1
                },
                ..
            }
        ),
        "{error:?}"
    );
    // The else-branch's input is of another shape than the IF's.
    let mut spec = nested_spec(3, 4);
    spec.subgraphs[4].tensors[0] = f32s("x", 3);
    let error = new(&spec).unwrap_err();
    assert!(
        matches!(
            error,
            Error::SubgraphOp {
                subgraph: 2,
                error: OpError::SubgraphTensorMismatch {
                    subgraph: 4,
                    tensor: 1,
                    callee_tensor: 0
                },
                ..
            }
        ),
        "{error:?}"
    );
    // Prepared images of several subgraphs are not written yet.
    let bytes = nested_spec(3, 4).build();
    let model = Model::from_bytes(&bytes).unwrap();
    let mut arena = vec![0u8; 256 * 1024];
    let interpreter = Interpreter::new(&model, &resolver, &mut arena, Options::default()).unwrap();
    let mut image = vec![0u8; 64 * 1024];
    assert!(matches!(
        interpreter.write_prepared(&mut image),
        Err(Error::PreparedUnsupported { .. })
    ));
}

#[cfg(not(feature = "subgraphs"))]
#[test]
fn without_the_feature_control_flow_is_refused_naming_the_op() {
    let bytes = nested_spec(3, 4).build();
    let model = Model::from_bytes(&bytes).unwrap();
    let resolver = resolver();
    let mut arena = vec![0u8; 256 * 1024];
    let error = Interpreter::new(&model, &resolver, &mut arena, Options::default()).unwrap_err();
    assert!(
        matches!(
            error,
            microlite::Error::Op {
                operator: 0,
                op: Code::WHILE,
                error: OpError::SubgraphsDisabled,
                ..
            }
        ),
        "{error:?}"
    );
}

/// The control_flow suite's resource-variable model (`state = 0.5 * state
/// + x`, output `state - 0.25`, the state initialised by CALL_ONCE).
#[cfg(feature = "subgraphs")]
fn variable_model(flavour: &str) -> microlite_host::model_file::AlignedFile {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference-models/control_flow")
        .join(format!("variable_{flavour}/model.tflite"));
    microlite_host::model_file::AlignedFile::read(&path).unwrap()
}

/// Outputs with every input byte 0 (0.0; int8 0, a step above the zero
/// point -1) for three invokes, then two
/// after `reset_state`: TFLM's wheel gives these (its `reset()` sets the
/// variable to 0 and does not run CALL_ONCE again, so the initial value is
/// gone; a new interpreter starts from it again).
#[cfg(feature = "subgraphs")]
#[test]
fn a_resource_variable_persists_and_resets_as_tflm() {
    fn check<T: microlite::Element + PartialEq + std::fmt::Debug>(
        flavour: &str,
        expected: &[[T; 6]; 5],
    ) {
        let file = variable_model(flavour);
        let model = Model::from_bytes(file.bytes()).unwrap();
        let resolver = OpResolver::with_all();
        let mut work = vec![0u8; 256 * 1024];
        let exact =
            Interpreter::required_arena_bytes(&model, &resolver, &mut work, Options::default())
                .unwrap();
        for fresh in 0..2 {
            let mut arena = vec![0x3Cu8; exact];
            let mut interpreter =
                Interpreter::new(&model, &resolver, &mut arena, Options::default()).unwrap();
            let mut outputs = Vec::new();
            for k in 0..5 {
                if k == 3 {
                    interpreter.reset_state();
                }
                let mut input = interpreter.input_mut(0).unwrap();
                input.bytes_mut().fill(0);
                interpreter.invoke().unwrap();
                let out = interpreter.output(0).unwrap();
                let values: [T; 6] = out.as_slice::<T>().unwrap().try_into().unwrap();
                outputs.push(values);
            }
            assert_eq!(outputs, expected.to_vec(), "{flavour}, interpreter {fresh}");
        }
    }
    check::<f32>(
        "float32",
        &[
            [0.125, -0.5, -0.125, 0.25, -0.75, -0.1875],
            [-0.0625, -0.375, -0.1875, 0.0, -0.5, -0.21875],
            [-0.15625, -0.3125, -0.21875, -0.125, -0.375, -0.234375],
            [-0.25; 6],
            [-0.25; 6],
        ],
    );
    check::<i8>(
        "int8",
        &[
            [44, -8, 24, 55, -29, 18],
            [29, 3, 19, 35, -8, 16],
            [22, 8, 17, 25, 3, 15],
            [13; 6],
            [14; 6],
        ],
    );
}

/// A cycle of calls (main -> 1 -> 2 -> 1 ...), which TFLM would follow
/// until its stack overflows: prepared (each call is well formed), it stops
/// at the nesting limit at invoke.
#[cfg(feature = "subgraphs")]
#[test]
fn a_cycle_of_calls_stops_at_the_nesting_limit() {
    let call = |index: i32| {
        with_options(
            // The condition, then the branch's inputs: the condition again
            // (for the branch's own IF) and x.
            op(IF, &[0, 0, 1], &[2]),
            BuiltinOptions::IfOptions,
            &[index, index],
        )
    };
    let graph = |name: &str, index: i32| {
        subgraph(
            name,
            vec![boolean("c"), f32s("x", 4), f32s("y", 4)],
            &[0, 1],
            &[2],
            vec![call(index)],
        )
    };
    let spec = ModelSpec {
        version: 3,
        description: None,
        opcodes: opcodes(),
        subgraphs: vec![graph("main", 1), graph("one", 2), graph("two", 1)],
        buffers: vec![BufferSpec::default()],
        metadata: vec![],
        legacy_metadata: None,
        signatures: vec![],
        identifier: "TFL3".into(),
    };
    let bytes = spec.build();
    let model = Model::from_bytes(&bytes).unwrap();
    let resolver = resolver();
    let mut arena = vec![0u8; 256 * 1024];
    let mut interpreter =
        Interpreter::new(&model, &resolver, &mut arena, Options::default()).unwrap();
    interpreter.input_mut(0).unwrap().bytes_mut().fill(1);
    let error = interpreter.invoke().unwrap_err();
    assert!(
        matches!(
            error,
            Error::Op {
                op: Code::IF,
                error: OpError::SubgraphNesting { max: 8, .. },
                ..
            }
        ),
        "{error:?}"
    );
    // The interpreter is usable afterwards (its records swapped back).
    let error = interpreter.invoke().unwrap_err();
    assert!(matches!(error, Error::Op { .. }), "{error:?}");
}
