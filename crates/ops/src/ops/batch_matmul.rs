//! BATCH_MATMUL of rank 2 to 5 operands with broadcast batch dimensions and
//! `adj_x` / `adj_y`: float32, int8 and int16 (zero points 0), every
//! operand and the output of one type, as TFLM.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::batch_matmul::{
    batch_matmul_f32, batch_matmul_i16, batch_matmul_i8, BatchMatMulQuant, BatchMatMulShape,
    MAX_BATCH_DIMS,
};
use microlite_kernels::quantization::{conv_effective_scale, quantize_multiplier};
use microlite_model::{Tensor, TensorType};

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::{affine, symmetric};
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// BATCH_MATMUL.
    batch_matmul => BatchMatMul, BATCH_MATMUL, "float32, int8, int16", versions 1..=3;
}

const FLOAT: u32 = 0;
const INT8: u32 = 1;
const INT16: u32 = 2;

/// Prepared BATCH_MATMUL parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct BatchMatMulParams {
    shape: BatchMatMulShape,
    quant: BatchMatMulQuant,
    kind: u32,
}

/// BATCH_MATMUL.
pub struct BatchMatMul;

/// `tensor`'s dimensions as `[batch (3, left-extended with 1s), rows, cols]`.
fn matrix_dims(tensor: &Tensor<'_>) -> Result<([u32; MAX_BATCH_DIMS], u32, u32), OpError> {
    let rank = tensor.shape().rank();
    if !(2..=MAX_BATCH_DIMS + 2).contains(&rank) {
        return Err(OpError::UnsupportedRank {
            tensor: tensor.index(),
            rank,
            max: MAX_BATCH_DIMS + 2,
        });
    }
    let mut batch = [1u32; MAX_BATCH_DIMS];
    let batch_dims = rank - 2;
    for (d, slot) in batch
        .iter_mut()
        .skip(MAX_BATCH_DIMS - batch_dims)
        .enumerate()
    {
        *slot = to_u32(dim(tensor, d)?)?;
    }
    Ok((
        batch,
        to_u32(dim(tensor, rank - 2)?)?,
        to_u32(dim(tensor, rank - 1)?)?,
    ))
}

impl Kernel for BatchMatMul {
    type Params = BatchMatMulParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<BatchMatMulParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (lhs, rhs, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        let kind = match lhs.dtype() {
            TensorType::Float32 => FLOAT,
            TensorType::Int8 => INT8,
            TensorType::Int16 => INT16,
            dtype => {
                return Err(OpError::UnsupportedType {
                    tensor: lhs.index(),
                    dtype,
                })
            }
        };
        expect_type(&rhs, lhs.dtype())?;
        expect_type(&output, lhs.dtype())?;
        let (adj_x, adj_y) = ctx
            .operator()
            .raw()
            .builtin_options_as_batch_mat_mul_options()
            .map_or((false, false), |o| (o.adj_x(), o.adj_y()));
        let (lhs_batch, lhs_r, lhs_c) = matrix_dims(&lhs)?;
        let (rhs_batch, rhs_r, rhs_c) = matrix_dims(&rhs)?;
        let (rows, depth) = if adj_x {
            (lhs_c, lhs_r)
        } else {
            (lhs_r, lhs_c)
        };
        let (rhs_depth, cols) = if adj_y {
            (rhs_c, rhs_r)
        } else {
            (rhs_r, rhs_c)
        };
        if depth != rhs_depth {
            return Err(OpError::ShapeMismatch {
                tensor: rhs.index(),
                what: "batch_matmul operands disagree on the summed dimension",
            });
        }
        let shape = BatchMatMulShape {
            lhs_batch,
            rhs_batch,
            rows,
            depth,
            cols,
            adj_x: u32::from(adj_x),
            adj_y: u32::from(adj_y),
        };
        shape.check().map_err(|_| OpError::ShapeMismatch {
            tensor: rhs.index(),
            what: "batch_matmul batch dimensions do not broadcast",
        })?;
        // TFLM rewrites the output's dimensions and checks only that the
        // element count is unchanged.
        let [_, _, out_len] = shape.lengths()?;
        if output.shape().element_count() != out_len {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output element count differs from the batch matrix product's",
            });
        }
        let mut quant = BatchMatMulQuant::zeroed();
        if kind != FLOAT {
            let quantization = if kind == INT16 { symmetric } else { affine };
            let (l, r, o) = (
                quantization(&lhs)?,
                quantization(&rhs)?,
                quantization(&output)?,
            );
            let (multiplier, shift) =
                quantize_multiplier(conv_effective_scale(l.scale, r.scale, o.scale));
            quant = BatchMatMulQuant {
                lhs_offset: -l.zero_point,
                rhs_offset: -r.zero_point,
                output_offset: o.zero_point,
                multiplier,
                shift,
            };
        }
        Ok(Prepared::new(BatchMatMulParams { shape, quant, kind }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &BatchMatMulParams, _: &[u8]) -> Result<(), OpError> {
        let (shape, quant) = (&p.shape, &p.quant);
        let result = match p.kind {
            INT8 => batch_matmul_i8(shape, quant, ctx.input(0)?, ctx.input(1)?, ctx.output()?),
            INT16 => batch_matmul_i16(shape, quant, ctx.input(0)?, ctx.input(1)?, ctx.output()?),
            _ => batch_matmul_f32(shape, ctx.input(0)?, ctx.input(1)?, ctx.output()?),
        };
        Ok(result?)
    }
}
