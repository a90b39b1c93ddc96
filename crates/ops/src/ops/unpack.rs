//! UNPACK: the input's slices along an axis, one per output, each without
//! the axis, for float32, int8, int16 and int32, as TFLM.

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::split::{eval_slices, prepare_slices, SplitParams};

crate::registry::declare_ops! {
    /// UNPACK.
    unpack => Unpack, UNPACK, "float32, int8, int16, int32", versions 1..=4;
}

/// UNPACK: input 0 the tensor; `num` outputs along `axis` (options).
pub struct Unpack;

impl Kernel for Unpack {
    type Params = SplitParams;
    const SEVERAL_OUTPUTS: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SplitParams>, OpError> {
        let count = ctx.expect_io_outputs(1, 1)?;
        let options = ctx
            .operator()
            .raw()
            .builtin_options_as_unpack_options()
            .ok_or(OpError::MissingOptions)?;
        // TFLM copies `num` slices into the outputs: they must agree.
        if usize::try_from(options.num()).ok() != Some(count) {
            return Err(OpError::UnsupportedOption {
                field: "num",
                value: i64::from(options.num()),
            });
        }
        let input = ctx.input(0)?;
        Ok(Prepared::new(prepare_slices(
            ctx,
            &input,
            options.axis(),
            false,
        )?))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &SplitParams, _: &[u8]) -> Result<(), OpError> {
        eval_slices(ctx, p, 0)
    }
}
