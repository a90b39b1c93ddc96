//! Custom operators registered from outside the crates by their custom
//! code (`OpResolver::add_custom`, as TFLM's `AddCustom`), and the error
//! naming every op a resolver lacks, custom codes included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../../model/tests/common/builder.rs"]
mod builder;

use builder::{BufferSpec, ModelSpec, OpSpec, OpcodeSpec, SubgraphSpec, TensorSpec};
use microlite::kernel::{expect_type, EvalContext, Kernel, PrepareContext, Prepared};
use microlite::model::schema::{BuiltinOperator as Code, TensorType as SchemaType};
use microlite::{
    BuiltinOperator, Error, Interpreter, Model, OpError, OpResolver, Options, Registration,
    TensorType,
};

/// A user's custom op: `output = scale * input` for float32, the scale
/// prepared once.
struct Scale;

impl Kernel for Scale {
    type Params = f32;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<f32>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        expect_type(&ctx.input(0)?, TensorType::Float32)?;
        expect_type(&ctx.output(0)?, TensorType::Float32)?;
        Ok(Prepared::new(3.0))
    }

    fn eval(ctx: &mut EvalContext<'_>, scale: &f32, _: &[u8]) -> Result<(), OpError> {
        let input = ctx.input::<f32>(0)?;
        for (out, x) in ctx.output::<f32>()?.iter_mut().zip(input) {
            *out = scale * x;
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

/// `t0 -> opcodes[0] -> t1 -> opcodes[1] -> t2 -> ... `, float32 [1, 4].
fn chain(opcodes: Vec<OpcodeSpec>) -> Vec<u8> {
    let n = opcodes.len();
    let tensors = (0..=n)
        .map(|t| TensorSpec::new(&format!("t{t}"), &[1, 4], SchemaType::FLOAT32, 0))
        .collect();
    let operators = (0..n)
        .map(|k| OpSpec {
            opcode_index: k as u32,
            inputs: vec![k as i32],
            outputs: vec![k as i32 + 1],
            ..OpSpec::default()
        })
        .collect();
    ModelSpec {
        version: 3,
        description: None,
        opcodes,
        subgraphs: vec![SubgraphSpec {
            name: "main".into(),
            tensors,
            inputs: vec![0],
            outputs: vec![n as i32],
            operators,
        }],
        buffers: vec![BufferSpec::default()],
        metadata: vec![],
        legacy_metadata: None,
        signatures: vec![],
        identifier: "TFL3".into(),
    }
    .build()
}

fn aligned(bytes: &[u8]) -> Vec<u128> {
    let mut words = vec![0u128; bytes.len().div_ceil(16)];
    bytemuck::cast_slice_mut::<u128, u8>(&mut words)[..bytes.len()].copy_from_slice(bytes);
    words
}

#[test]
fn a_custom_op_registered_by_its_code_runs() {
    let bytes = chain(vec![custom("Scale"), OpcodeSpec::builtin(Code::RELU, 1)]);
    let words = aligned(&bytes);
    let model =
        Model::from_bytes(&bytemuck::cast_slice::<u128, u8>(&words)[..bytes.len()]).unwrap();
    let mut resolver = OpResolver::<2>::new();
    resolver
        .add_custom("Scale", Registration::custom::<Scale>())
        .unwrap();
    resolver.add(microlite::ops::relu()).unwrap();
    let mut arena = microlite::Arena::<4096>::new();
    let mut interpreter =
        Interpreter::new(&model, &resolver, &mut arena, Options::default()).unwrap();
    interpreter
        .input_mut(0)
        .unwrap()
        .copy_from::<f32>(&[1.0, -2.0, 0.5, 4.0])
        .unwrap();
    interpreter.invoke().unwrap();
    let out = interpreter.output(0).unwrap();
    assert_eq!(out.as_slice::<f32>().unwrap(), &[3.0, 0.0, 1.5, 12.0]);
}

#[test]
fn custom_codes_are_told_apart() {
    let mut resolver = OpResolver::<3>::new();
    resolver
        .add_custom("Scale", Registration::custom::<Scale>())
        .unwrap();
    // Another code is another op; the same code twice is a duplicate.
    resolver
        .add_custom("Other", Registration::custom::<Scale>())
        .unwrap();
    assert!(resolver
        .add_custom("Scale", Registration::custom::<Scale>())
        .is_err());
    // A custom registration needs its code.
    assert!(resolver.add(Registration::custom::<Scale>()).is_err());
}

#[test]
fn every_missing_op_is_named_custom_codes_included() {
    let bytes = chain(vec![
        custom("Scale"),
        OpcodeSpec::builtin(Code::RELU, 1),
        custom("SignalWindow"),
        OpcodeSpec::builtin(Code::TANH, 1),
        custom("Scale"),
    ]);
    let words = aligned(&bytes);
    let model =
        Model::from_bytes(&bytemuck::cast_slice::<u128, u8>(&words)[..bytes.len()]).unwrap();
    let mut resolver = OpResolver::<1>::new();
    resolver.add(microlite::ops::relu()).unwrap();
    let mut arena = microlite::Arena::<4096>::new();
    let error = Interpreter::new(&model, &resolver, &mut arena, Options::default()).unwrap_err();
    let Error::UnsupportedOp {
        operator,
        op,
        custom_code,
        missing,
        ..
    } = error
    else {
        panic!("{error:?}");
    };
    assert_eq!((operator, op), (0, BuiltinOperator::CUSTOM));
    assert_eq!(custom_code.as_str(), "Scale");
    // Scale (operators 0 and 4, once), SignalWindow, TANH.
    let listed: Vec<BuiltinOperator> = missing.iter().map(|m| m.op).collect();
    assert_eq!(
        listed,
        [
            BuiltinOperator::CUSTOM,
            BuiltinOperator::CUSTOM,
            BuiltinOperator::TANH
        ]
    );
    let text = error.to_string();
    for part in [
        "custom op \"Scale\"",
        "CUSTOM v1, CUSTOM v1, TANH v1",
        "3 ops",
    ] {
        assert!(text.contains(part), "{text}");
    }
}

#[test]
fn an_op_not_made_for_several_outputs_is_refused_them() {
    // Scale's operator with two outputs: refused at prepare, naming it.
    let tensors = (0..3)
        .map(|t| TensorSpec::new(&format!("t{t}"), &[1, 4], SchemaType::FLOAT32, 0))
        .collect();
    let bytes = ModelSpec {
        version: 3,
        description: None,
        opcodes: vec![custom("Scale")],
        subgraphs: vec![SubgraphSpec {
            name: "main".into(),
            tensors,
            inputs: vec![0],
            outputs: vec![1, 2],
            operators: vec![OpSpec {
                opcode_index: 0,
                inputs: vec![0],
                outputs: vec![1, 2],
                ..OpSpec::default()
            }],
        }],
        buffers: vec![BufferSpec::default()],
        metadata: vec![],
        legacy_metadata: None,
        signatures: vec![],
        identifier: "TFL3".into(),
    }
    .build();
    let words = aligned(&bytes);
    let model =
        Model::from_bytes(&bytemuck::cast_slice::<u128, u8>(&words)[..bytes.len()]).unwrap();
    let mut resolver = OpResolver::<1>::new();
    resolver
        .add_custom("Scale", Registration::custom::<Scale>())
        .unwrap();
    let mut arena = microlite::Arena::<4096>::new();
    let error = Interpreter::new(&model, &resolver, &mut arena, Options::default()).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Op {
                operator: 0,
                error: OpError::OutputCount {
                    expected: 1,
                    found: 2
                },
                ..
            }
        ),
        "{error:?}"
    );
}
