//! MIRROR_PAD (REFLECT or SYMMETRIC) by a constant int32 or int64 padding
//! matrix, for float32 and int8, as TFLM; pads beyond what TensorFlow
//! allows (the extent, minus one for REFLECT) are refused, where TFLM
//! would read outside the input.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::mirror_pad::{
    mirror_pad as kernel_pad, MirrorPadShape, MAX_MIRROR_PAD_RANK,
};
use microlite_model::schema::MirrorPadMode;
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// MIRROR_PAD.
    mirror_pad => MirrorPad, MIRROR_PAD, "float32, int8", versions 1..=2;
}

/// Prepared MIRROR_PAD parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct MirrorPadParams {
    shape: MirrorPadShape,
    /// 1 for float32, 0 for int8.
    float: u32,
}

/// MIRROR_PAD.
pub struct MirrorPad;

impl Kernel for MirrorPad {
    type Params = MirrorPadParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<MirrorPadParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (input, pads, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        let float = match input.dtype() {
            TensorType::Float32 => true,
            TensorType::Int8 => false,
            dtype => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype,
                })
            }
        };
        if output.dtype() != input.dtype() {
            return Err(OpError::UnsupportedType {
                tensor: output.index(),
                dtype: output.dtype(),
            });
        }
        let rank = input.shape().rank();
        if rank > MAX_MIRROR_PAD_RANK || output.shape().rank() != rank {
            return Err(OpError::UnsupportedRank {
                tensor: input.index(),
                rank,
                max: MAX_MIRROR_PAD_RANK,
            });
        }
        let options = ctx
            .operator()
            .raw()
            .builtin_options_as_mirror_pad_options()
            .ok_or(OpError::MissingOptions)?;
        let offset = match options.mode() {
            MirrorPadMode::REFLECT => 1u32,
            MirrorPadMode::SYMMETRIC => 0,
            other => {
                return Err(OpError::UnsupportedOption {
                    field: "mode",
                    value: i64::from(other.0),
                })
            }
        };
        let bytes = pads.data().ok_or(OpError::NotConstant {
            tensor: pads.index(),
        })?;
        let width = match pads.dtype() {
            TensorType::Int32 => 4,
            TensorType::Int64 => 8,
            dtype => {
                return Err(OpError::UnsupportedType {
                    tensor: pads.index(),
                    dtype,
                })
            }
        };
        if pads.shape().rank() != 2 || dim(&pads, 0)? != rank || dim(&pads, 1)? != 2 {
            return Err(OpError::ShapeMismatch {
                tensor: pads.index(),
                what: "paddings must be [rank, 2]",
            });
        }
        let value = |k: usize| -> i64 {
            let chunk = bytes.get(k * width..(k + 1) * width).unwrap_or_default();
            let mut le = [0u8; 8];
            for (slot, &b) in le.iter_mut().zip(chunk) {
                *slot = b;
            }
            if width == 4 {
                i64::from(i32::from_le_bytes([le[0], le[1], le[2], le[3]]))
            } else {
                i64::from_le_bytes(le)
            }
        };
        let mut shape = MirrorPadShape::zeroed();
        shape.rank = to_u32(rank)?;
        shape.offset = offset;
        shape.input_dims = [1; MAX_MIRROR_PAD_RANK];
        shape.output_dims = [1; MAX_MIRROR_PAD_RANK];
        for d in 0..rank {
            let extent = dim(&input, d)?;
            let (left, right) = (value(2 * d), value(2 * d + 1));
            let limit = extent as i64 - i64::from(offset);
            if left < 0 || right < 0 || left > limit || right > limit {
                return Err(OpError::ShapeMismatch {
                    tensor: pads.index(),
                    what: "a pad exceeds the input extent (less one for REFLECT)",
                });
            }
            let padded = extent as i64 + left + right;
            if i64::try_from(dim(&output, d)?).ok() != Some(padded) {
                return Err(OpError::ShapeMismatch {
                    tensor: output.index(),
                    what: "output extent is not the padded input extent",
                });
            }
            if let (Some(i), Some(o), Some(l)) = (
                shape.input_dims.get_mut(d),
                shape.output_dims.get_mut(d),
                shape.left.get_mut(d),
            ) {
                *i = to_u32(extent)?;
                *o = to_u32(padded as usize)?;
                *l = to_u32(left as usize)?;
            }
        }
        Ok(Prepared::new(MirrorPadParams {
            shape,
            float: u32::from(float),
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &MirrorPadParams, _: &[u8]) -> Result<(), OpError> {
        if p.float != 0 {
            let input = ctx.input::<f32>(0)?;
            Ok(kernel_pad(&p.shape, input, ctx.output::<f32>()?)?)
        } else {
            let input = ctx.input::<i8>(0)?;
            Ok(kernel_pad(&p.shape, input, ctx.output::<i8>()?)?)
        }
    }
}
