//! Small shape helpers for prepare.

use microlite_model::Tensor;

use crate::error::OpError;

/// Dimension `k` of `tensor`, or a shape error naming it.
pub fn dim(tensor: &Tensor<'_>, k: usize) -> Result<usize, OpError> {
    tensor.shape().dim(k).ok_or(OpError::ShapeMismatch {
        tensor: tensor.index(),
        what: "missing dimension",
    })
}

/// The first `len` elements of a fixed-size buffer whose length prepare has
/// already bounded (an internal error otherwise, never a panic).
pub fn prefix<T>(values: &[T], len: usize) -> Result<&[T], OpError> {
    values
        .get(..len)
        .ok_or(OpError::Internal("rank exceeds the fixed dimension buffer"))
}

/// `n` as `u32` for compact params, or an overflow error.
pub fn to_u32(n: usize) -> Result<u32, OpError> {
    u32::try_from(n).map_err(|_| OpError::SizeOverflow { what: "dimension" })
}

/// Whether `a` and `b` have the same dimensions.
pub fn same_shape(a: &Tensor<'_>, b: &Tensor<'_>) -> bool {
    a.shape().rank() == b.shape().rank() && a.shape().iter().eq(b.shape().iter())
}
