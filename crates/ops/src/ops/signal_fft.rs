//! TFLM's signal library FFT custom ops: SignalFftAutoScale, SignalRfft and
//! SignalIrfft (int16, int32 and float32, chosen by the `T` option as
//! TFLM's generic registrations do), computed as KISS FFT does
//! (`microlite_kernels::signal_fft`).

use core::mem::size_of;

use bytemuck::{Pod, Zeroable};
use microlite_kernels::signal_fft::{fft_auto_scale, irfft, rfft, Cpx, FftScalar, RfftPlan};
use microlite_model::{Tensor, TensorType};

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Needs, Prepared};
use crate::ops::signal_common::{expect, expect_count, option_i32, options};

crate::registry::declare_ops! {
    /// SignalFftAutoScale (custom op).
    signal_fft_auto_scale => SignalFftAutoScale, CUSTOM("SignalFftAutoScale"),
        "int16", versions 1..=1;
    /// SignalRfft (custom op).
    signal_rfft => SignalRfft, CUSTOM("SignalRfft"), "int16, int32, float32", versions 1..=1;
    /// SignalIrfft (custom op).
    signal_irfft => SignalIrfft, CUSTOM("SignalIrfft"), "int16, int32, float32", versions 1..=1;
}

/// SignalFftAutoScale: no parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct AutoScaleParams {
    _unused: u32,
}

/// SignalFftAutoScale.
pub struct SignalFftAutoScale;

impl Kernel for SignalFftAutoScale {
    type Params = AutoScaleParams;
    const SEVERAL_OUTPUTS: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<AutoScaleParams>, OpError> {
        ctx.expect_io(1, 1, 2)?;
        let (input, output, scale) = (ctx.input(0)?, ctx.output(0)?, ctx.output(1)?);
        expect(&input, TensorType::Int16, 1)?;
        expect(&output, TensorType::Int16, 1)?;
        expect(&scale, TensorType::Int32, 0)?;
        expect_count(
            &output,
            input.element_count(),
            "differs from the input's size",
        )?;
        Ok(Prepared::new(AutoScaleParams { _unused: 0 }))
    }

    fn eval(ctx: &mut EvalContext<'_>, _p: &AutoScaleParams, _extra: &[u8]) -> Result<(), OpError> {
        let input = ctx.input::<i16>(0)?;
        let bits = fft_auto_scale(input, ctx.output_at::<i16>(0)?)?;
        let scale = ctx.output_at::<i32>(1)?;
        *scale.first_mut().ok_or(OpError::Internal("scale output"))? = bits;
        Ok(())
    }
}

/// The FFT element types, as the `T` option codes them (TFLite's
/// `TensorType`).
const T_FLOAT32: u32 = 0;
const T_INT32: u32 = 2;
const T_INT16: u32 = 7;

/// Prepared SignalRfft / SignalIrfft.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct FftParams {
    plan: RfftPlan,
    /// `T_FLOAT32`, `T_INT32` or `T_INT16`.
    dtype: u32,
    /// Frames (FFTs) per invoke.
    frames: u32,
    /// Real samples per input frame (RFFT: at most `fft_length`, zero
    /// padded).
    frame_length: u32,
}

/// The `T` option and `fft_length`, the plan and the element size.
fn fft_options(ctx: &PrepareContext<'_>) -> Result<(u32, TensorType, usize, RfftPlan), OpError> {
    let map = options(ctx)?;
    let t = option_i32(&map, "T")?;
    let (dtype, tensor_type, size) = match t {
        0 => (T_FLOAT32, TensorType::Float32, 4),
        2 => (T_INT32, TensorType::Int32, 4),
        7 => (T_INT16, TensorType::Int16, 2),
        _ => {
            return Err(OpError::UnsupportedOption {
                field: "T",
                value: i64::from(t),
            })
        }
    };
    let length = option_i32(&map, "fft_length")?;
    let plan = usize::try_from(length)
        .ok()
        .and_then(|n| RfftPlan::new(n).ok())
        .ok_or(OpError::UnsupportedOption {
            field: "fft_length",
            value: i64::from(length),
        })?;
    Ok((dtype, tensor_type, size, plan))
}

fn last_dim(tensor: &Tensor<'_>) -> Result<usize, OpError> {
    let rank = tensor.shape().rank();
    rank.checked_sub(1)
        .and_then(|k| tensor.shape().dim(k))
        .ok_or(OpError::ShapeMismatch {
            tensor: tensor.index(),
            what: "must have at least one dimension",
        })
}

/// Checks the tensors of an RFFT (`inverse` false: real frames in,
/// `fft_length / 2 + 1` complex values out) or IRFFT (the reverse) and
/// sizes its memory: the twiddles (persistent) and the work areas.
fn prepare_fft(ctx: &PrepareContext<'_>, inverse: bool) -> Result<Prepared<FftParams>, OpError> {
    ctx.expect_io(1, 1, 1)?;
    let (dtype, tensor_type, size, plan) = fft_options(ctx)?;
    let (input, output) = (ctx.input(0)?, ctx.output(0)?);
    expect_type(&input, tensor_type)?;
    expect_type(&output, tensor_type)?;
    if input.shape().rank() != output.shape().rank() {
        return Err(OpError::ShapeMismatch {
            tensor: output.index(),
            what: "rank differs from the input's",
        });
    }
    let fft_length = plan.fft_length as usize;
    let spectrum = 2 * (plan.ncfft as usize + 1);
    let (real, complex) = if inverse {
        (&output, &input)
    } else {
        (&input, &output)
    };
    let frame_length = last_dim(real)?;
    if last_dim(complex)? != spectrum {
        return Err(OpError::ShapeMismatch {
            tensor: complex.index(),
            what: "last dimension is not 2 * (fft_length / 2 + 1)",
        });
    }
    if frame_length == 0 || frame_length > fft_length || (inverse && frame_length != fft_length) {
        return Err(OpError::ShapeMismatch {
            tensor: real.index(),
            what: "last dimension does not fit fft_length",
        });
    }
    let frames = real.element_count() / frame_length;
    let frames_complex = complex.element_count() / spectrum;
    if frames != frames_complex {
        return Err(OpError::ShapeMismatch {
            tensor: output.index(),
            what: "frame count differs from the input's",
        });
    }
    let overflow = OpError::SizeOverflow { what: "fft memory" };
    let extra_bytes = plan.twiddle_count().checked_mul(2 * size).ok_or(overflow)?;
    // Work areas: the padded real frame, then ncfft complex values.
    let scratch_bytes = fft_length.checked_mul(2 * size).ok_or(overflow)?;
    Ok(Prepared {
        params: FftParams {
            plan,
            dtype,
            frames: u32::try_from(frames).map_err(|_| overflow)?,
            frame_length: frame_length as u32,
        },
        needs: Needs {
            extra_bytes,
            scratch_bytes,
            ..Needs::default()
        },
    })
}

fn fill_twiddles<T: FftScalar>(
    p: &FftParams,
    inverse: bool,
    extra: &mut [u8],
) -> Result<(), OpError> {
    let twiddles: &mut [Cpx<T>] = bytemuck::try_cast_slice_mut(extra)
        .map_err(|_| OpError::Internal("fft twiddle bytes misaligned"))?;
    p.plan.fill_twiddles(inverse, twiddles)?;
    Ok(())
}

fn fill_fft(p: &FftParams, inverse: bool, extra: &mut [u8]) -> Result<(), OpError> {
    match p.dtype {
        T_INT16 => fill_twiddles::<i16>(p, inverse, extra),
        T_INT32 => fill_twiddles::<i32>(p, inverse, extra),
        _ => fill_twiddles::<f32>(p, inverse, extra),
    }
}

fn twiddles<T: FftScalar>(extra: &[u8]) -> Result<&[Cpx<T>], OpError> {
    bytemuck::try_cast_slice(extra).map_err(|_| OpError::Internal("fft twiddle bytes misaligned"))
}

/// The scratch as the padded real frame and the complex work area.
fn work_areas<T: Pod>(
    scratch: &mut [T],
    fft_length: usize,
) -> Result<(&mut [T], &mut [Cpx<T>]), OpError> {
    let (frame, tmp) = scratch
        .split_at_mut_checked(fft_length)
        .ok_or(OpError::Internal("fft scratch too small"))?;
    let tmp: &mut [Cpx<T>] = bytemuck::try_cast_slice_mut(tmp)
        .map_err(|_| OpError::Internal("fft scratch misaligned"))?;
    let tmp_len = fft_length / 2;
    let tmp = tmp
        .get_mut(..tmp_len)
        .ok_or(OpError::Internal("fft scratch too small"))?;
    Ok((frame, tmp))
}

fn eval_rfft<T: FftScalar>(
    ctx: &mut EvalContext<'_>,
    p: &FftParams,
    extra: &[u8],
) -> Result<(), OpError> {
    let tw = twiddles::<T>(extra)?;
    let input = ctx.input::<T>(0)?;
    let (output, scratch) = ctx.output_and_scratch::<T, T>()?;
    let fft_length = p.plan.fft_length as usize;
    let (frame, tmp) = work_areas(scratch, fft_length)?;
    let output: &mut [Cpx<T>] = bytemuck::try_cast_slice_mut(output)
        .map_err(|_| OpError::Internal("rfft output misaligned"))?;
    let frame_length = p.frame_length as usize;
    let bins = p.plan.ncfft as usize + 1;
    for (chunk, out) in input
        .chunks_exact(frame_length)
        .zip(output.chunks_exact_mut(bins))
        .take(p.frames as usize)
    {
        let (head, tail) = frame
            .split_at_mut_checked(frame_length)
            .ok_or(OpError::Internal("rfft frame"))?;
        head.copy_from_slice(chunk);
        tail.fill(T::default());
        rfft(&p.plan, tw, frame, tmp, out)?;
    }
    Ok(())
}

/// The float IRFFT divides by the real length, as TFLM's
/// `IrfftFloatApply` (KISS FFT leaves its outputs unscaled).
trait Rescale: FftScalar {
    fn rescale(_out: &mut [Self], _fft_length: usize) {}
}
impl Rescale for i16 {}
impl Rescale for i32 {}
impl Rescale for f32 {
    fn rescale(out: &mut [Self], fft_length: usize) {
        let n = fft_length as f32;
        for v in out {
            *v /= n;
        }
    }
}

fn eval_irfft<T: Rescale>(
    ctx: &mut EvalContext<'_>,
    p: &FftParams,
    extra: &[u8],
) -> Result<(), OpError> {
    let tw = twiddles::<T>(extra)?;
    let input = ctx.input::<T>(0)?;
    let input: &[Cpx<T>] =
        bytemuck::try_cast_slice(input).map_err(|_| OpError::Internal("irfft input misaligned"))?;
    let (output, scratch) = ctx.output_and_scratch::<T, T>()?;
    let fft_length = p.plan.fft_length as usize;
    let (_, tmp) = work_areas(scratch, fft_length)?;
    let bins = p.plan.ncfft as usize + 1;
    for (spectrum, out) in input
        .chunks_exact(bins)
        .zip(output.chunks_exact_mut(fft_length))
        .take(p.frames as usize)
    {
        irfft(&p.plan, tw, spectrum, tmp, out)?;
        T::rescale(out, fft_length);
    }
    Ok(())
}

/// SignalRfft.
pub struct SignalRfft;

impl Kernel for SignalRfft {
    type Params = FftParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<FftParams>, OpError> {
        prepare_fft(ctx, false)
    }

    fn fill(_ctx: &PrepareContext<'_>, p: &FftParams, extra: &mut [u8]) -> Result<(), OpError> {
        fill_fft(p, false, extra)
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &FftParams, extra: &[u8]) -> Result<(), OpError> {
        match p.dtype {
            T_INT16 => eval_rfft::<i16>(ctx, p, extra),
            T_INT32 => eval_rfft::<i32>(ctx, p, extra),
            _ => eval_rfft::<f32>(ctx, p, extra),
        }
    }
}

/// SignalIrfft.
pub struct SignalIrfft;

impl Kernel for SignalIrfft {
    type Params = FftParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<FftParams>, OpError> {
        prepare_fft(ctx, true)
    }

    fn fill(_ctx: &PrepareContext<'_>, p: &FftParams, extra: &mut [u8]) -> Result<(), OpError> {
        fill_fft(p, true, extra)
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &FftParams, extra: &[u8]) -> Result<(), OpError> {
        match p.dtype {
            T_INT16 => eval_irfft::<i16>(ctx, p, extra),
            T_INT32 => eval_irfft::<i32>(ctx, p, extra),
            _ => eval_irfft::<f32>(ctx, p, extra),
        }
    }
}

const _: () = assert!(size_of::<Cpx<i16>>() == 4);
