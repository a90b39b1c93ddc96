//! SPLIT: the input cut into equal slices along a constant axis, one per
//! output, for float32, int8, int16 and int32, as TFLM (raw copies: the
//! outputs keep the input's quantization). The slicing here also serves
//! SPLIT_V and UNPACK.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::split::{copy_axis_slice, AxisSlices};
use microlite_model::{Tensor, TensorType};

use crate::context::{EvalContext, PrepareContext, MAX_OP_OUTPUTS};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::constant_i32::constant_i32s;
use crate::shape_check::{dim, prefix, to_u32};

crate::registry::declare_ops! {
    /// SPLIT.
    split => Split, SPLIT, "float32, int8, int16, int32", versions 1..=4;
}

/// Largest rank sliced here (TFLM's kernels take any; its tensors at most 6).
const MAX_RANK: usize = 6;

/// Prepared SPLIT, SPLIT_V and UNPACK parameters: the input around the
/// axis, and each output's extent along it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct SplitParams {
    shape: AxisSlices,
    /// Bytes per element: 1, 2 or 4.
    element_size: u32,
    /// Number of outputs.
    outputs: u32,
    /// Output `k`'s extent along the axis.
    sizes: [u32; MAX_OP_OUTPUTS],
}

/// The value of the constant int32 axis tensor `axis` (one element).
pub(crate) fn constant_axis(axis: &Tensor<'_>) -> Result<i32, OpError> {
    let [value] = constant_i32s::<1>(axis, 1, "axis must hold one value")?;
    Ok(value)
}

/// Checks `input` and the operator's outputs for slicing along `axis`
/// (negative counts from the end) and computes the params. With
/// `keeps_axis` (SPLIT, SPLIT_V) each output has the input's shape but for
/// its extent along the axis, and the extents add up to the input's;
/// without (UNPACK) each output is the input's shape without the axis,
/// whose extent is the output count.
pub(crate) fn prepare_slices(
    ctx: &PrepareContext<'_>,
    input: &Tensor<'_>,
    axis: i32,
    keeps_axis: bool,
) -> Result<SplitParams, OpError> {
    let element_size = match input.dtype() {
        TensorType::Int8 => 1,
        TensorType::Int16 => 2,
        TensorType::Float32 | TensorType::Int32 => 4,
        dtype => {
            return Err(OpError::UnsupportedType {
                tensor: input.index(),
                dtype,
            })
        }
    };
    let rank = input.shape().rank();
    if rank > MAX_RANK {
        return Err(OpError::UnsupportedRank {
            tensor: input.index(),
            rank,
            max: MAX_RANK,
        });
    }
    let axis = usize::try_from(if axis < 0 { axis + rank as i32 } else { axis })
        .ok()
        .filter(|&a| a < rank)
        .ok_or(OpError::UnsupportedOption {
            field: "axis",
            value: i64::from(axis),
        })?;
    let mut dims = [0usize; MAX_RANK];
    for (slot, d) in dims.iter_mut().zip(input.shape().iter()) {
        *slot = d;
    }
    let dims = prefix(&dims, rank)?;
    let count = ctx.operator().outputs().len();
    let mut sizes = [0u32; MAX_OP_OUTPUTS];
    let mut total = 0usize;
    for (k, size) in sizes.iter_mut().enumerate().take(count) {
        let output = ctx.output(k)?;
        if output.dtype() != input.dtype() {
            return Err(OpError::UnsupportedType {
                tensor: output.index(),
                dtype: output.dtype(),
            });
        }
        let mismatch = |what| OpError::ShapeMismatch {
            tensor: output.index(),
            what,
        };
        let extent = if keeps_axis {
            if output.shape().rank() != rank {
                return Err(mismatch("output rank differs from the input's"));
            }
            for (d, &want) in dims.iter().enumerate() {
                if d != axis && dim(&output, d)? != want {
                    return Err(mismatch("output differs from the input off the split axis"));
                }
            }
            dim(&output, axis)?
        } else {
            if output.shape().rank() + 1 != rank {
                return Err(mismatch("output rank is not the input's less one"));
            }
            let kept = dims
                .iter()
                .enumerate()
                .filter(|&(d, _)| d != axis)
                .map(|(_, &want)| want);
            for (d, want) in kept.enumerate() {
                if dim(&output, d)? != want {
                    return Err(mismatch("output is not the input without the axis"));
                }
            }
            1
        };
        *size = to_u32(extent)?;
        total = total.saturating_add(extent);
    }
    let axis_extent = dims.get(axis).copied().unwrap_or(0);
    if total != axis_extent {
        return Err(OpError::ShapeMismatch {
            tensor: input.index(),
            what: "the outputs' extents along the axis do not add up to the input's",
        });
    }
    let shape = AxisSlices::new(dims, axis)?;
    Ok(SplitParams {
        shape,
        element_size,
        outputs: to_u32(count)?,
        sizes,
    })
}

/// Copies each output's slice of input `input` (elements moved as their
/// size).
pub(crate) fn eval_slices(
    ctx: &mut EvalContext<'_>,
    p: &SplitParams,
    input: usize,
) -> Result<(), OpError> {
    match p.element_size {
        1 => slices_as::<u8>(ctx, p, input),
        2 => slices_as::<u16>(ctx, p, input),
        _ => slices_as::<u32>(ctx, p, input),
    }
}

fn slices_as<T: Pod>(
    ctx: &mut EvalContext<'_>,
    p: &SplitParams,
    input: usize,
) -> Result<(), OpError> {
    let source = ctx.input::<T>(input)?;
    let mut start = 0usize;
    for (k, &size) in p.sizes.iter().enumerate().take(p.outputs as usize) {
        let size = size as usize;
        copy_axis_slice(&p.shape, source, start, size, ctx.output_at::<T>(k)?)?;
        start += size;
    }
    Ok(())
}

/// SPLIT: input 0 the constant axis, input 1 the tensor; one equal slice
/// per output.
pub struct Split;

impl Kernel for Split {
    type Params = SplitParams;
    const SEVERAL_OUTPUTS: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SplitParams>, OpError> {
        // As TFLM, the outputs say how many slices there are (the
        // `num_splits` option is not read).
        let count = ctx.expect_io_outputs(2, 2)?;
        let axis = constant_axis(&ctx.input(0)?)?;
        let input = ctx.input(1)?;
        let params = prepare_slices(ctx, &input, axis, true)?;
        let equal = params
            .sizes
            .iter()
            .take(count)
            .all(|&s| Some(&s) == params.sizes.first());
        if !equal {
            return Err(OpError::ShapeMismatch {
                tensor: input.index(),
                what: "SPLIT outputs differ in size (SPLIT_V splits unevenly)",
            });
        }
        Ok(Prepared::new(params))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &SplitParams, _: &[u8]) -> Result<(), OpError> {
        eval_slices(ctx, p, 1)
    }
}
