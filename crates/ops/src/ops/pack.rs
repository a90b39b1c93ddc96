//! PACK: its inputs (same type and shape) stacked along a new axis, for
//! float32, int8, int16, int32 and int64, as TFLM (raw copies).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::split::{place_axis_slice, AxisSlices};
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext, MAX_OP_INPUTS};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// PACK.
    pack => Pack, PACK, "float32, int8, int16, int32, int64", versions 1..=3;
}

/// Largest output rank packed here.
const MAX_RANK: usize = 6;

/// Prepared PACK parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct PackParams {
    /// The output around the new axis (its extent: the input count).
    shape: AxisSlices,
    /// Bytes per element: 1, 2, 4 or 8.
    element_size: u32,
    /// Number of inputs.
    inputs: u32,
}

/// PACK.
pub struct Pack;

impl Kernel for Pack {
    type Params = PackParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<PackParams>, OpError> {
        let count = ctx.operator().inputs().len();
        ctx.expect_io(1, MAX_OP_INPUTS, 1)?;
        let options = ctx
            .operator()
            .raw()
            .builtin_options_as_pack_options()
            .ok_or(OpError::MissingOptions)?;
        // TFLM copies `values_count` inputs: it must be the input count.
        if usize::try_from(options.values_count()).ok() != Some(count) {
            return Err(OpError::UnsupportedOption {
                field: "values_count",
                value: i64::from(options.values_count()),
            });
        }
        let output = ctx.output(0)?;
        let element_size = match output.dtype() {
            TensorType::Int8 => 1,
            TensorType::Int16 => 2,
            TensorType::Float32 | TensorType::Int32 => 4,
            TensorType::Int64 => 8,
            dtype => {
                return Err(OpError::UnsupportedType {
                    tensor: output.index(),
                    dtype,
                })
            }
        };
        let rank = output.shape().rank();
        if rank > MAX_RANK || rank == 0 {
            return Err(OpError::UnsupportedRank {
                tensor: output.index(),
                rank,
                max: MAX_RANK,
            });
        }
        let axis = options.axis();
        let axis = usize::try_from(if axis < 0 { axis + rank as i32 } else { axis })
            .ok()
            .filter(|&a| a < rank)
            .ok_or(OpError::UnsupportedOption {
                field: "axis",
                value: i64::from(axis),
            })?;
        let mut dims = [0usize; MAX_RANK];
        for (slot, d) in dims.iter_mut().zip(output.shape().iter()) {
            *slot = d;
        }
        let dims = dims.get(..rank).ok_or(OpError::Internal("rank"))?;
        if dims.get(axis) != Some(&count) {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output extent along the axis differs from the input count",
            });
        }
        for k in 0..count {
            let input = ctx.input(k)?;
            if input.dtype() != output.dtype() {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype: input.dtype(),
                });
            }
            let expected = dims.iter().enumerate().filter(|&(d, _)| d != axis);
            let same = input.shape().rank() + 1 == rank
                && expected
                    .enumerate()
                    .all(|(d, (_, &want))| dim(&input, d).is_ok_and(|got| got == want));
            if !same {
                return Err(OpError::ShapeMismatch {
                    tensor: input.index(),
                    what: "input is not the output's shape without the axis",
                });
            }
        }
        Ok(Prepared::new(PackParams {
            shape: AxisSlices::new(dims, axis)?,
            element_size,
            inputs: to_u32(count)?,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &PackParams, _: &[u8]) -> Result<(), OpError> {
        match p.element_size {
            1 => pack_as::<u8>(ctx, p),
            2 => pack_as::<u16>(ctx, p),
            4 => pack_as::<u32>(ctx, p),
            _ => pack_as::<u64>(ctx, p),
        }
    }
}

fn pack_as<T: Pod>(ctx: &mut EvalContext<'_>, p: &PackParams) -> Result<(), OpError> {
    for k in 0..p.inputs as usize {
        let input = ctx.input::<T>(k)?;
        place_axis_slice(&p.shape, input, k, 1, ctx.output::<T>()?)?;
    }
    Ok(())
}
