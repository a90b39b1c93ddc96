//! SOFTMAX over the last axis (any rank ≥ 1): float32 with temperature
//! `beta`, int8 → int8, int8 → int16 and int16 → int16, as TFLM's reference
//! kernel. Int16 keeps its two lookup tables (exp and 1 / (1 + x), built at
//! prepare as TFLM builds them) in the op's persistent data.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::lut::INT16_LUT_LEN;
use microlite_kernels::softmax::{
    self as kernel, prepare_softmax_int16, prepare_softmax_int8, prepare_softmax_int8_int16,
    softmax_f32, softmax_int16, softmax_int16_tables, softmax_int8_int16, SoftmaxInt16Params,
    SoftmaxQuantParams, MAX_INT16_DEPTH, MAX_QUANTIZED_DEPTH,
};
use microlite_kernels::KernelError;
use microlite_model::{Tensor, TensorType};

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Needs, Prepared};
use crate::quant_params::affine;
use crate::shape_check::{dim, same_shape, to_u32};
use crate::type_set::{self, covers, TypeSet, ALL, FLOAT32, INT16};

crate::registry::declare_ops! {
    /// SOFTMAX.
    softmax => Softmax, SOFTMAX, "int8 -> int8, int8 -> int16, int16, float32", versions 1..=3,
        int8 softmax_int8 => Softmax<{ crate::type_set::INT8 }>;
}

const FLOAT: u32 = 0;
const INT8: u32 = 1;
const INT8_TO_INT16: u32 = 2;
const INT16_TO_INT16: u32 = 3;

/// Persistent bytes of the int16 tables: exp, then 1 / (1 + x).
const INT16_TABLE_BYTES: usize = 2 * INT16_LUT_LEN * core::mem::size_of::<i16>();

/// Prepared SOFTMAX parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct SoftmaxParams {
    kind: u32,
    /// Last dimension: the length of each normalized row (0 = nothing to do).
    depth: u32,
    beta: f32,
    quant: SoftmaxQuantParams,
    int16: SoftmaxInt16Params,
}

/// SOFTMAX.
///
/// `TYPES` ([`crate::type_set`]) selects the types whose code is linked.
pub struct Softmax<const TYPES: TypeSet = ALL>;

impl<const TYPES: TypeSet> Kernel for Softmax<TYPES> {
    type Params = SoftmaxParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SoftmaxParams>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let raw = ctx.operator().raw();
        // TFLM reads absent options as beta = 0 (the schema default).
        let beta = match raw.builtin_options_as_softmax_options() {
            Some(o) => o.beta(),
            None if raw.builtin_options_type() == microlite_model::schema::BuiltinOptions::NONE => {
                0.0
            }
            None => return Err(OpError::MissingOptions),
        };
        let input = ctx.input(0)?;
        type_set::require(TYPES, &input)?;
        let output = ctx.output(0)?;
        let rank = input.shape().rank();
        if rank == 0 {
            return Err(OpError::ShapeMismatch {
                tensor: input.index(),
                what: "softmax input must have at least one dimension",
            });
        }
        if !same_shape(&input, &output) {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output shape differs from the input shape",
            });
        }
        let depth = dim(&input, rank - 1)?;
        let mut params = SoftmaxParams {
            kind: FLOAT,
            depth: to_u32(depth)?,
            beta,
            quant: SoftmaxQuantParams::zeroed(),
            int16: SoftmaxInt16Params::zeroed(),
        };
        let mut needs = Needs::default();
        match input.dtype() {
            TensorType::Float32 => expect_type(&output, TensorType::Float32)?,
            TensorType::Int8 => {
                if depth > MAX_QUANTIZED_DEPTH {
                    // TFLM's Q12.19 sum of exponentials can wrap around.
                    return Err(OpError::ShapeMismatch {
                        tensor: input.index(),
                        what: "quantized softmax depth above 4095 can overflow the sum",
                    });
                }
                let input_q = affine(&input)?;
                let output_q = affine(&output)?;
                let (kind, prepared) = match output.dtype() {
                    TensorType::Int8 => (
                        INT8,
                        prepare_softmax_int8(
                            beta,
                            input_q.scale,
                            output_q.scale,
                            output_q.zero_point,
                        ),
                    ),
                    TensorType::Int16 => (
                        INT8_TO_INT16,
                        prepare_softmax_int8_int16(
                            beta,
                            input_q.scale,
                            output_q.scale,
                            output_q.zero_point,
                        ),
                    ),
                    other => {
                        return Err(OpError::UnsupportedType {
                            tensor: output.index(),
                            dtype: other,
                        })
                    }
                };
                params.kind = kind;
                params.quant = prepared.map_err(|e| quant_error(e, &input, &output))?;
            }
            TensorType::Int16 if covers(TYPES, INT16) => {
                expect_type(&output, TensorType::Int16)?;
                if depth > MAX_INT16_DEPTH {
                    // The Q16.15 sum of exponentials could wrap around.
                    return Err(OpError::ShapeMismatch {
                        tensor: input.index(),
                        what: "int16 softmax depth above 65536 can overflow the sum",
                    });
                }
                let input_q = affine(&input)?;
                let output_q = affine(&output)?;
                if input_q.zero_point != 0 {
                    return Err(OpError::BadQuantization {
                        tensor: input.index(),
                        what: "int16 softmax input needs zero point 0",
                    });
                }
                params.kind = INT16_TO_INT16;
                params.int16 =
                    prepare_softmax_int16(beta, input_q.scale, output_q.scale, output_q.zero_point)
                        .map_err(|e| quant_error(e, &input, &output))?;
                needs.extra_bytes = INT16_TABLE_BYTES;
            }
            other => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype: other,
                })
            }
        }
        Ok(Prepared { params, needs })
    }

    fn fill(
        _ctx: &PrepareContext<'_>,
        params: &SoftmaxParams,
        extra: &mut [u8],
    ) -> Result<(), OpError> {
        if !covers(TYPES, INT16) || params.kind != INT16_TO_INT16 {
            return Ok(());
        }
        let (exp_lut, one_over_one_plus_x_lut) = tables_mut(extra)?;
        softmax_int16_tables(exp_lut, one_over_one_plus_x_lut).map_err(OpError::from)
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &SoftmaxParams, extra: &[u8]) -> Result<(), OpError> {
        let depth = p.depth as usize;
        if depth == 0 {
            // Empty rows: the tensors have no elements.
            return Ok(());
        }
        let result = match p.kind {
            FLOAT if covers(TYPES, FLOAT32) => {
                softmax_f32(p.beta, depth, ctx.input::<f32>(0)?, ctx.output::<f32>()?)
            }
            INT8 => kernel::softmax_int8(&p.quant, depth, ctx.input::<i8>(0)?, ctx.output::<i8>()?),
            INT8_TO_INT16 => {
                softmax_int8_int16(&p.quant, depth, ctx.input::<i8>(0)?, ctx.output::<i16>()?)
            }
            INT16_TO_INT16 if covers(TYPES, INT16) => {
                let (exp_lut, one_over_one_plus_x_lut) = tables(extra)?;
                softmax_int16(
                    &p.int16,
                    exp_lut,
                    one_over_one_plus_x_lut,
                    depth,
                    ctx.input::<i16>(0)?,
                    ctx.output::<i16>()?,
                )
            }
            _ => return Err(OpError::Internal("softmax kind not registered")),
        };
        result.map_err(OpError::from)
    }
}

/// The int16 tables in the op's persistent data.
fn tables(extra: &[u8]) -> Result<(&[i16], &[i16]), OpError> {
    let bytes = extra
        .get(..INT16_TABLE_BYTES)
        .ok_or(OpError::Internal("softmax tables missing"))?;
    let all: &[i16] = bytemuck::try_cast_slice(bytes)
        .map_err(|_| OpError::Internal("softmax tables misaligned"))?;
    all.split_at_checked(INT16_LUT_LEN)
        .ok_or(OpError::Internal("softmax tables missing"))
}

/// [`tables`], writable.
fn tables_mut(extra: &mut [u8]) -> Result<(&mut [i16], &mut [i16]), OpError> {
    let bytes = extra
        .get_mut(..INT16_TABLE_BYTES)
        .ok_or(OpError::Internal("softmax tables missing"))?;
    let all: &mut [i16] = bytemuck::try_cast_slice_mut(bytes)
        .map_err(|_| OpError::Internal("softmax tables misaligned"))?;
    all.split_at_mut_checked(INT16_LUT_LEN)
        .ok_or(OpError::Internal("softmax tables missing"))
}

fn quant_error(e: KernelError, input: &Tensor<'_>, output: &Tensor<'_>) -> OpError {
    match e {
        KernelError::OutputQuantization { .. } => OpError::BadQuantization {
            tensor: output.index(),
            what: "softmax output must be scale 1/256, zero point -128 (int8), \
                   scale 1/65536, zero point -32768 (int8 -> int16) or \
                   scale 1/32768, zero point 0 (int16 -> int16)",
        },
        KernelError::MultiplierOutOfRange { .. } => OpError::BadQuantization {
            tensor: input.index(),
            what: "beta x input scale cannot be rescaled to Q5.26 (must exceed 2^-26)",
        },
        other => OpError::Kernel(other),
    }
}
