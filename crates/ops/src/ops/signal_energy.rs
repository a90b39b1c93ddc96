//! SignalEnergy (TFLM's signal library ENERGY, a custom op): the power of
//! the bins `start_index..end_index` of an int16 complex spectrum.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::signal_energy::energy;
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::signal_common::{expect, option_i32, options};

crate::registry::declare_ops! {
    /// SignalEnergy (custom op).
    signal_energy => SignalEnergy, CUSTOM("SignalEnergy"), "int16 -> uint32", versions 1..=1;
}

/// Prepared SignalEnergy.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct EnergyParams {
    start: u32,
    end: u32,
}

/// SignalEnergy.
pub struct SignalEnergy;

impl Kernel for SignalEnergy {
    type Params = EnergyParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<EnergyParams>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let map = options(ctx)?;
        let start = option_i32(&map, "start_index")?;
        let end = option_i32(&map, "end_index")?;
        let (input, output) = (ctx.input(0)?, ctx.output(0)?);
        expect(&input, TensorType::Int16, 1)?;
        expect(&output, TensorType::UInt32, 1)?;
        let bins = (input.element_count() / 2).min(output.element_count());
        let bad = |field, value: i32| OpError::UnsupportedOption {
            field,
            value: i64::from(value),
        };
        let start_u = usize::try_from(start).map_err(|_| bad("start_index", start))?;
        let end_u = usize::try_from(end).map_err(|_| bad("end_index", end))?;
        if end_u > bins {
            return Err(bad("end_index", end));
        }
        if start_u > end_u {
            return Err(bad("start_index", start));
        }
        Ok(Prepared::new(EnergyParams {
            start: start as u32,
            end: end as u32,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &EnergyParams, _extra: &[u8]) -> Result<(), OpError> {
        let input = ctx.input::<i16>(0)?;
        energy(
            input,
            p.start as usize,
            p.end as usize,
            ctx.output::<u32>()?,
        )?;
        Ok(())
    }
}
