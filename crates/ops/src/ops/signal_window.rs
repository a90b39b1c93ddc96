//! SignalWindow (TFLM's signal library WINDOW, a custom op): every frame
//! of the int16 input times an int16 window, shifted and saturated.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::signal_window::window;
use microlite_model::TensorType;

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::signal_common::{expect, expect_count, option_in, options};

crate::registry::declare_ops! {
    /// SignalWindow (custom op).
    signal_window => SignalWindow, CUSTOM("SignalWindow"), "int16", versions 1..=1;
}

/// Prepared SignalWindow.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct WindowParams {
    shift: u32,
}

/// SignalWindow.
pub struct SignalWindow;

impl Kernel for SignalWindow {
    type Params = WindowParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<WindowParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let map = options(ctx)?;
        let shift = option_in(&map, "shift", 0..32)?;
        let (input, weights, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        expect_type(&input, TensorType::Int16)?;
        expect(&weights, TensorType::Int16, 1)?;
        expect_type(&output, TensorType::Int16)?;
        let rank = input.shape().rank();
        if rank == 0 {
            return Err(OpError::ShapeMismatch {
                tensor: input.index(),
                what: "must have at least one dimension",
            });
        }
        if output.shape().rank() != rank {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "rank differs from the input's",
            });
        }
        let frame = weights.element_count();
        if frame == 0 || input.element_count() % frame != 0 {
            return Err(OpError::ShapeMismatch {
                tensor: input.index(),
                what: "not a whole number of windows",
            });
        }
        expect_count(
            &output,
            input.element_count(),
            "differs from the input's size",
        )?;
        Ok(Prepared::new(WindowParams {
            shift: shift as u32,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &WindowParams, _extra: &[u8]) -> Result<(), OpError> {
        let input = ctx.input::<i16>(0)?;
        let weights = ctx.input::<i16>(1)?;
        window(input, weights, p.shift, ctx.output::<i16>()?)?;
        Ok(())
    }
}
