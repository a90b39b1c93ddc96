//! MEAN over the axes listed in the constant int32 input 1 (negative axes
//! count from the end, duplicates are ignored), float32, int8 and int16, as
//! TFLM.
//! ReducerOptions.keep_dims only decides the output shape, which must match.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::reduce::{
    mean_f32, mean_int16, mean_int8, prepare_mean_int8, MeanQuantParams, ReduceShape,
    MAX_REDUCE_RANK,
};
use microlite_kernels::KernelError;
use microlite_model::{Tensor, TensorType};

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::affine;

crate::registry::declare_ops! {
    /// MEAN.
    mean => Mean, MEAN, "int8, int16, float32", versions 1..=3;
}

const FLOAT: u32 = 0;
const INT8: u32 = 1;
const INT16: u32 = 2;

/// Prepared MEAN parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct MeanParams {
    kind: u32,
    shape: ReduceShape,
    quant: MeanQuantParams,
}

/// MEAN.
pub struct Mean;

/// Bit `d` set when input axis `d` is reduced, from the axis tensor's values.
/// A rank-0 input reduces nothing and ignores the axes, as TFLM does.
fn reduced_axes(axis: &Tensor<'_>, rank: usize) -> Result<u32, OpError> {
    expect_type(axis, TensorType::Int32)?;
    let bytes = axis.data().ok_or(OpError::NotConstant {
        tensor: axis.index(),
    })?;
    let mut mask = 0u32;
    if rank == 0 {
        return Ok(mask);
    }
    for chunk in bytes.chunks_exact(4) {
        let value = i32::from_le_bytes(<[u8; 4]>::try_from(chunk).unwrap_or_default());
        let resolved = if value < 0 {
            i64::from(value) + rank as i64
        } else {
            i64::from(value)
        };
        let d = u32::try_from(resolved)
            .ok()
            .filter(|&d| (d as usize) < rank)
            .ok_or(OpError::ShapeMismatch {
                tensor: axis.index(),
                what: "axis value outside [-rank, rank) of the input",
            })?;
        mask |= 1 << d;
    }
    Ok(mask)
}

/// Whether the output dims are the input dims with the reduced axes set to 1
/// (`keep_dims`) or removed.
fn output_shape_matches(input: &Tensor<'_>, output: &Tensor<'_>, mask: u32, keep: bool) -> bool {
    let mut expected = input.shape().iter().enumerate().filter_map(|(d, extent)| {
        let reduced = mask & (1 << d) != 0;
        match (reduced, keep) {
            (false, _) => Some(extent),
            (true, true) => Some(1),
            (true, false) => None,
        }
    });
    let mut actual = output.shape().iter();
    loop {
        match (expected.next(), actual.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

/// The checks and shape every reduction (MEAN, SUM, REDUCE_MAX, ...)
/// shares: two inputs (the tensor and its constant int32 axes), one
/// output whose shape matches `keep_dims`. Returns the input, the output
/// and the resolved reduction.
pub(crate) fn prepare_reduction<'m>(
    ctx: &PrepareContext<'m>,
) -> Result<(Tensor<'m>, Tensor<'m>, ReduceShape), OpError> {
    ctx.expect_io(2, 2, 1)?;
    let raw = ctx.operator().raw();
    let keep_dims = match raw.builtin_options_as_reducer_options() {
        Some(o) => o.keep_dims(),
        None if raw.builtin_options_type() == microlite_model::schema::BuiltinOptions::NONE => {
            false
        }
        None => return Err(OpError::MissingOptions),
    };
    let input = ctx.input(0)?;
    let axis = ctx.input(1)?;
    let output = ctx.output(0)?;
    let rank = input.shape().rank();
    if rank > MAX_REDUCE_RANK {
        return Err(OpError::UnsupportedRank {
            tensor: input.index(),
            rank,
            max: MAX_REDUCE_RANK,
        });
    }
    let mask = reduced_axes(&axis, rank)?;
    if !output_shape_matches(&input, &output, mask, keep_dims) {
        return Err(OpError::ShapeMismatch {
            tensor: output.index(),
            what: "output shape is not the input shape with the reduced axes dropped \
                   (or set to 1 with keep_dims)",
        });
    }
    // Each distinct reduced axis once (at most MAX_REDUCE_RANK of them).
    let mut axes = [0i32; MAX_REDUCE_RANK];
    let mut count = 0;
    for d in 0..rank {
        if mask & (1 << d) != 0 {
            if let Some(slot) = axes.get_mut(count) {
                *slot = i32::try_from(d).unwrap_or(0);
                count += 1;
            }
        }
    }
    let mut dims = [0usize; MAX_REDUCE_RANK];
    for (slot, extent) in dims.iter_mut().zip(input.shape().iter()) {
        *slot = extent;
    }
    let shape = ReduceShape::new(
        dims.get(..rank).unwrap_or_default(),
        axes.get(..count).unwrap_or_default(),
    )
    .map_err(|e| match e {
        KernelError::TooLarge { .. } => OpError::SizeOverflow {
            what: "reduction element count",
        },
        other => OpError::Kernel(other),
    })?;
    Ok((input, output, shape))
}

impl Kernel for Mean {
    type Params = MeanParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<MeanParams>, OpError> {
        let (input, output, shape) = prepare_reduction(ctx)?;
        let mut params = MeanParams {
            kind: FLOAT,
            shape,
            quant: MeanQuantParams::zeroed(),
        };
        match input.dtype() {
            TensorType::Float32 => expect_type(&output, TensorType::Float32)?,
            dtype @ (TensorType::Int8 | TensorType::Int16) => {
                expect_type(&output, dtype)?;
                let input_q = affine(&input)?;
                let output_q = affine(&output)?;
                // TFLM requantizes the sum even when the input and output
                // quantization are identical (checked against the wheel).
                params.kind = if dtype == TensorType::Int8 {
                    INT8
                } else {
                    INT16
                };
                params.quant = prepare_mean_int8(
                    &shape,
                    input_q.scale,
                    input_q.zero_point,
                    output_q.scale,
                    output_q.zero_point,
                );
            }
            other => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype: other,
                })
            }
        }
        Ok(Prepared::new(params))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &MeanParams, _: &[u8]) -> Result<(), OpError> {
        let result = match p.kind {
            FLOAT => mean_f32(&p.shape, ctx.input::<f32>(0)?, ctx.output::<f32>()?),
            INT16 => mean_int16(
                &p.shape,
                &p.quant,
                ctx.input::<i16>(0)?,
                ctx.output::<i16>()?,
            ),
            _ => mean_int8(&p.shape, &p.quant, ctx.input::<i8>(0)?, ctx.output::<i8>()?),
        };
        result.map_err(OpError::from)
    }
}
