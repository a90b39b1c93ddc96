//! TFLM's signal library filter bank custom ops: SignalFilterBank,
//! SignalFilterBankSquareRoot and SignalFilterBankLog
//! (`microlite_kernels::signal_filter_bank`).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::signal_filter_bank::{
    filter_bank, filter_bank_log, filter_bank_square_root, spectral_subtraction, FilterBankTables,
    SpectralSubtraction,
};
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Needs, Prepared};
use crate::ops::signal_common::{
    expect, expect_count, option_bool, option_i32, option_in, options,
};

crate::registry::declare_ops! {
    /// SignalFilterBank (custom op).
    signal_filter_bank => SignalFilterBank, CUSTOM("SignalFilterBank"),
        "uint32 -> uint64", versions 1..=1;
    /// SignalFilterBankSquareRoot (custom op).
    signal_filter_bank_square_root => SignalFilterBankSquareRoot,
        CUSTOM("SignalFilterBankSquareRoot"), "uint64 -> uint32", versions 1..=1;
    /// SignalFilterBankLog (custom op).
    signal_filter_bank_log => SignalFilterBankLog, CUSTOM("SignalFilterBankLog"),
        "uint32 -> int16", versions 1..=1;
    /// SignalFilterBankSpectralSubtraction (custom op, stateful).
    signal_filter_bank_spectral_subtraction => SignalFilterBankSpectralSubtraction,
        CUSTOM("SignalFilterBankSpectralSubtraction"), "uint32", versions 1..=1;
}

/// Prepared SignalFilterBank.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct FilterBankParams {
    channels: u32,
}

/// SignalFilterBank.
pub struct SignalFilterBank;

impl Kernel for SignalFilterBank {
    type Params = FilterBankParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<FilterBankParams>, OpError> {
        ctx.expect_io(6, 6, 1)?;
        let map = options(ctx)?;
        let channels = option_in(&map, "num_channels", 0..i64::from(i32::MAX))?;
        let channels = channels as usize;
        expect(&ctx.input(0)?, TensorType::UInt32, 1)?;
        for k in 1..6 {
            expect(&ctx.input(k)?, TensorType::Int16, 1)?;
        }
        for k in 3..6 {
            let table = ctx.input(k)?;
            if table.element_count() < channels + 1 {
                return Err(OpError::ShapeMismatch {
                    tensor: table.index(),
                    what: "fewer than num_channels + 1 entries",
                });
            }
        }
        let output = ctx.output(0)?;
        expect(&output, TensorType::UInt64, 1)?;
        expect_count(&output, channels, "differs from num_channels")?;
        Ok(Prepared::new(FilterBankParams {
            channels: channels as u32,
        }))
    }

    fn eval(
        ctx: &mut EvalContext<'_>,
        _p: &FilterBankParams,
        _extra: &[u8],
    ) -> Result<(), OpError> {
        let input = ctx.input::<u32>(0)?;
        let tables = FilterBankTables {
            weights: ctx.input::<i16>(1)?,
            unweights: ctx.input::<i16>(2)?,
            frequency_starts: ctx.input::<i16>(3)?,
            weight_starts: ctx.input::<i16>(4)?,
            widths: ctx.input::<i16>(5)?,
        };
        filter_bank(&tables, input, ctx.output::<u64>()?)?;
        Ok(())
    }
}

/// SignalFilterBankSquareRoot: no parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct SquareRootParams {
    _unused: u32,
}

/// SignalFilterBankSquareRoot.
pub struct SignalFilterBankSquareRoot;

impl Kernel for SignalFilterBankSquareRoot {
    type Params = SquareRootParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SquareRootParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (input, scale, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        expect(&input, TensorType::UInt64, 1)?;
        expect(&scale, TensorType::Int32, 0)?;
        expect(&output, TensorType::UInt32, 1)?;
        expect_count(
            &output,
            input.element_count(),
            "differs from the input's size",
        )?;
        Ok(Prepared::new(SquareRootParams { _unused: 0 }))
    }

    fn eval(
        ctx: &mut EvalContext<'_>,
        _p: &SquareRootParams,
        _extra: &[u8],
    ) -> Result<(), OpError> {
        let input = ctx.input::<u64>(0)?;
        let scale = *ctx
            .input::<i32>(1)?
            .first()
            .ok_or(OpError::Internal("scale bits input"))?;
        filter_bank_square_root(input, scale, ctx.output::<u32>()?)?;
        Ok(())
    }
}

/// Prepared SignalFilterBankLog.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct LogParams {
    output_scale: u32,
    correction_bits: u32,
}

/// SignalFilterBankLog.
pub struct SignalFilterBankLog;

impl Kernel for SignalFilterBankLog {
    type Params = LogParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<LogParams>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let map = options(ctx)?;
        let correction_bits = option_in(&map, "input_correction_bits", 0..32)?;
        // TFLM passes the int32 scale on as uint32.
        let output_scale = option_i32(&map, "output_scale")? as u32;
        let (input, output) = (ctx.input(0)?, ctx.output(0)?);
        expect(&input, TensorType::UInt32, 1)?;
        expect(&output, TensorType::Int16, 1)?;
        expect_count(
            &output,
            input.element_count(),
            "differs from the input's size",
        )?;
        Ok(Prepared::new(LogParams {
            output_scale,
            correction_bits: correction_bits as u32,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &LogParams, _extra: &[u8]) -> Result<(), OpError> {
        let input = ctx.input::<u32>(0)?;
        filter_bank_log(
            input,
            p.output_scale,
            p.correction_bits,
            ctx.output::<i16>()?,
        )?;
        Ok(())
    }
}

/// Prepared SignalFilterBankSpectralSubtraction.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct SpectralSubtractionParams {
    config: SpectralSubtraction,
    channels: u32,
}

/// SignalFilterBankSpectralSubtraction: its noise estimate (one uint32 per
/// channel) persists across invokes, zeroed at start and by a reset.
pub struct SignalFilterBankSpectralSubtraction;

impl Kernel for SignalFilterBankSpectralSubtraction {
    type Params = SpectralSubtractionParams;
    const SEVERAL_OUTPUTS: bool = true;
    const STATEFUL: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SpectralSubtractionParams>, OpError> {
        ctx.expect_io(1, 1, 2)?;
        let map = options(ctx)?;
        let word = |field| option_i32(&map, field).map(|v| v as u32);
        let config = SpectralSubtraction {
            alternate_one_minus_smoothing: word("alternate_one_minus_smoothing")?,
            alternate_smoothing: word("alternate_smoothing")?,
            clamping: u32::from(option_bool(&map, "clamping")?),
            min_signal_remaining: word("min_signal_remaining")?,
            one_minus_smoothing: word("one_minus_smoothing")?,
            smoothing: word("smoothing")?,
            smoothing_bits: option_in(&map, "smoothing_bits", 0..32)? as u32,
            spectral_subtraction_bits: option_in(&map, "spectral_subtraction_bits", 0..64)? as u32,
        };
        let channels = option_in(&map, "num_channels", 0..i64::from(i32::MAX))? as usize;
        let (input, output, noise) = (ctx.input(0)?, ctx.output(0)?, ctx.output(1)?);
        for t in [&input, &output, &noise] {
            expect(t, TensorType::UInt32, 1)?;
            expect_count(t, channels, "differs from num_channels")?;
        }
        let state_bytes = channels.checked_mul(4).ok_or(OpError::SizeOverflow {
            what: "noise estimate",
        })?;
        Ok(Prepared {
            params: SpectralSubtractionParams {
                config,
                channels: channels as u32,
            },
            needs: Needs {
                state_bytes,
                ..Needs::default()
            },
        })
    }

    fn eval(
        ctx: &mut EvalContext<'_>,
        p: &SpectralSubtractionParams,
        _extra: &[u8],
    ) -> Result<(), OpError> {
        let input = ctx.input::<u32>(0)?;
        let noise = ctx.take_state::<u32>()?;
        spectral_subtraction(&p.config, input, ctx.output_at::<u32>(0)?, noise)?;
        // The second output is a copy of the noise estimate.
        let copy = ctx.output_at::<u32>(1)?;
        let n = copy.len().min(noise.len());
        let (dst, src) = (copy.get_mut(..n), noise.get(..n));
        if let (Some(dst), Some(src)) = (dst, src) {
            dst.copy_from_slice(src);
        }
        Ok(())
    }
}
