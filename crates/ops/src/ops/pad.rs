//! PAD and PADV2 (one kernel, as TFLM registers them): a constant int32
//! paddings tensor of `[before, after]` pairs, for float32, int8, int16 and
//! int32 of rank at most 5.
//!
//! The pad value is PADV2's scalar input 2 when present (read at eval, as
//! TFLM), otherwise the output zero point for int8 and 0 for other dtypes.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::pad::{self as kernel, PadShape};
use microlite_kernels::KernelError;
use microlite_model::{Tensor, TensorType};

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::constant_i32::constant_i32s;
use crate::quant_params::affine;
use crate::shape_check::prefix;
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// PAD.
    pad => Pad, PAD, "float32, int8, int16, int32", versions 1..=4;
    /// PADV2 (same kernel as PAD, with the pad value as input 2).
    padv2 => Pad, PADV2, "float32, int8, int16, int32", versions 1..=4;
}

/// Largest rank TFLM's PAD accepts.
const MAX_RANK: usize = 5;

/// Prepared PAD / PADV2 parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct PadParams {
    shape: PadShape,
    /// Bytes per element: 1, 2 or 4.
    element_size: u32,
    /// 1 when input 2 holds the pad value.
    has_constant: u32,
    /// Bits of the pad value when there is no input 2.
    default_bits: u32,
}

/// PAD and PADV2.
pub struct Pad;

fn check_constant(constant: &Tensor<'_>, input: &Tensor<'_>) -> Result<(), OpError> {
    if constant.dtype() != input.dtype() {
        return Err(OpError::UnsupportedType {
            tensor: constant.index(),
            dtype: constant.dtype(),
        });
    }
    if constant.element_count() != 1 {
        return Err(OpError::ShapeMismatch {
            tensor: constant.index(),
            what: "pad constant value must have exactly one element",
        });
    }
    Ok(())
}

/// The paddings as `[before, after]` pairs, one per input dimension.
fn padding_pairs(paddings: &Tensor<'_>, rank: usize) -> Result<[[i64; 2]; MAX_RANK], OpError> {
    let flat: [i32; 2 * MAX_RANK] = constant_i32s(
        paddings,
        2 * rank,
        "paddings must hold two values per dimension",
    )?;
    let mut pairs = [[0i64; 2]; MAX_RANK];
    for (pair, values) in pairs.iter_mut().zip(flat.chunks_exact(2)) {
        for (slot, &v) in pair.iter_mut().zip(values) {
            *slot = i64::from(v);
        }
    }
    Ok(pairs)
}

impl Kernel for Pad {
    type Params = PadParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<PadParams>, OpError> {
        ctx.expect_io(2, 3, 1)?;
        let input = ctx.input(0)?;
        let paddings = ctx.input(1)?;
        let constant = ctx.optional_input(2);
        let output = ctx.output(0)?;
        let dtype = input.dtype();
        let element_size = match dtype {
            TensorType::Int8 => 1,
            TensorType::Int16 => 2,
            TensorType::Float32 | TensorType::Int32 => 4,
            other => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype: other,
                })
            }
        };
        if output.dtype() != dtype {
            return Err(OpError::UnsupportedType {
                tensor: output.index(),
                dtype: output.dtype(),
            });
        }
        let rank = input.shape().rank();
        if rank > MAX_RANK {
            return Err(OpError::UnsupportedRank {
                tensor: input.index(),
                rank,
                max: MAX_RANK,
            });
        }
        if let Some(constant) = &constant {
            check_constant(constant, &input)?;
        }
        if output.shape().rank() != rank {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output rank differs from the input rank",
            });
        }
        let pairs = padding_pairs(&paddings, rank)?;
        let mut dims = [0usize; MAX_RANK];
        for (slot, d) in dims.iter_mut().zip(input.shape().iter()) {
            *slot = d;
        }
        let shape =
            PadShape::new(prefix(&dims, rank)?, prefix(&pairs, rank)?).map_err(|e| match e {
                KernelError::BadPadding { .. } => OpError::ShapeMismatch {
                    tensor: paddings.index(),
                    what: "padding amounts must be non-negative",
                },
                KernelError::TooLarge { .. } => OpError::SizeOverflow { what: "pad output" },
                other => OpError::Kernel(other),
            })?;
        for d in 0..rank {
            if dim(&output, d)? != shape.output_dim(d) {
                return Err(OpError::ShapeMismatch {
                    tensor: output.index(),
                    what: "output shape is not the input shape plus the paddings",
                });
            }
        }
        let mut default_bits = 0u32;
        if dtype == TensorType::Int8 {
            let out_q = affine(&output)?;
            match &constant {
                Some(constant) => {
                    let c = affine(constant)?;
                    if c.zero_point != out_q.zero_point || c.scale != out_q.scale {
                        return Err(OpError::BadQuantization {
                            tensor: constant.index(),
                            what: "pad constant quantization differs from the output's",
                        });
                    }
                }
                None => default_bits = u32::from(out_q.zero_point as i8 as u8),
            }
        }
        Ok(Prepared::new(PadParams {
            shape,
            element_size: to_u32(element_size)?,
            has_constant: u32::from(constant.is_some()),
            default_bits,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &PadParams, _: &[u8]) -> Result<(), OpError> {
        let bits = p.default_bits;
        match p.element_size {
            1 => pad_as::<u8>(ctx, p, bits as u8),
            2 => pad_as::<u16>(ctx, p, bits as u16),
            _ => pad_as::<u32>(ctx, p, bits),
        }
    }
}

/// Pads with elements moved as `T` (same size as the dtype).
fn pad_as<T: Pod>(ctx: &mut EvalContext<'_>, p: &PadParams, default: T) -> Result<(), OpError> {
    let value = if p.has_constant != 0 {
        ctx.input::<T>(2)?
            .first()
            .copied()
            .ok_or(OpError::Internal("pad constant value is empty"))?
    } else {
        default
    };
    kernel::pad(&p.shape, value, ctx.input::<T>(0)?, ctx.output::<T>()?).map_err(OpError::from)
}
