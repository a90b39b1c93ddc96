//! ADD, SUB and MUL with NumPy broadcasting (rank ≤ 6) and a fused clamping
//! activation: float32, and int8 and int16 with TFLM's rescaling (ADD/SUB
//! through a common scale with a 20-bit left shift for int8 and 15 for int16,
//! MUL through one multiplier; int16 MUL needs zero points of 0), and
//! unquantized int32 (broadcasting to rank 4, as TFLM; wrapping; ADD ignores
//! the fused activation, as TFLM's int32 ADD does).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::activation::FusedActivation;
use microlite_kernels::broadcast::{BroadcastShape, MAX_BROADCAST_RANK};
use microlite_kernels::elementwise::{
    self as kernel, add_f32, mul_f32, prepare_add_int16, prepare_add_int8, prepare_mul_int8,
    prepare_sub_int16, prepare_sub_int8, sub_f32, AddSubQuantParams, BinaryQuantization,
    MulQuantParams,
};
use microlite_kernels::optimized::elementwise::{add_int8_same_shape, sub_int8_same_shape};
use microlite_kernels::quantization::{
    activation_range_f32, activation_range_i16, activation_range_i32, activation_range_i8,
};
use microlite_kernels::KernelError;
use microlite_model::schema::ActivationFunctionType;
use microlite_model::{Tensor, TensorType};

use crate::activation::clamping_activation;
use crate::binary_broadcast::binary_broadcast;
use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{InPlaceOffer, Kernel, Prepared};
use crate::quant_params::{affine, symmetric};
use crate::type_set::{self, covers, TypeSet, ALL, FLOAT32};

crate::registry::declare_ops! {
    /// ADD.
    add => Add, ADD, "int8, int16, float32, int32; broadcasting to rank 6 (int32: 4)",
        versions 1..=3,
        int8 add_int8 => Add<{ crate::type_set::INT8 }>;
    /// SUB.
    sub => Sub, SUB, "int8, int16, float32, int32; broadcasting to rank 6 (int32: 4)",
        versions 1..=5,
        int8 sub_int8 => Sub<{ crate::type_set::INT8 }>;
    /// MUL.
    mul => Mul, MUL, "int8, int16, float32, int32; broadcasting to rank 6 (int32: 4)",
        versions 1..=4,
        int8 mul_int8 => Mul<{ crate::type_set::INT8 }>;
}

const FLOAT: u32 = 0;
const INT8: u32 = 1;
const INT16: u32 = 2;
const INT32: u32 = 3;

/// TFLM broadcasts int32 arithmetic with its 4-D slow loops.
const MAX_INT32_BROADCAST_RANK: usize = 4;

/// Prepared ADD or SUB parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct AddSubParams {
    kind: u32,
    activation_min_f32: f32,
    activation_max_f32: f32,
    shape: BroadcastShape,
    quant: AddSubQuantParams,
}

/// Prepared MUL parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct MulParams {
    kind: u32,
    activation_min_f32: f32,
    activation_max_f32: f32,
    shape: BroadcastShape,
    quant: MulQuantParams,
}

/// ADD.
///
/// `TYPES` ([`crate::type_set`]) selects the types whose code is linked.
pub struct Add<const TYPES: TypeSet = ALL>;

/// SUB (`input1 - input2`).
///
/// `TYPES` ([`crate::type_set`]) selects the types whose code is linked.
pub struct Sub<const TYPES: TypeSet = ALL>;

/// MUL.
///
/// `TYPES` ([`crate::type_set`]) selects the types whose code is linked.
pub struct Mul<const TYPES: TypeSet = ALL>;

/// Which of the three ops is being prepared.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arithmetic {
    Add,
    Sub,
    Mul,
}

/// What all three ops check and compute alike.
struct Common<'m> {
    input1: Tensor<'m>,
    input2: Tensor<'m>,
    output: Tensor<'m>,
    kind: u32,
    shape: BroadcastShape,
    activation_min_f32: f32,
    activation_max_f32: f32,
    /// Set for int8 and int16.
    quantization: Option<BinaryQuantization>,
    /// The clamp of int32 outputs.
    activation_i32: (i32, i32),
}

/// The fused activation from the op's options. Absent options mean NONE, as
/// in TFLM; options of another type are an error.
fn activation_option(ctx: &PrepareContext<'_>, op: Arithmetic) -> Result<FusedActivation, OpError> {
    let raw = ctx.operator().raw();
    let value = match op {
        Arithmetic::Add => raw
            .builtin_options_as_add_options()
            .map(|o| o.fused_activation_function()),
        Arithmetic::Sub => raw
            .builtin_options_as_sub_options()
            .map(|o| o.fused_activation_function()),
        Arithmetic::Mul => raw
            .builtin_options_as_mul_options()
            .map(|o| o.fused_activation_function()),
    };
    let value = match value {
        Some(v) => v,
        None if raw.builtin_options_type() == microlite_model::schema::BuiltinOptions::NONE => {
            ActivationFunctionType::NONE
        }
        None => return Err(OpError::MissingOptions),
    };
    clamping_activation(value)
}

fn prepare_common<'m>(
    ctx: &PrepareContext<'m>,
    op: Arithmetic,
    types: TypeSet,
) -> Result<Common<'m>, OpError> {
    ctx.expect_io(2, 2, 1)?;
    let activation = activation_option(ctx, op)?;
    let input1 = ctx.input(0)?;
    type_set::require(types, &input1)?;
    let input2 = ctx.input(1)?;
    let output = ctx.output(0)?;
    let shape = binary_broadcast(&input1, &input2, &output, MAX_BROADCAST_RANK)?;
    let mut common = Common {
        input1,
        input2,
        output,
        kind: FLOAT,
        shape,
        activation_min_f32: 0.0,
        activation_max_f32: 0.0,
        quantization: None,
        activation_i32: (i32::MIN, i32::MAX),
    };
    match input1.dtype() {
        TensorType::Float32 => {
            expect_type(&input2, TensorType::Float32)?;
            expect_type(&output, TensorType::Float32)?;
            (common.activation_min_f32, common.activation_max_f32) =
                activation_range_f32(activation);
        }
        dtype @ (TensorType::Int8 | TensorType::Int16) => {
            expect_type(&input2, dtype)?;
            expect_type(&output, dtype)?;
            let q1 = affine(&input1)?;
            let q2 = affine(&input2)?;
            let qo = affine(&output)?;
            let range = if dtype == TensorType::Int8 {
                activation_range_i8
            } else {
                activation_range_i16
            };
            let (activation_min, activation_max) = range(activation, qo.scale, qo.zero_point)
                .map_err(|_| OpError::BadQuantization {
                    tensor: output.index(),
                    what: "activation range not representable",
                })?;
            common.kind = if dtype == TensorType::Int8 {
                INT8
            } else {
                INT16
            };
            common.quantization = Some(BinaryQuantization {
                input1_scale: q1.scale,
                input1_zero_point: q1.zero_point,
                input2_scale: q2.scale,
                input2_zero_point: q2.zero_point,
                output_scale: qo.scale,
                output_zero_point: qo.zero_point,
                activation_min,
                activation_max,
            });
        }
        TensorType::Int32 => {
            expect_type(&input2, TensorType::Int32)?;
            expect_type(&output, TensorType::Int32)?;
            if !shape.is_elementwise() {
                binary_broadcast(&input1, &input2, &output, MAX_INT32_BROADCAST_RANK)?;
            }
            if op == Arithmetic::Add {
                // TFLM: "Only support int32 unquantized add for now".
                for tensor in [&input1, &input2] {
                    if tensor.quantization().is_some() {
                        return Err(OpError::BadQuantization {
                            tensor: tensor.index(),
                            what: "int32 ADD takes unquantized inputs only",
                        });
                    }
                }
            } else {
                common.activation_i32 = activation_range_i32(activation);
            }
            common.kind = INT32;
        }
        other => {
            return Err(OpError::UnsupportedType {
                tensor: input1.index(),
                dtype: other,
            })
        }
    }
    Ok(common)
}

/// Names the tensor whose scale made a multiplier unrepresentable.
fn quant_error(e: KernelError, common: &Common<'_>) -> OpError {
    match e {
        KernelError::MultiplierOutOfRange { what, .. } => {
            let tensor = match what {
                "input1" => common.input1.index(),
                "input2" => common.input2.index(),
                _ => common.output.index(),
            };
            OpError::BadQuantization {
                tensor,
                what: "scales give a rescaling multiplier outside (0, 1)",
            }
        }
        KernelError::EmptyActivationRange { .. } => OpError::BadQuantization {
            tensor: common.output.index(),
            what: "activation range is empty",
        },
        other => OpError::Kernel(other),
    }
}

fn prepare_add_sub(
    ctx: &PrepareContext<'_>,
    op: Arithmetic,
    types: TypeSet,
) -> Result<Prepared<AddSubParams>, OpError> {
    let common = prepare_common(ctx, op, types)?;
    let quant = match &common.quantization {
        Some(q) => {
            let prepared = match (op == Arithmetic::Sub, common.kind == INT16) {
                (true, false) => prepare_sub_int8(q),
                (true, true) => prepare_sub_int16(q),
                (false, false) => prepare_add_int8(q),
                (false, true) => prepare_add_int16(q),
            };
            prepared.map_err(|e| quant_error(e, &common))?
        }
        None => AddSubQuantParams {
            activation_min: common.activation_i32.0,
            activation_max: common.activation_i32.1,
            ..AddSubQuantParams::zeroed()
        },
    };
    let mut prepared = Prepared::new(AddSubParams {
        kind: common.kind,
        activation_min_f32: common.activation_min_f32,
        activation_max_f32: common.activation_max_f32,
        shape: common.shape,
        quant,
    });
    prepared.needs.in_place = same_shape_offer(&common);
    Ok(prepared)
}

impl<const TYPES: TypeSet> Kernel for Add<TYPES> {
    type Params = AddSubParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<AddSubParams>, OpError> {
        prepare_add_sub(ctx, Arithmetic::Add, TYPES)
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &AddSubParams, _: &[u8]) -> Result<(), OpError> {
        eval_add_sub::<TYPES>(ctx, p, Arithmetic::Add)
    }
}

impl<const TYPES: TypeSet> Kernel for Sub<TYPES> {
    type Params = AddSubParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<AddSubParams>, OpError> {
        prepare_add_sub(ctx, Arithmetic::Sub, TYPES)
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &AddSubParams, _: &[u8]) -> Result<(), OpError> {
        eval_add_sub::<TYPES>(ctx, p, Arithmetic::Sub)
    }
}

/// ADD or SUB of the prepared kind, through the backend's same-shape int8
/// path where it applies.
fn eval_add_sub<const TYPES: TypeSet>(
    ctx: &mut EvalContext<'_>,
    p: &AddSubParams,
    op: Arithmetic,
) -> Result<(), OpError> {
    if ctx.in_place_input().is_some() {
        return add_sub_in_place::<TYPES>(ctx, p, op);
    }
    let subtract = op == Arithmetic::Sub;
    if covers(TYPES, FLOAT32) && p.kind == FLOAT {
        let (a, b) = (ctx.input::<f32>(0)?, ctx.input::<f32>(1)?);
        let out = ctx.output::<f32>()?;
        let (lo, hi) = (p.activation_min_f32, p.activation_max_f32);
        if subtract {
            sub_f32(lo, hi, &p.shape, a, b, out)
        } else {
            add_f32(lo, hi, &p.shape, a, b, out)
        }
    } else if covers(TYPES, ALL) && p.kind == INT32 {
        let (a, b) = (ctx.input::<i32>(0)?, ctx.input::<i32>(1)?);
        let out = ctx.output::<i32>()?;
        let (lo, hi) = (p.quant.activation_min, p.quant.activation_max);
        if subtract {
            kernel::sub_i32(lo, hi, &p.shape, a, b, out)
        } else {
            kernel::add_i32(lo, hi, &p.shape, a, b, out)
        }
    } else if covers(TYPES, type_set::INT16) && p.kind == INT16 {
        let (a, b) = (ctx.input::<i16>(0)?, ctx.input::<i16>(1)?);
        let out = ctx.output::<i16>()?;
        if subtract {
            kernel::sub_int16(&p.quant, &p.shape, a, b, out)
        } else {
            kernel::add_int16(&p.quant, &p.shape, a, b, out)
        }
    } else {
        let (a, b) = (ctx.input::<i8>(0)?, ctx.input::<i8>(1)?);
        let backend = ctx.backend();
        let out = ctx.output::<i8>()?;
        match (subtract, p.shape.is_elementwise()) {
            (false, true) => add_int8_same_shape(backend, &p.quant, a, b, out),
            (false, false) => kernel::add_int8(&p.quant, &p.shape, a, b, out),
            (true, true) => sub_int8_same_shape(backend, &p.quant, a, b, out),
            (true, false) => kernel::sub_int8(&p.quant, &p.shape, a, b, out),
        }
    }
    .map_err(OpError::from)
}

impl<const TYPES: TypeSet> Kernel for Mul<TYPES> {
    type Params = MulParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<MulParams>, OpError> {
        let common = prepare_common(ctx, Arithmetic::Mul, TYPES)?;
        if common.kind == INT16 {
            // TFLM's int16 MUL takes symmetric tensors only.
            for tensor in [&common.input1, &common.input2, &common.output] {
                symmetric(tensor)?;
            }
        }
        let quant = match &common.quantization {
            Some(q) => prepare_mul_int8(q).map_err(|e| quant_error(e, &common))?,
            None => MulQuantParams {
                activation_min: common.activation_i32.0,
                activation_max: common.activation_i32.1,
                ..MulQuantParams::zeroed()
            },
        };
        let mut prepared = Prepared::new(MulParams {
            kind: common.kind,
            activation_min_f32: common.activation_min_f32,
            activation_max_f32: common.activation_max_f32,
            shape: common.shape,
            quant,
        });
        prepared.needs.in_place = same_shape_offer(&common);
        Ok(prepared)
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &MulParams, _: &[u8]) -> Result<(), OpError> {
        if ctx.in_place_input().is_some() {
            return mul_in_place::<TYPES>(ctx, p);
        }
        if covers(TYPES, FLOAT32) && p.kind == FLOAT {
            let (a, b) = (ctx.input::<f32>(0)?, ctx.input::<f32>(1)?);
            let out = ctx.output::<f32>()?;
            mul_f32(
                p.activation_min_f32,
                p.activation_max_f32,
                &p.shape,
                a,
                b,
                out,
            )
        } else if covers(TYPES, ALL) && p.kind == INT32 {
            let (a, b) = (ctx.input::<i32>(0)?, ctx.input::<i32>(1)?);
            let (lo, hi) = (p.quant.activation_min, p.quant.activation_max);
            kernel::mul_i32(lo, hi, &p.shape, a, b, ctx.output::<i32>()?)
        } else if covers(TYPES, type_set::INT16) && p.kind == INT16 {
            let (a, b) = (ctx.input::<i16>(0)?, ctx.input::<i16>(1)?);
            kernel::mul_int16(&p.quant, &p.shape, a, b, ctx.output::<i16>()?)
        } else {
            let (a, b) = (ctx.input::<i8>(0)?, ctx.input::<i8>(1)?);
            kernel::mul_int8(&p.quant, &p.shape, a, b, ctx.output::<i8>()?)
        }
        .map_err(OpError::from)
    }
}

// ------------------------------------------------------------------ in place

/// Same-shape ADD, SUB and MUL (but int32, rare in models) may write their
/// output over either input (elementwise: lead 0, no extra scratch).
fn same_shape_offer(common: &Common<'_>) -> Option<InPlaceOffer> {
    let offered = common.shape.is_elementwise() && common.kind != INT32;
    offered.then_some(InPlaceOffer {
        inputs: 0b11,
        lead_bytes: 0,
        scratch_bytes: 0,
    })
}

/// The broadcast shape of a chunk of `n` elements of same-shape operands.
fn flat(n: usize) -> Result<BroadcastShape, OpError> {
    BroadcastShape::new(&[n], &[n], &[n]).map_err(OpError::from)
}

/// ADD or SUB with the output over one input, chunk by chunk
/// ([`EvalContext::map_pairs`]).
fn add_sub_in_place<const TYPES: TypeSet>(
    ctx: &mut EvalContext<'_>,
    p: &AddSubParams,
    op: Arithmetic,
) -> Result<(), OpError> {
    let subtract = op == Arithmetic::Sub;
    if covers(TYPES, FLOAT32) && p.kind == FLOAT {
        let (lo, hi) = (p.activation_min_f32, p.activation_max_f32);
        return ctx.map_pairs::<f32, OpError>(|a, b, out| {
            let shape = flat(out.len())?;
            if subtract {
                sub_f32(lo, hi, &shape, a, b, out)
            } else {
                add_f32(lo, hi, &shape, a, b, out)
            }
            .map_err(OpError::from)
        })?;
    }
    if covers(TYPES, type_set::INT16) && p.kind == INT16 {
        return ctx.map_pairs::<i16, OpError>(|a, b, out| {
            let shape = flat(out.len())?;
            if subtract {
                kernel::sub_int16(&p.quant, &shape, a, b, out)
            } else {
                kernel::add_int16(&p.quant, &shape, a, b, out)
            }
            .map_err(OpError::from)
        })?;
    }
    let backend = ctx.backend();
    ctx.map_pairs::<i8, OpError>(|a, b, out| {
        if subtract {
            sub_int8_same_shape(backend, &p.quant, a, b, out)
        } else {
            add_int8_same_shape(backend, &p.quant, a, b, out)
        }
        .map_err(OpError::from)
    })?
}

/// MUL with the output over one input, chunk by chunk.
fn mul_in_place<const TYPES: TypeSet>(
    ctx: &mut EvalContext<'_>,
    p: &MulParams,
) -> Result<(), OpError> {
    if covers(TYPES, FLOAT32) && p.kind == FLOAT {
        let (lo, hi) = (p.activation_min_f32, p.activation_max_f32);
        return ctx.map_pairs::<f32, OpError>(|a, b, out| {
            mul_f32(lo, hi, &flat(out.len())?, a, b, out).map_err(OpError::from)
        })?;
    }
    if covers(TYPES, type_set::INT16) && p.kind == INT16 {
        return ctx.map_pairs::<i16, OpError>(|a, b, out| {
            kernel::mul_int16(&p.quant, &flat(out.len())?, a, b, out).map_err(OpError::from)
        })?;
    }
    ctx.map_pairs::<i8, OpError>(|a, b, out| {
        kernel::mul_int8(&p.quant, &flat(out.len())?, a, b, out).map_err(OpError::from)
    })?
}
