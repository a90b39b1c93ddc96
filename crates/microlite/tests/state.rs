//! State across invokes: variable tensors a stateful op updates in place
//! and an op's own state bytes persist from one invoke to the next, are
//! never overwritten by other tensors, start from TFLM's reset values and
//! return to them at `Interpreter::reset_state`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../../model/tests/common/builder.rs"]
mod builder;

use builder::{BufferSpec, ModelSpec, OpSpec, OpcodeSpec, SubgraphSpec, TensorSpec};
use microlite::kernel::{EvalContext, Kernel, Needs, PrepareContext, Prepared};
use microlite::model::schema::{BuiltinOperator as Code, TensorType as SchemaType};
use microlite::{Interpreter, Model, OpError, OpResolver, Options, PreparedBytes, Registration};

/// `output = variable + input; variable = output` (float32): a running sum
/// kept in the variable tensor at input 1.
struct RunningSum;

impl Kernel for RunningSum {
    type Params = u32;
    const STATEFUL: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<u32>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        if !ctx.input(1)?.is_variable() {
            return Err(OpError::NotConstant { tensor: 1 });
        }
        Ok(Prepared::new(0))
    }

    fn eval(ctx: &mut EvalContext<'_>, _: &u32, _: &[u8]) -> Result<(), OpError> {
        let input = ctx.input::<f32>(0)?;
        let sum = ctx.take_variable_input::<f32>(1)?;
        let output = ctx.output::<f32>()?;
        for ((out, acc), x) in output.iter_mut().zip(sum.iter_mut()).zip(input) {
            *acc += x;
            *out = *acc;
        }
        Ok(())
    }
}

/// `output = input + n`, where `n` counts the invokes since the last reset
/// in the op's own state bytes.
struct Counter;

impl Kernel for Counter {
    type Params = u32;
    const STATEFUL: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<u32>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        Ok(Prepared {
            params: 0,
            needs: Needs {
                state_bytes: 4,
                scratch_bytes: 64,
                ..Needs::default()
            },
        })
    }

    fn eval(ctx: &mut EvalContext<'_>, _: &u32, _: &[u8]) -> Result<(), OpError> {
        let input = ctx.input::<f32>(0)?;
        let count = ctx.take_state::<u32>()?;
        let n = count.first_mut().ok_or(OpError::Internal("state"))?;
        let (output, scratch) = ctx.output_and_scratch::<f32, u8>()?;
        scratch.fill(0xAA);
        for (out, x) in output.iter_mut().zip(input) {
            *out = x + *n as f32;
        }
        *n += 1;
        Ok(())
    }
}

/// Copies an int8 variable (input 1) to the output, then adds input 0 to
/// the variable.
struct PeekInt8;

impl Kernel for PeekInt8 {
    type Params = u32;
    const STATEFUL: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<u32>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        Ok(Prepared::new(0))
    }

    fn eval(ctx: &mut EvalContext<'_>, _: &u32, _: &[u8]) -> Result<(), OpError> {
        let input = ctx.input::<i8>(0)?;
        let variable = ctx.take_variable_input::<i8>(1)?;
        let output = ctx.output::<i8>()?;
        output.copy_from_slice(variable);
        for (v, x) in variable.iter_mut().zip(input) {
            *v = v.wrapping_add(*x);
        }
        Ok(())
    }
}

fn custom(code: &str) -> OpcodeSpec {
    OpcodeSpec {
        custom_code: Some(code.into()),
        ..OpcodeSpec::builtin(Code::CUSTOM, 1)
    }
}

fn model(tensors: Vec<TensorSpec>, opcodes: Vec<OpcodeSpec>, ops: Vec<OpSpec>) -> Vec<u8> {
    let output = ops.last().unwrap().outputs[0];
    ModelSpec {
        version: 3,
        description: None,
        opcodes,
        subgraphs: vec![SubgraphSpec {
            name: "main".into(),
            tensors,
            inputs: vec![0],
            outputs: vec![output],
            operators: ops,
        }],
        buffers: vec![BufferSpec::default()],
        metadata: vec![],
        legacy_metadata: None,
        signatures: vec![],
        identifier: "TFL3".into(),
    }
    .build()
}

fn op(opcode: u32, inputs: &[i32], output: i32) -> OpSpec {
    OpSpec {
        opcode_index: opcode,
        inputs: inputs.to_vec(),
        outputs: vec![output],
        ..OpSpec::default()
    }
}

/// `t0 -> RunningSum(t0, acc) -> t2 -> Counter -> t3 -> Counter -> t4`:
/// float32 [1, 8]; the second Counter has its own count.
fn float_model() -> Vec<u8> {
    let f = |name: &str| TensorSpec::new(name, &[1, 8], SchemaType::FLOAT32, 0);
    let mut acc = f("acc");
    acc.is_variable = true;
    model(
        vec![f("t0"), acc, f("t2"), f("t3"), f("t4")],
        vec![custom("RunningSum"), custom("Counter")],
        vec![op(0, &[0, 1], 2), op(1, &[2], 3), op(1, &[3], 4)],
    )
}

fn resolver() -> OpResolver<3> {
    let mut resolver = OpResolver::<3>::new();
    resolver
        .add_custom("RunningSum", Registration::custom::<RunningSum>())
        .unwrap();
    resolver
        .add_custom("Counter", Registration::custom::<Counter>())
        .unwrap();
    resolver
        .add_custom("PeekInt8", Registration::custom::<PeekInt8>())
        .unwrap();
    resolver
}

fn invoke(interpreter: &mut Interpreter<'_, '_>, x: f32) -> f32 {
    interpreter
        .input_mut(0)
        .unwrap()
        .as_slice_mut::<f32>()
        .unwrap()
        .fill(x);
    interpreter.invoke().unwrap();
    let out = interpreter.output(0).unwrap();
    let values = out.as_slice::<f32>().unwrap();
    assert!(values.iter().all(|v| *v == values[0]), "{values:?}");
    values[0]
}

#[test]
fn variables_and_op_state_persist_across_invokes_and_reset() {
    let bytes = float_model();
    let model = Model::from_bytes(&bytes).unwrap();
    let resolver = resolver();
    let mut arena = vec![0xEEu8; 16 * 1024];
    let mut interpreter =
        Interpreter::new(&model, &resolver, &mut arena, Options::default()).unwrap();
    // Sum after invoke k (from 0): 2(k + 1); two counters add 2k.
    let outputs: Vec<f32> = (0..50).map(|_| invoke(&mut interpreter, 2.0)).collect();
    let expected: Vec<f32> = (0..50).map(|k| (2 * (k + 1) + 2 * k) as f32).collect();
    assert_eq!(outputs, expected);
    interpreter.reset_state();
    assert_eq!(invoke(&mut interpreter, 1.0), 1.0);
    assert_eq!(invoke(&mut interpreter, 1.0), 4.0);
}

#[test]
fn the_exact_arena_holds_the_state_and_a_prepared_image_keeps_it() {
    let bytes = float_model();
    let model = Model::from_bytes(&bytes).unwrap();
    let resolver = resolver();
    let mut work = vec![0u8; 64 * 1024];
    let exact = Interpreter::required_arena_bytes(&model, &resolver, &mut work, Options::default())
        .unwrap();
    let mut arena = vec![0x55u8; exact];
    let mut interpreter =
        Interpreter::new(&model, &resolver, &mut arena, Options::default()).unwrap();
    assert_eq!(invoke(&mut interpreter, 3.0), 3.0);
    assert_eq!(invoke(&mut interpreter, 3.0), 8.0);

    // The same state handling from an image prepared ahead of time.
    let mut image = PreparedBytes([0u8; 4096]);
    let len = interpreter.write_prepared(&mut image.0).unwrap();
    assert!(len <= image.0.len());
    let mut head = vec![0x77u8; exact];
    let prepared = microlite::Prepared::from_bytes(&image.0[..len]);
    let mut from_image =
        Interpreter::from_prepared(&model, &resolver, prepared, &mut head).unwrap();
    assert_eq!(invoke(&mut from_image, 3.0), 3.0);
    assert_eq!(invoke(&mut from_image, 3.0), 8.0);
}

#[test]
fn an_int8_variable_starts_at_its_zero_point() {
    let i8_tensor = |name: &str| {
        let mut t = TensorSpec::new(name, &[1, 6], SchemaType::INT8, 0);
        t.scales = Some(vec![0.5]);
        t.zero_points = Some(vec![-7]);
        t
    };
    let mut state = i8_tensor("state");
    state.is_variable = true;
    let bytes = model(
        vec![i8_tensor("t0"), state, i8_tensor("t2")],
        vec![custom("PeekInt8")],
        vec![op(0, &[0, 1], 2)],
    );
    let model = Model::from_bytes(&bytes).unwrap();
    let resolver = resolver();
    let mut arena = vec![0x11u8; 16 * 1024];
    let mut interpreter =
        Interpreter::new(&model, &resolver, &mut arena, Options::default()).unwrap();
    let run = |interpreter: &mut Interpreter<'_, '_>| {
        interpreter
            .input_mut(0)
            .unwrap()
            .as_slice_mut::<i8>()
            .unwrap()
            .fill(3);
        interpreter.invoke().unwrap();
        interpreter.output(0).unwrap().as_slice::<i8>().unwrap()[0]
    };
    assert_eq!(run(&mut interpreter), -7);
    assert_eq!(run(&mut interpreter), -4);
    assert_eq!(run(&mut interpreter), -1);
    interpreter.reset_state();
    assert_eq!(run(&mut interpreter), -7);
}
