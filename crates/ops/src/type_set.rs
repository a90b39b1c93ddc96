//! Which tensor types a registration's code covers, as TFLM's per-type
//! registrations (`Register_CONV_2D_INT8`) do: an op registered for int8
//! only (`ops::conv_2d_int8()`) links no float kernel, so firmware that runs
//! int8 models carries no float code for it.
//!
//! An op type takes the set as a const parameter (`Conv2d<{ INT8 }>`); its
//! prepare rejects other types with [`OpError::TypeNotRegistered`] and its
//! eval tests [`covers`] before each type's branch, a constant the compiler
//! folds, so the branches of uncovered types are not compiled in.

use microlite_model::{Tensor, TensorType};

use crate::error::OpError;

/// A set of tensor types, one bit per type.
pub type TypeSet = u8;

/// Int8 activations (with their int8 weights, int32 biases, ...).
pub const INT8: TypeSet = 1 << 0;
/// Float32 tensors.
pub const FLOAT32: TypeSet = 1 << 1;
/// Int16 activations (16x8: with int8 weights and int64 biases).
pub const INT16: TypeSet = 1 << 2;
/// Every type the op supports.
pub const ALL: TypeSet = TypeSet::MAX;

/// Whether `set` covers every type in `types`.
#[inline(always)]
pub const fn covers(set: TypeSet, types: TypeSet) -> bool {
    set & types == types
}

/// Rejects `tensor` unless `set` covers its type. Types that have no bit
/// of their own are covered only by [`ALL`].
pub fn require(set: TypeSet, tensor: &Tensor<'_>) -> Result<(), OpError> {
    let dtype = tensor.dtype();
    let bit = match dtype {
        TensorType::Int8 => INT8,
        TensorType::Float32 => FLOAT32,
        TensorType::Int16 => INT16,
        _ => ALL,
    };
    if covers(set, bit) {
        Ok(())
    } else {
        Err(OpError::TypeNotRegistered {
            tensor: tensor.index(),
            dtype,
        })
    }
}
