//! The broadcast of a two-input elementwise op onto its output, checked the
//! same way for every such op (ADD, SUB, MUL, DIV, MAXIMUM, the
//! comparisons, PRELU, ...).

use microlite_kernels::broadcast::{BroadcastShape, MAX_BROADCAST_RANK};
use microlite_kernels::KernelError;
use microlite_model::Tensor;

use crate::error::OpError;

/// `tensor`'s dimensions and rank (at most [`MAX_BROADCAST_RANK`]).
fn dims(tensor: &Tensor<'_>) -> Result<([usize; MAX_BROADCAST_RANK], usize), OpError> {
    let shape = tensor.shape();
    let rank = shape.rank();
    if rank > MAX_BROADCAST_RANK {
        return Err(OpError::UnsupportedRank {
            tensor: tensor.index(),
            rank,
            max: MAX_BROADCAST_RANK,
        });
    }
    let mut out = [0usize; MAX_BROADCAST_RANK];
    for (slot, d) in out.iter_mut().zip(shape.iter()) {
        *slot = d;
    }
    Ok((out, rank))
}

/// The broadcast of `input1` and `input2` onto `output`. Every rank is at
/// most [`MAX_BROADCAST_RANK`], the output's is the larger input rank and
/// at most `max_broadcast_rank` unless the two inputs have equal shapes
/// (TFLM's flat loop), and each output extent is the broadcast of the
/// inputs' extents.
pub fn binary_broadcast(
    input1: &Tensor<'_>,
    input2: &Tensor<'_>,
    output: &Tensor<'_>,
    max_broadcast_rank: usize,
) -> Result<BroadcastShape, OpError> {
    let (d1, r1) = dims(input1)?;
    let (d2, r2) = dims(input2)?;
    let (dout, rout) = dims(output)?;
    let same = r1 == r2 && d1 == d2;
    if rout > max_broadcast_rank && !same {
        return Err(OpError::UnsupportedRank {
            tensor: output.index(),
            rank: rout,
            max: max_broadcast_rank,
        });
    }
    let mismatch = OpError::ShapeMismatch {
        tensor: output.index(),
        what: "output shape is not the broadcast of the input shapes",
    };
    if rout != r1.max(r2) {
        return Err(mismatch);
    }
    BroadcastShape::new(
        d1.get(..r1).unwrap_or_default(),
        d2.get(..r2).unwrap_or_default(),
        dout.get(..rout).unwrap_or_default(),
    )
    .map_err(|e| match e {
        KernelError::TooLarge { .. } => OpError::SizeOverflow {
            what: "broadcast element count",
        },
        KernelError::BroadcastIncompatible { .. } => mismatch,
        other => OpError::Kernel(other),
    })
}
