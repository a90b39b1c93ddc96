//! Reading the small constant int32 tensors some ops take as parameters
//! (paddings, permutations, slice bounds, axes) at prepare time.

use microlite_model::{Tensor, TensorType};

use crate::context::expect_type;
use crate::error::OpError;

/// The values of the constant int32 `tensor`, which must hold exactly
/// `count` values (`count <= N`); entries past `count` are 0. `what`
/// describes the expected length for the error.
pub fn constant_i32s<const N: usize>(
    tensor: &Tensor<'_>,
    count: usize,
    what: &'static str,
) -> Result<[i32; N], OpError> {
    expect_type(tensor, TensorType::Int32)?;
    let bytes = tensor.data().ok_or(OpError::NotConstant {
        tensor: tensor.index(),
    })?;
    if tensor.element_count() != count || count > N {
        return Err(OpError::ShapeMismatch {
            tensor: tensor.index(),
            what,
        });
    }
    let mut values = [0i32; N];
    for (slot, chunk) in values.iter_mut().zip(bytes.chunks_exact(4)) {
        let le = <[u8; 4]>::try_from(chunk).map_err(|_| OpError::Internal("4-byte chunk"))?;
        *slot = i32::from_le_bytes(le);
    }
    Ok(values)
}
