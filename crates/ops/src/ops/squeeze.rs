//! SQUEEZE and EXPAND_DIMS: the output views input 0's bytes with size-1
//! dimensions removed or inserted (see [`same_bytes_view`]), after TFLM's
//! shape checks.

use microlite_model::{Tensor, TensorType};

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::constant_i32::constant_i32s;
use crate::ops::reshape::same_bytes_view;

crate::registry::declare_ops! {
    /// SQUEEZE.
    squeeze => Squeeze, SQUEEZE, "any (the output views the input's bytes)", versions 1..=1;
    /// EXPAND_DIMS.
    expand_dims => ExpandDims, EXPAND_DIMS,
        "float32, int8, int16 (the output views the input's bytes)", versions 1..=1;
}

/// Largest input rank TFLM's SQUEEZE accepts.
const MAX_SQUEEZE_RANK: usize = 8;

/// Whether `output`'s dimensions are exactly `expected`.
fn has_dims(output: &Tensor<'_>, expected: impl Iterator<Item = usize>) -> bool {
    let mut actual = output.shape().iter();
    let mut expected = expected;
    loop {
        match (expected.next(), actual.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

/// SQUEEZE: drops the dimensions listed in `SqueezeOptions.squeeze_dims`
/// (negative counts from the end; each must be 1), or every size-1
/// dimension when the list is empty or the options are absent.
pub struct Squeeze;

impl Kernel for Squeeze {
    type Params = ();

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<()>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let raw = ctx.operator().raw();
        let squeeze_dims = match raw.builtin_options_as_squeeze_options() {
            Some(o) => o.squeeze_dims(),
            None if raw.builtin_options_type() == microlite_model::schema::BuiltinOptions::NONE => {
                None
            }
            None => return Err(OpError::MissingOptions),
        };
        let input = ctx.input(0)?;
        let output = ctx.output(0)?;
        let rank = input.shape().rank();
        if rank > MAX_SQUEEZE_RANK {
            return Err(OpError::UnsupportedRank {
                tensor: input.index(),
                rank,
                max: MAX_SQUEEZE_RANK,
            });
        }
        let mut squeezed = [false; MAX_SQUEEZE_RANK];
        match squeeze_dims.filter(|list| !list.is_empty()) {
            None => {
                for (slot, d) in squeezed.iter_mut().zip(input.shape().iter()) {
                    *slot = d == 1;
                }
            }
            Some(list) => {
                for value in list.iter() {
                    let bad = OpError::UnsupportedOption {
                        field: "squeeze_dims",
                        value: i64::from(value),
                    };
                    let resolved = if value < 0 {
                        i64::from(value) + rank as i64
                    } else {
                        i64::from(value)
                    };
                    let d = usize::try_from(resolved)
                        .ok()
                        .filter(|&d| input.shape().dim(d) == Some(1))
                        .ok_or(bad)?;
                    if let Some(slot) = squeezed.get_mut(d) {
                        *slot = true;
                    }
                }
            }
        }
        let kept = input
            .shape()
            .iter()
            .zip(squeezed)
            .filter_map(|(extent, drop)| (!drop).then_some(extent));
        if !has_dims(&output, kept) {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output shape is not the input shape without the squeezed dimensions",
            });
        }
        same_bytes_view(ctx)
    }

    fn eval(_: &mut EvalContext<'_>, _: &(), _: &[u8]) -> Result<(), OpError> {
        // Never called: the output aliases the input (see `Needs`).
        Ok(())
    }
}

/// EXPAND_DIMS: inserts a size-1 dimension at the position given by the
/// constant int32 input 1 (one value; negative counts from the end of the
/// output shape). Float32, int8 and int16, as TFLM.
pub struct ExpandDims;

impl Kernel for ExpandDims {
    type Params = ();

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<()>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let input = ctx.input(0)?;
        let axis = ctx.input(1)?;
        let output = ctx.output(0)?;
        if !matches!(
            input.dtype(),
            TensorType::Float32 | TensorType::Int8 | TensorType::Int16
        ) {
            return Err(OpError::UnsupportedType {
                tensor: input.index(),
                dtype: input.dtype(),
            });
        }
        if axis.shape().rank() > 1 {
            return Err(OpError::ShapeMismatch {
                tensor: axis.index(),
                what: "axis must be a scalar or a one-element vector",
            });
        }
        let [value]: [i32; 1] = constant_i32s(&axis, 1, "axis must hold exactly one value")?;
        let rank = input.shape().rank();
        let resolved = if value < 0 {
            i64::from(value) + rank as i64 + 1
        } else {
            i64::from(value)
        };
        let at = usize::try_from(resolved)
            .ok()
            .filter(|&a| a <= rank)
            .ok_or(OpError::ShapeMismatch {
                tensor: axis.index(),
                what: "axis outside [-rank - 1, rank] of the input",
            })?;
        let dims = input.shape();
        let expected = (0..=rank).map(|d| match d.cmp(&at) {
            core::cmp::Ordering::Less => dims.dim(d).unwrap_or(0),
            core::cmp::Ordering::Equal => 1,
            core::cmp::Ordering::Greater => dims.dim(d - 1).unwrap_or(0),
        });
        if !has_dims(&output, expected) {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output shape is not the input shape with a 1 inserted at the axis",
            });
        }
        same_bytes_view(ctx)
    }

    fn eval(_: &mut EvalContext<'_>, _: &(), _: &[u8]) -> Result<(), OpError> {
        // Never called: the output aliases the input (see `Needs`).
        Ok(())
    }
}
