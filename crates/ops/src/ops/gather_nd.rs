//! GATHER_ND: float32 or int8 params, int32 index tuples of up to 5
//! indices; output shape `indices.shape[:-1] + params.shape[nd:]`, as TFLM.
//! A tuple outside params fails the invoke (TFLM returns an error too).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::gather_nd::{gather_nd as gather, MAX_INDICES_ND};
use microlite_model::TensorType;

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// GATHER_ND.
    gather_nd => GatherNd, GATHER_ND, "float32, int8 (int32 indices)", versions 1..=3;
}

/// Prepared GATHER_ND parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct GatherNdParams {
    /// Nonzero for int8 params.
    int8: u32,
    /// Indices per tuple.
    nd: u32,
    /// Elements per step along each indexed params dimension.
    strides: [u32; MAX_INDICES_ND],
    /// Elements per gathered slice.
    slice_size: u32,
}

/// GATHER_ND.
pub struct GatherNd;

impl Kernel for GatherNd {
    type Params = GatherNdParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<GatherNdParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (params, indices, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        if !matches!(params.dtype(), TensorType::Float32 | TensorType::Int8) {
            return Err(OpError::UnsupportedType {
                tensor: params.index(),
                dtype: params.dtype(),
            });
        }
        expect_type(&indices, TensorType::Int32)?;
        expect_type(&output, params.dtype())?;
        let (params_rank, indices_rank) = (params.shape().rank(), indices.shape().rank());
        if params_rank < 1 || indices_rank < 1 {
            return Err(OpError::ShapeMismatch {
                tensor: if params_rank < 1 {
                    params.index()
                } else {
                    indices.index()
                },
                what: "params and indices must be at least vectors",
            });
        }
        let nd = dim(&indices, indices_rank - 1)?;
        if nd > params_rank || nd > MAX_INDICES_ND {
            return Err(OpError::ShapeMismatch {
                tensor: indices.index(),
                what: "index tuples longer than the params rank or 5",
            });
        }
        // Output: indices.shape[:-1] + params.shape[nd:].
        let mut expected = (0..indices_rank - 1)
            .map(|k| dim(&indices, k))
            .chain((nd..params_rank).map(|k| dim(&params, k)));
        let out_shape = output.shape();
        let mut same = true;
        for k in 0..out_shape.rank() {
            same &= expected.next().transpose()? == out_shape.dim(k);
        }
        if !same || expected.next().is_some() {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output shape is not indices.shape[:-1] + params.shape[nd:]",
            });
        }
        let mut strides = [0u32; MAX_INDICES_ND];
        let mut remaining = params.element_count();
        for (j, stride) in strides.iter_mut().enumerate().take(nd) {
            remaining /= dim(&params, j)?.max(1);
            *stride = to_u32(remaining)?;
        }
        let slice_size = (nd..params_rank).try_fold(1usize, |n, k| {
            n.checked_mul(dim(&params, k)?)
                .ok_or(OpError::SizeOverflow { what: "slice" })
        })?;
        Ok(Prepared::new(GatherNdParams {
            int8: u32::from(params.dtype() == TensorType::Int8),
            nd: to_u32(nd)?,
            strides,
            slice_size: to_u32(slice_size)?,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &GatherNdParams, _: &[u8]) -> Result<(), OpError> {
        let strides = p.strides.map(|s| s as usize);
        let (nd, slice) = (p.nd as usize, p.slice_size as usize);
        let indices = ctx.input::<i32>(1)?;
        if p.int8 != 0 {
            let params = ctx.input::<i8>(0)?;
            gather(params, indices, nd, &strides, slice, ctx.output::<i8>()?)?;
        } else {
            let params = ctx.input::<f32>(0)?;
            gather(params, indices, nd, &strides, slice, ctx.output::<f32>()?)?;
        }
        Ok(())
    }
}
