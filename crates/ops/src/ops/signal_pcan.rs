//! SignalPCAN (TFLM's signal library PCAN, a custom op): automatic gain
//! control of filter bank energies by their noise estimate.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::signal_pcan::pcan;
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::signal_common::{expect, expect_count, option_in, options};

crate::registry::declare_ops! {
    /// SignalPCAN (custom op).
    signal_pcan => SignalPcan, CUSTOM("SignalPCAN"), "uint32", versions 1..=1;
}

/// Prepared SignalPCAN.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct PcanParams {
    snr_shift: u32,
}

/// SignalPCAN.
pub struct SignalPcan;

impl Kernel for SignalPcan {
    type Params = PcanParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<PcanParams>, OpError> {
        ctx.expect_io(3, 3, 1)?;
        let map = options(ctx)?;
        let snr_shift = option_in(&map, "snr_shift", 0..64)?;
        let (input, noise, lut, output) =
            (ctx.input(0)?, ctx.input(1)?, ctx.input(2)?, ctx.output(0)?);
        expect(&input, TensorType::UInt32, 1)?;
        expect(&noise, TensorType::UInt32, 1)?;
        expect(&lut, TensorType::Int16, 1)?;
        expect(&output, TensorType::UInt32, 1)?;
        expect_count(
            &noise,
            input.element_count(),
            "differs from the input's size",
        )?;
        expect_count(
            &output,
            input.element_count(),
            "differs from the input's size",
        )?;
        Ok(Prepared::new(PcanParams {
            snr_shift: snr_shift as u32,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &PcanParams, _extra: &[u8]) -> Result<(), OpError> {
        let input = ctx.input::<u32>(0)?;
        let noise = ctx.input::<u32>(1)?;
        let lut = ctx.input::<i16>(2)?;
        pcan(input, noise, lut, p.snr_shift, ctx.output::<u32>()?)?;
        Ok(())
    }
}
