//! TFLM's signal library custom ops that keep samples across invokes:
//! SignalDelay, SignalFramer, SignalStacker and SignalOverlapAdd (int16,
//! float32). Their state is op state (`Needs::state_bytes`), zero at start
//! and after `Interpreter::reset_state`; where TFLM's initial state is not
//! all zeros (a prefilled framer) a per-channel flag re-primes it.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::signal_framing::{delay, overlap_add, Fifo, OverlapSample};
use microlite_model::{Tensor, TensorType};

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Needs, Prepared};
use crate::ops::signal_common::{
    expect, expect_count, option_bool, option_i32, option_in, options,
};

crate::registry::declare_ops! {
    /// SignalDelay (custom op, stateful).
    signal_delay => SignalDelay, CUSTOM("SignalDelay"), "int16", versions 1..=1;
    /// SignalFramer (custom op, stateful).
    signal_framer => SignalFramer, CUSTOM("SignalFramer"), "int16", versions 1..=1;
    /// SignalStacker (custom op, stateful).
    signal_stacker => SignalStacker, CUSTOM("SignalStacker"), "int16", versions 1..=1;
    /// SignalOverlapAdd (custom op, stateful).
    signal_overlap_add => SignalOverlapAdd, CUSTOM("SignalOverlapAdd"),
        "int16, float32", versions 1..=1;
}

const OVERFLOW: OpError = OpError::SizeOverflow {
    what: "signal op state",
};

fn last_dim(tensor: &Tensor<'_>) -> Result<usize, OpError> {
    let rank = tensor.shape().rank();
    rank.checked_sub(1)
        .and_then(|k| tensor.shape().dim(k))
        .filter(|&d| d > 0)
        .ok_or(OpError::ShapeMismatch {
            tensor: tensor.index(),
            what: "must have a non-empty last dimension",
        })
}

fn count_u32(n: usize) -> Result<u32, OpError> {
    u32::try_from(n).map_err(|_| OVERFLOW)
}

/// Prepared SignalDelay.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct DelayParams {
    frame: u32,
    delay: u32,
}

/// SignalDelay: each channel (innermost dimension) delayed by
/// `delay_length` samples.
pub struct SignalDelay;

impl Kernel for SignalDelay {
    type Params = DelayParams;
    const STATEFUL: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<DelayParams>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let map = options(ctx)?;
        let delay = option_in(&map, "delay_length", 0..i64::from(i32::MAX))? as usize;
        let (input, output) = (ctx.input(0)?, ctx.output(0)?);
        expect_type(&input, TensorType::Int16)?;
        expect_type(&output, TensorType::Int16)?;
        let frame = last_dim(&input)?;
        expect_count(
            &output,
            input.element_count(),
            "differs from the input's size",
        )?;
        let channels = input.element_count() / frame;
        let state_bytes = channels
            .checked_mul(delay)
            .and_then(|n| n.checked_mul(2))
            .ok_or(OVERFLOW)?;
        Ok(Prepared {
            params: DelayParams {
                frame: count_u32(frame)?,
                delay: count_u32(delay)?,
            },
            needs: Needs {
                state_bytes,
                ..Needs::default()
            },
        })
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &DelayParams, _extra: &[u8]) -> Result<(), OpError> {
        let input = ctx.input::<i16>(0)?;
        let state = ctx.take_state::<i16>()?;
        let output = ctx.output::<i16>()?;
        let frame = p.frame as usize;
        let lines = state.chunks_exact_mut((p.delay as usize).max(1));
        let frames = input
            .chunks_exact(frame)
            .zip(output.chunks_exact_mut(frame));
        if p.delay == 0 {
            for (x, o) in frames {
                o.copy_from_slice(x);
            }
            return Ok(());
        }
        for (line, (x, o)) in lines.zip(frames) {
            delay(line, x, o)?;
        }
        Ok(())
    }
}

/// Prepared SignalFramer.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct FramerParams {
    frame_size: u32,
    frame_step: u32,
    prefill: u32,
    channels: u32,
    frames: u32,
    /// u32 words of state per channel: length, primed flag, samples.
    words: u32,
}

/// SignalFramer: each channel's stream cut into frames of `frame_size`
/// every `frame_step` samples; the second output says whether every frame
/// was complete.
pub struct SignalFramer;

impl Kernel for SignalFramer {
    type Params = FramerParams;
    const SEVERAL_OUTPUTS: bool = true;
    const STATEFUL: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<FramerParams>, OpError> {
        ctx.expect_io(1, 1, 2)?;
        let map = options(ctx)?;
        let size = option_in(&map, "frame_size", 1..i64::from(i32::MAX))? as usize;
        let step = option_in(&map, "frame_step", 1..i64::from(i32::MAX))? as usize;
        let prefill = option_bool(&map, "prefill")?;
        let (input, output, valid) = (ctx.input(0)?, ctx.output(0)?, ctx.output(1)?);
        expect_type(&input, TensorType::Int16)?;
        expect_type(&output, TensorType::Int16)?;
        expect(&valid, TensorType::Bool, 0)?;
        if output.shape().rank() != input.shape().rank() + 1 {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "rank is not the input's plus one",
            });
        }
        let innermost = last_dim(&input)?;
        if innermost < step || !innermost.is_multiple_of(step) {
            return Err(OpError::ShapeMismatch {
                tensor: input.index(),
                what: "last dimension is not a multiple of frame_step",
            });
        }
        if prefill && size < step {
            return Err(OpError::UnsupportedOption {
                field: "frame_step",
                value: step as i64,
            });
        }
        let channels = input.element_count() / innermost;
        let frames = innermost / step;
        let total = channels
            .checked_mul(frames)
            .and_then(|n| n.checked_mul(size))
            .ok_or(OVERFLOW)?;
        expect_count(&output, total, "is not channels x frames x frame_size")?;
        let capacity = size.div_ceil(step).checked_mul(step).ok_or(OVERFLOW)?;
        let words = capacity.div_ceil(2).checked_add(2).ok_or(OVERFLOW)?;
        let state_bytes = channels
            .checked_mul(words)
            .and_then(|n| n.checked_mul(4))
            .ok_or(OVERFLOW)?;
        Ok(Prepared {
            params: FramerParams {
                frame_size: count_u32(size)?,
                frame_step: count_u32(step)?,
                prefill: u32::from(prefill),
                channels: count_u32(channels)?,
                frames: count_u32(frames)?,
                words: count_u32(words)?,
            },
            needs: Needs {
                state_bytes,
                ..Needs::default()
            },
        })
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &FramerParams, _extra: &[u8]) -> Result<(), OpError> {
        let input = ctx.input::<i16>(0)?;
        let state = ctx.take_state::<u32>()?;
        let (size, step) = (p.frame_size as usize, p.frame_step as usize);
        let mut all_valid = true;
        {
            let output = ctx.output_at::<i16>(0)?;
            let per_channel_in = p.frames as usize * step;
            let per_channel_out = p.frames as usize * size;
            for ((words, x), out) in state
                .chunks_exact_mut(p.words as usize)
                .zip(input.chunks_exact(per_channel_in))
                .zip(output.chunks_exact_mut(per_channel_out))
            {
                let (head, data) = words.split_at_mut(2);
                let [len, primed] = head else {
                    return Err(OpError::Internal("framer state"));
                };
                let mut fifo = Fifo::new(len, bytemuck::cast_slice_mut(data));
                if *primed == 0 {
                    *primed = 1;
                    if p.prefill != 0 {
                        fifo.write_zeros(size - step)?;
                    }
                }
                for (chunk, frame) in x.chunks_exact(step).zip(out.chunks_exact_mut(size)) {
                    fifo.write(chunk)?;
                    if fifo.available() >= size {
                        fifo.peek(frame)?;
                        fifo.discard(step)?;
                    } else {
                        all_valid = false;
                    }
                }
            }
        }
        write_flag(ctx, all_valid)
    }
}

fn write_flag(ctx: &mut EvalContext<'_>, value: bool) -> Result<(), OpError> {
    *ctx.output_at::<u8>(1)?
        .first_mut()
        .ok_or(OpError::Internal("valid output"))? = u8::from(value);
    Ok(())
}

/// Prepared SignalStacker.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct StackerParams {
    channels: u32,
    left: u32,
    buffer_size: u32,
    step_size: u32,
}

/// SignalStacker: stacks `stacker_left_context + 1 +
/// stacker_right_context` consecutive input vectors, every `stacker_step`
/// inputs; the second output says whether this invoke produced a stack.
pub struct SignalStacker;

impl Kernel for SignalStacker {
    type Params = StackerParams;
    const SEVERAL_OUTPUTS: bool = true;
    const STATEFUL: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<StackerParams>, OpError> {
        ctx.expect_io(1, 1, 2)?;
        let map = options(ctx)?;
        let small = 0..i64::from(u16::MAX);
        let channels = option_in(&map, "num_channels", 1..i64::from(u16::MAX))? as usize;
        let left = option_in(&map, "stacker_left_context", small.clone())? as usize;
        let right = option_in(&map, "stacker_right_context", small)? as usize;
        let step = option_i32(&map, "stacker_step")?;
        let context = left + right + 1;
        if step < 1 || step as usize > context {
            return Err(OpError::UnsupportedOption {
                field: "stacker_step",
                value: i64::from(step),
            });
        }
        let (input, output, valid) = (ctx.input(0)?, ctx.output(0)?, ctx.output(1)?);
        expect(&input, TensorType::Int16, 1)?;
        expect(&output, TensorType::Int16, 1)?;
        expect(&valid, TensorType::Bool, 0)?;
        expect_count(&input, channels, "differs from num_channels")?;
        let buffer_size = channels.checked_mul(context).ok_or(OVERFLOW)?;
        expect_count(&output, buffer_size, "is not num_channels x the context")?;
        let words = buffer_size.div_ceil(2).checked_add(2).ok_or(OVERFLOW)?;
        Ok(Prepared {
            params: StackerParams {
                channels: count_u32(channels)?,
                left: count_u32(left)?,
                buffer_size: count_u32(buffer_size)?,
                step_size: count_u32(channels * step as usize)?,
            },
            needs: Needs {
                state_bytes: words.checked_mul(4).ok_or(OVERFLOW)?,
                ..Needs::default()
            },
        })
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &StackerParams, _extra: &[u8]) -> Result<(), OpError> {
        let input = ctx.input::<i16>(0)?;
        let state = ctx.take_state::<u32>()?;
        let (head, data) = state
            .split_at_mut_checked(2)
            .ok_or(OpError::Internal("stacker state"))?;
        let [len, has_first] = head else {
            return Err(OpError::Internal("stacker state"));
        };
        let mut fifo = Fifo::new(len, bytemuck::cast_slice_mut(data));
        let channels = p.channels as usize;
        fifo.write(
            input
                .get(..channels)
                .ok_or(OpError::Internal("stacker input"))?,
        )?;
        if *has_first == 0 {
            fifo.extend_last(channels, p.left as usize)?;
            *has_first = 1;
        }
        let ready = fifo.available() >= p.buffer_size as usize;
        if ready {
            fifo.peek(ctx.output_at::<i16>(0)?)?;
            fifo.discard(p.step_size as usize)?;
        }
        write_flag(ctx, ready)
    }
}

/// Prepared SignalOverlapAdd.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct OverlapAddParams {
    /// 1: float32, 0: int16.
    float: u32,
    frame_size: u32,
    frame_step: u32,
    frames: u32,
}

/// SignalOverlapAdd: frames summed back into a stream, `frame_step`
/// samples out per frame; the overlapping tail is kept for the next.
pub struct SignalOverlapAdd;

fn eval_overlap<T: OverlapSample + Pod>(
    ctx: &mut EvalContext<'_>,
    p: &OverlapAddParams,
) -> Result<(), OpError> {
    let input = ctx.input::<T>(0)?;
    let state = ctx.take_state::<T>()?;
    let output = ctx.output::<T>()?;
    let (size, step, frames) = (
        p.frame_size as usize,
        p.frame_step as usize,
        p.frames as usize,
    );
    for ((buffer, x), out) in state
        .chunks_exact_mut(size)
        .zip(input.chunks_exact(size * frames))
        .zip(output.chunks_exact_mut(step * frames))
    {
        for (frame, o) in x.chunks_exact(size).zip(out.chunks_exact_mut(step)) {
            overlap_add(frame, buffer, o)?;
        }
    }
    Ok(())
}

impl Kernel for SignalOverlapAdd {
    type Params = OverlapAddParams;
    const STATEFUL: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<OverlapAddParams>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let map = options(ctx)?;
        let t = option_i32(&map, "T")?;
        let (dtype, float, size_of) = match t {
            0 => (TensorType::Float32, 1, 4),
            7 => (TensorType::Int16, 0, 2),
            _ => {
                return Err(OpError::UnsupportedOption {
                    field: "T",
                    value: i64::from(t),
                })
            }
        };
        let step = option_in(&map, "frame_step", 1..i64::from(i32::MAX))? as usize;
        let (input, output) = (ctx.input(0)?, ctx.output(0)?);
        expect_type(&input, dtype)?;
        expect_type(&output, dtype)?;
        let rank = input.shape().rank();
        if rank < 2 || output.shape().rank() + 1 != rank {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "rank is not the input's minus one (input rank at least 2)",
            });
        }
        let size = last_dim(&input)?;
        let frames = input.shape().dim(rank - 2).unwrap_or(0);
        if step > size || frames == 0 {
            return Err(OpError::UnsupportedOption {
                field: "frame_step",
                value: step as i64,
            });
        }
        let channels = input.element_count() / (size * frames);
        let total = channels
            .checked_mul(frames)
            .and_then(|n| n.checked_mul(step))
            .ok_or(OVERFLOW)?;
        expect_count(&output, total, "is not channels x frames x frame_step")?;
        let state_bytes = channels
            .checked_mul(size)
            .and_then(|n| n.checked_mul(size_of))
            .ok_or(OVERFLOW)?;
        Ok(Prepared {
            params: OverlapAddParams {
                float,
                frame_size: count_u32(size)?,
                frame_step: count_u32(step)?,
                frames: count_u32(frames)?,
            },
            needs: Needs {
                state_bytes,
                ..Needs::default()
            },
        })
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &OverlapAddParams, _extra: &[u8]) -> Result<(), OpError> {
        if p.float != 0 {
            eval_overlap::<f32>(ctx, p)
        } else {
            eval_overlap::<i16>(ctx, p)
        }
    }
}
