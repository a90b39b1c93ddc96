//! RESHAPE: the output views input 0's bytes with another shape.

use crate::context::PrepareContext;
use crate::error::OpError;
use crate::kernel::{Kernel, Needs, Prepared};
use crate::EvalContext;

crate::registry::declare_ops! {
    /// RESHAPE.
    reshape => Reshape, RESHAPE, "any (the output views the input's bytes)", versions 1..=1;
}

/// RESHAPE (and any op that only relabels the shape).
pub struct Reshape;

impl Kernel for Reshape {
    type Params = ();

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<()>, OpError> {
        ctx.expect_io(1, 2, 1)?;
        same_bytes_view(ctx)
    }

    fn eval(_: &mut EvalContext<'_>, _: &(), _: &[u8]) -> Result<(), OpError> {
        // Never called: the output aliases the input (see `Needs`).
        Ok(())
    }
}

/// Shared by RESHAPE and SQUEEZE-like ops: the output must have the input's
/// dtype and element count; its bytes alias the input's.
pub fn same_bytes_view(ctx: &PrepareContext<'_>) -> Result<Prepared<()>, OpError> {
    let input = ctx.input(0)?;
    let output = ctx.output(0)?;
    if input.dtype() != output.dtype() {
        return Err(OpError::UnsupportedType {
            tensor: output.index(),
            dtype: output.dtype(),
        });
    }
    if input.element_count() != output.element_count() || input.byte_size().is_none() {
        return Err(OpError::ShapeMismatch {
            tensor: output.index(),
            what: "output element count differs from input",
        });
    }
    Ok(Prepared {
        params: (),
        needs: Needs {
            output_aliases_input: true,
            ..Needs::default()
        },
    })
}
