//! EMBEDDING_LOOKUP: int32 ids (input 0, a vector) pick rows of a table
//! (input 1, rank >= 2): float32 -> float32, int8 -> int8, or int8 -> float32
//! dequantized with the table's scale (zero point 0), as TFLM. An id outside
//! the table fails the invoke (as in TFLM).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::embedding_lookup::{
    embedding_lookup as lookup, embedding_lookup_dequantize,
};
use microlite_model::TensorType;

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::symmetric;
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// EMBEDDING_LOOKUP.
    embedding_lookup => EmbeddingLookup, EMBEDDING_LOOKUP,
        "float32, int8 -> int8, int8 -> float32 (int32 ids)", versions 1..=1;
}

const FLOAT: u32 = 0;
const INT8: u32 = 1;
const DEQUANTIZE: u32 = 2;

/// Prepared EMBEDDING_LOOKUP parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct EmbeddingLookupParams {
    kind: u32,
    rows: u32,
    scale: f32,
}

/// EMBEDDING_LOOKUP.
pub struct EmbeddingLookup;

impl Kernel for EmbeddingLookup {
    type Params = EmbeddingLookupParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<EmbeddingLookupParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (ids, value, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        expect_type(&ids, TensorType::Int32)?;
        if ids.shape().rank() != 1 || value.shape().rank() < 2 {
            return Err(OpError::ShapeMismatch {
                tensor: if ids.shape().rank() != 1 {
                    ids.index()
                } else {
                    value.index()
                },
                what: "ids must be a vector and the table at least 2-D",
            });
        }
        let (kind, scale) = match (value.dtype(), output.dtype()) {
            (TensorType::Float32, TensorType::Float32) => (FLOAT, 0.0),
            (TensorType::Int8, TensorType::Int8) => (INT8, 0.0),
            (TensorType::Int8, TensorType::Float32) => (DEQUANTIZE, symmetric(&value)?.scale),
            (TensorType::Float32 | TensorType::Int8, other) => {
                return Err(OpError::UnsupportedType {
                    tensor: output.index(),
                    dtype: other,
                })
            }
            (other, _) => {
                return Err(OpError::UnsupportedType {
                    tensor: value.index(),
                    dtype: other,
                })
            }
        };
        // Output: [ids, table dims 1..].
        let rank = value.shape().rank();
        let mut same = output.shape().rank() == rank && output.shape().dim(0) == ids.shape().dim(0);
        for k in 1..rank {
            same &= output.shape().dim(k) == value.shape().dim(k);
        }
        if !same {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output shape is not [ids, table dims 1..]",
            });
        }
        Ok(Prepared::new(EmbeddingLookupParams {
            kind,
            rows: to_u32(dim(&value, 0)?)?,
            scale,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &EmbeddingLookupParams, _: &[u8]) -> Result<(), OpError> {
        let ids = ctx.input::<i32>(0)?;
        let rows = p.rows as usize;
        match p.kind {
            FLOAT => lookup(ids, rows, ctx.input::<f32>(1)?, ctx.output::<f32>()?),
            INT8 => lookup(ids, rows, ctx.input::<i8>(1)?, ctx.output::<i8>()?),
            _ => embedding_lookup_dequantize(
                ids,
                rows,
                ctx.input::<i8>(1)?,
                p.scale,
                ctx.output::<f32>()?,
            ),
        }
        .map_err(OpError::from)
    }
}
