//! In-place execution through the interpreter: which operators get to write
//! their output over an input (granted / refused), that doing so gives the
//! same bits as separate buffers, and that it saves arena.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../../model/tests/common/builder.rs"]
mod builder;

use builder::{BufferSpec, ModelSpec, OpSpec, OpcodeSpec, SubgraphSpec, TensorSpec};
use microlite::model::schema::{BuiltinOperator, TensorType as SchemaType};
use microlite::{Interpreter, Model, OpResolver, Options};

/// Model bytes in 16-byte aligned memory.
struct Aligned(Vec<u128>, usize);

impl Aligned {
    fn new(bytes: &[u8]) -> Self {
        let mut words = vec![0u128; bytes.len().div_ceil(16)];
        bytemuck::cast_slice_mut::<u128, u8>(&mut words)[..bytes.len()].copy_from_slice(bytes);
        Self(words, bytes.len())
    }
    fn bytes(&self) -> &[u8] {
        &bytemuck::cast_slice::<u128, u8>(&self.0)[..self.1]
    }
}

const RELU: u32 = 0;
const ADD: u32 = 1;
const CONV: u32 = 2;

fn spec(
    tensors: Vec<TensorSpec>,
    buffers: Vec<BufferSpec>,
    ops: Vec<OpSpec>,
    outputs: &[i32],
) -> ModelSpec {
    ModelSpec {
        version: 3,
        description: None,
        opcodes: vec![
            OpcodeSpec::builtin(BuiltinOperator::RELU, 1),
            OpcodeSpec::builtin(BuiltinOperator::ADD, 1),
            OpcodeSpec::builtin(BuiltinOperator::CONV_2D, 1),
        ],
        subgraphs: vec![SubgraphSpec {
            name: "main".into(),
            tensors,
            inputs: vec![0],
            outputs: outputs.to_vec(),
            operators: ops,
        }],
        buffers,
        metadata: vec![],
        legacy_metadata: None,
        signatures: vec![],
        identifier: "TFL3".into(),
    }
}

fn op(opcode: u32, inputs: &[i32], output: i32) -> OpSpec {
    OpSpec {
        opcode_index: opcode,
        inputs: inputs.to_vec(),
        outputs: vec![output],
        ..OpSpec::default()
    }
}

fn float(name: &str, shape: &[i32]) -> TensorSpec {
    TensorSpec::new(name, shape, SchemaType::FLOAT32, 0)
}

const SHAPE: [i32; 4] = [1, 8, 8, 4];

/// `ops` over float32 tensors of [`SHAPE`]: tensor 0 is the model input,
/// tensor `k` the output of op `k - 1`.
fn float_graph(ops: Vec<OpSpec>, outputs: &[i32]) -> Vec<u8> {
    let tensors = (0..=ops.len())
        .map(|t| float(&format!("t{t}"), &SHAPE))
        .collect();
    spec(tensors, vec![BufferSpec::default()], ops, outputs).build()
}

/// What one run gives: per-op in-place input, arena size, output bytes.
struct Run {
    in_place: Vec<Option<usize>>,
    arena: usize,
    outputs: Vec<Vec<u8>>,
}

fn input_values(len: usize, seed: u32) -> Vec<f32> {
    (0..len as u32)
        .map(|i| ((i.wrapping_mul(2_654_435_761) ^ seed) % 2001) as f32 / 100.0 - 10.0)
        .collect()
}

/// Run the model twice (inputs rewritten before each invoke) and return the
/// second run's outputs.
fn run(model_bytes: &[u8], options: Options, input: &[u8]) -> Run {
    let file = Aligned::new(model_bytes);
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let mut work = vec![0u128; 1 << 16];
    let needed = Interpreter::required_arena_bytes(
        &model,
        &resolver,
        bytemuck::cast_slice_mut(&mut work),
        options,
    )
    .unwrap();
    let mut arena = vec![0u128; needed.div_ceil(16)];
    let arena: &mut [u8] = &mut bytemuck::cast_slice_mut(&mut arena)[..needed];
    let mut interpreter = Interpreter::new(&model, &resolver, arena, options).unwrap();
    assert_eq!(interpreter.arena_used_bytes(), needed);
    for _ in 0..2 {
        interpreter
            .input_mut(0)
            .unwrap()
            .bytes_mut()
            .copy_from_slice(input);
        interpreter.invoke().unwrap();
    }
    let ops = model.main_subgraph().operator_count();
    Run {
        in_place: (0..ops)
            .map(|i| interpreter.in_place_input(i).unwrap())
            .collect(),
        arena: needed,
        outputs: (0..interpreter.output_count())
            .map(|k| interpreter.output(k).unwrap().bytes().to_vec())
            .collect(),
    }
}

fn float_input() -> (Vec<f32>, Vec<u8>) {
    let values = input_values(SHAPE.iter().product::<i32>() as usize, 7);
    let bytes = bytemuck::cast_slice(&values).to_vec();
    (values, bytes)
}

fn as_f32(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn relu(values: &[f32]) -> Vec<f32> {
    values.iter().map(|v| v.max(0.0)).collect()
}

const OFF: Options = Options {
    backend: microlite::kernels::Backend::Portable,
    preserve_all_tensors: false,
    ignore_offline_plan: false,
    in_place: false,
    fuse: false,
    plan_search: microlite::PlanSearch::QUICK,
    #[cfg(feature = "subgraphs")]
    max_while_iterations: u32::MAX,
};

#[test]
fn a_dying_input_is_overwritten_and_the_bits_are_the_same() {
    let model = float_graph(vec![op(RELU, &[0], 1), op(RELU, &[1], 2)], &[2]);
    let (values, input) = float_input();
    let on = run(&model, Options::default(), &input);
    let off = run(&model, OFF, &input);
    assert_eq!(on.in_place, [Some(0), Some(0)]);
    assert_eq!(off.in_place, [None, None]);
    assert_eq!(on.outputs, off.outputs);
    assert_eq!(as_f32(&on.outputs[0]), relu(&values));
    let tensor = 4 * SHAPE.iter().product::<i32>() as usize;
    assert!(
        on.arena + tensor <= off.arena,
        "in place {} vs separate {}",
        on.arena,
        off.arena
    );
}

#[test]
fn a_model_output_is_never_overwritten() {
    // t1 is a model output and the input of op 1.
    let model = float_graph(vec![op(RELU, &[0], 1), op(RELU, &[1], 2)], &[1, 2]);
    let (values, input) = float_input();
    let on = run(&model, Options::default(), &input);
    assert_eq!(on.in_place[1], None);
    assert_eq!(as_f32(&on.outputs[0]), relu(&values));
    assert_eq!(as_f32(&on.outputs[1]), relu(&values));
}

#[test]
fn an_input_read_later_is_not_overwritten() {
    // t1 feeds op 1 and, later, op 2: op 1 must keep it.
    let model = float_graph(
        vec![op(RELU, &[0], 1), op(RELU, &[1], 2), op(ADD, &[1, 2], 3)],
        &[3],
    );
    let (values, input) = float_input();
    let on = run(&model, Options::default(), &input);
    let off = run(&model, OFF, &input);
    assert_eq!(on.in_place[1], None);
    // Both inputs of the ADD die there: it writes over one of them.
    assert!(on.in_place[2].is_some(), "{:?}", on.in_place);
    let twice: Vec<f32> = relu(&values).iter().map(|v| v + v).collect();
    assert_eq!(as_f32(&on.outputs[0]), twice);
    assert_eq!(on.outputs, off.outputs);
    assert!(on.arena < off.arena);
}

#[test]
fn the_same_buffer_twice_is_not_overwritten() {
    // ADD(t1, t1): t1 dies at the ADD but is read twice there.
    let model = float_graph(vec![op(RELU, &[0], 1), op(ADD, &[1, 1], 2)], &[2]);
    let (values, input) = float_input();
    let on = run(&model, Options::default(), &input);
    assert_eq!(on.in_place[1], None);
    let twice: Vec<f32> = relu(&values).iter().map(|v| v + v).collect();
    assert_eq!(as_f32(&on.outputs[0]), twice);
}

#[test]
fn preserve_all_tensors_and_the_option_turn_it_off() {
    let model = float_graph(vec![op(RELU, &[0], 1), op(RELU, &[1], 2)], &[2]);
    let (_, input) = float_input();
    let preserve = Options {
        preserve_all_tensors: true,
        ..Options::default()
    };
    assert!(Options::default().in_place);
    for options in [preserve, OFF] {
        let r = run(&model, options, &input);
        assert_eq!(r.in_place, [None, None], "{options:?}");
    }
}

/// CONV(in) -> CONV stride 2 -> RELU, float32 or int8 with per-channel
/// weights; returns the model and an input.
fn conv_chain(int8: bool) -> (Vec<u8>, Vec<u8>) {
    let (in_c, mid_c) = (3usize, 8usize);
    let dtype = if int8 {
        SchemaType::INT8
    } else {
        SchemaType::FLOAT32
    };
    let act = |name: &str, shape: &[i32], scale: f32, zp: i64| {
        let t = TensorSpec::new(name, shape, dtype, 0);
        if int8 {
            t.quantized(&[scale], &[zp], 0)
        } else {
            t
        }
    };
    let mut buffers = vec![BufferSpec::default()];
    let mut weights = |out_c: usize, in_c: usize, in_scale: f32, seed: u32| {
        let n = out_c * 9 * in_c;
        let raw: Vec<i32> = (0..n as u32)
            .map(|i| ((i.wrapping_mul(2_246_822_519) ^ seed) % 255) as i32 - 127)
            .collect();
        let scales: Vec<f32> = (0..out_c).map(|c| 0.01 + 0.002 * c as f32).collect();
        let (filter, bias): (Vec<u8>, Vec<u8>) = if int8 {
            (
                raw.iter().map(|&v| v as i8 as u8).collect(),
                (0..out_c)
                    .flat_map(|c| (c as i32 * 37 - 100).to_le_bytes())
                    .collect(),
            )
        } else {
            (
                raw.iter()
                    .flat_map(|&v| (v as f32 / 300.0).to_le_bytes())
                    .collect(),
                (0..out_c)
                    .flat_map(|c| (c as f32 / 10.0 - 0.3).to_le_bytes())
                    .collect(),
            )
        };
        buffers.push(BufferSpec::inline(&filter));
        buffers.push(BufferSpec::inline(&bias));
        let (fb, bb) = (buffers.len() as u32 - 2, buffers.len() as u32 - 1);
        let mut f = TensorSpec::new("filter", &[out_c as i32, 3, 3, in_c as i32], dtype, fb);
        let mut b = TensorSpec::new(
            "bias",
            &[out_c as i32],
            if int8 {
                SchemaType::INT32
            } else {
                SchemaType::FLOAT32
            },
            bb,
        );
        if int8 {
            let zeros = vec![0; out_c];
            f = f.quantized(&scales, &zeros, 0);
            let bias_scales: Vec<f32> = scales.iter().map(|s| s * in_scale).collect();
            b = b.quantized(&bias_scales, &zeros, 0);
        }
        (f, b)
    };
    let (f1, b1) = weights(mid_c, in_c, 0.05, 1);
    let (f2, b2) = weights(mid_c, mid_c, 0.1, 2);
    let tensors = vec![
        act("in", &[1, 12, 10, in_c as i32], 0.05, -3),
        act("t1", &[1, 12, 10, mid_c as i32], 0.1, 2),
        act("t2", &[1, 6, 5, mid_c as i32], 0.2, -1),
        act("out", &[1, 6, 5, mid_c as i32], 0.2, -1),
        f1,
        b1,
        f2,
        b2,
    ];
    let conv = |inputs: &[i32], output: i32, stride: i32| OpSpec {
        conv_strides: Some((stride, stride)),
        ..op(CONV, inputs, output)
    };
    let ops = vec![
        conv(&[0, 4, 5], 1, 1),
        conv(&[1, 6, 7], 2, 2),
        op(RELU, &[2], 3),
    ];
    let model = spec(tensors, buffers, ops, &[3]).build();
    let count = 12 * 10 * in_c;
    let input: Vec<u8> = if int8 {
        (0..count as u32)
            .map(|i| (i.wrapping_mul(40_503) % 256) as u8)
            .collect()
    } else {
        bytemuck::cast_slice(&input_values(count, 3)).to_vec()
    };
    (model, input)
}

#[test]
fn conv_chains_in_place_give_the_same_bits() {
    for int8 in [false, true] {
        let (model, input) = conv_chain(int8);
        let on = run(&model, Options::default(), &input);
        let off = run(&model, OFF, &input);
        assert_eq!(on.outputs, off.outputs, "int8 {int8}");
        assert!(
            on.in_place.iter().filter(|k| k.is_some()).count() >= 2,
            "int8 {int8}: {:?}",
            on.in_place
        );
        assert!(
            on.arena < off.arena,
            "int8 {int8}: {} vs {}",
            on.arena,
            off.arena
        );
    }
}
