//! CUMSUM along a constant axis (negative counts from the end), with
//! CumsumOptions' `exclusive` and `reverse`: float32, and int8 with TFLM's
//! rescaling, as TFLM.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::cumsum::{
    cumsum_f32, cumsum_int8, prepare_cumsum_int8, CumSumQuantParams, CumSumShape,
};
use microlite_model::TensorType;

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::constant_i32::constant_i32s;
use crate::quant_params::affine;
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// CUMSUM.
    cumsum => CumSum, CUMSUM, "float32, int8", versions 1..=1;
}

/// Prepared CUMSUM parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct CumSumParams {
    int8: u32,
    outer: u32,
    depth: u32,
    inner: u32,
    exclusive: u32,
    reverse: u32,
    quant: CumSumQuantParams,
}

/// CUMSUM.
pub struct CumSum;

impl Kernel for CumSum {
    type Params = CumSumParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<CumSumParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let raw = ctx.operator().raw();
        let (exclusive, reverse) = match raw.builtin_options_as_cumsum_options() {
            Some(o) => (o.exclusive(), o.reverse()),
            None if raw.builtin_options_type() == microlite_model::schema::BuiltinOptions::NONE => {
                (false, false)
            }
            None => return Err(OpError::MissingOptions),
        };
        let (input, axis, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        let int8 = match input.dtype() {
            TensorType::Float32 => false,
            TensorType::Int8 => true,
            other => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype: other,
                })
            }
        };
        expect_type(&output, input.dtype())?;
        let rank = input.shape().rank();
        let [value] = constant_i32s::<1>(&axis, 1, "axis")?;
        let resolved = if value < 0 {
            i64::from(value) + rank as i64
        } else {
            i64::from(value)
        };
        let axis_index = usize::try_from(resolved).ok().filter(|&a| a < rank).ok_or(
            OpError::UnsupportedOption {
                field: "axis",
                value: i64::from(value),
            },
        )?;
        let same_shape = output.shape().rank() == rank
            && (0..rank).all(|k| output.shape().dim(k) == input.shape().dim(k));
        if !same_shape {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output shape differs from the input's",
            });
        }
        let product = |range: core::ops::Range<usize>| {
            range.into_iter().try_fold(1usize, |n, k| {
                n.checked_mul(dim(&input, k)?)
                    .ok_or(OpError::SizeOverflow { what: "cumsum" })
            })
        };
        let quant = if int8 {
            let (i, o) = (affine(&input)?, affine(&output)?);
            prepare_cumsum_int8(i.scale, i.zero_point, o.scale, o.zero_point).map_err(|_| {
                OpError::BadQuantization {
                    tensor: output.index(),
                    what: "scales give a rescaling multiplier outside (0, 1)",
                }
            })?
        } else {
            CumSumQuantParams::zeroed()
        };
        Ok(Prepared::new(CumSumParams {
            int8: u32::from(int8),
            outer: to_u32(product(0..axis_index)?)?,
            depth: to_u32(dim(&input, axis_index)?)?,
            inner: to_u32(product(axis_index + 1..rank)?)?,
            exclusive: u32::from(exclusive),
            reverse: u32::from(reverse),
            quant,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &CumSumParams, _: &[u8]) -> Result<(), OpError> {
        let shape = CumSumShape {
            outer: p.outer as usize,
            depth: p.depth as usize,
            inner: p.inner as usize,
            exclusive: p.exclusive != 0,
            reverse: p.reverse != 0,
        };
        if p.int8 != 0 {
            cumsum_int8(&shape, &p.quant, ctx.input::<i8>(0)?, ctx.output::<i8>()?)
        } else {
            cumsum_f32(&shape, ctx.input::<f32>(0)?, ctx.output::<f32>()?)
        }
        .map_err(OpError::from)
    }
}
