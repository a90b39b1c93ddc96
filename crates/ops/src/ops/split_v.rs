//! SPLIT_V: the input cut into slices of the outputs' sizes along a
//! constant axis, for float32, int8, int16 and int32, as TFLM (the sizes
//! come from the output shapes; the `size_splits` input is not read).

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::split::{constant_axis, eval_slices, prepare_slices, SplitParams};

crate::registry::declare_ops! {
    /// SPLIT_V.
    split_v => SplitV, SPLIT_V, "float32, int8, int16, int32", versions 1..=2;
}

/// SPLIT_V: input 0 the tensor, input 1 the sizes, input 2 the constant
/// axis.
pub struct SplitV;

impl Kernel for SplitV {
    type Params = SplitParams;
    const SEVERAL_OUTPUTS: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SplitParams>, OpError> {
        ctx.expect_io_outputs(3, 3)?;
        let axis = constant_axis(&ctx.input(2)?)?;
        let input = ctx.input(0)?;
        Ok(Prepared::new(prepare_slices(ctx, &input, axis, true)?))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &SplitParams, _: &[u8]) -> Result<(), OpError> {
        eval_slices(ctx, p, 0)
    }
}
