//! MEAN over a set of axes (float32 and int8).
//!
//! The reduced axes are resolved once into a [`ReduceShape`]. Each output
//! element is the mean of the input elements that share its kept coordinates,
//! visited in row-major order (the order TFLM accumulates them in, which
//! matters for float sums). `keep_dims` only changes the output's shape, not
//! its data, so it does not appear here.

use bytemuck::{Pod, Zeroable};

use crate::fixed_point::multiply_by_quantized_multiplier;
use crate::quantization::ratio_multiplier;
use crate::quantize::QuantizedInt;
use crate::KernelError;

/// Largest input rank a reduction supports.
pub const MAX_REDUCE_RANK: usize = 6;

/// An element count of a reduction does not fit in `u32`.
const TOO_LARGE: KernelError = KernelError::TooLarge {
    what: "reduce element count",
};

/// Input shape and reduced axes of a reduction, resolved at prepare time.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct ReduceShape {
    /// Input dimensions; entries past `rank` are 1.
    pub input_dims: [u32; MAX_REDUCE_RANK],
    /// Input rank.
    pub rank: u32,
    /// Bit `d` is set when axis `d` is reduced.
    pub reduced_axes: u32,
    /// Number of input elements folded into each output element.
    pub reduced_count: u32,
    /// Number of output elements (informative; eval recomputes it).
    pub output_len: u32,
    /// Number of input elements (informative; eval recomputes it).
    pub input_len: u32,
}

impl ReduceShape {
    /// Resolves `axes` (negative values count from the end, duplicates are
    /// ignored) against `input_dims`. A rank-0 input reduces nothing.
    pub fn new(input_dims: &[usize], axes: &[i32]) -> Result<Self, KernelError> {
        let rank = input_dims.len();
        if rank > MAX_REDUCE_RANK {
            return Err(KernelError::RankTooLarge {
                op: "reduce",
                rank,
                max: MAX_REDUCE_RANK,
            });
        }
        let mut shape = Self::zeroed();
        shape.input_dims = [1; MAX_REDUCE_RANK];
        shape.rank = rank as u32;
        for (slot, &d) in shape.input_dims.iter_mut().zip(input_dims) {
            *slot = u32::try_from(d).map_err(|_| TOO_LARGE)?;
        }
        if rank > 0 {
            for &axis in axes {
                let resolved = if axis < 0 {
                    i64::from(axis) + rank as i64
                } else {
                    i64::from(axis)
                };
                if !(0..rank as i64).contains(&resolved) {
                    return Err(KernelError::AxisOutOfRange {
                        op: "reduce",
                        axis: i64::from(axis),
                        rank,
                    });
                }
                shape.reduced_axes |= 1 << resolved;
            }
        }
        let (mut reduced, mut kept, mut total) = (1u32, 1u32, 1u32);
        for (d, &extent) in shape.input_dims[..rank].iter().enumerate() {
            let product = if shape.is_reduced(d) {
                &mut reduced
            } else {
                &mut kept
            };
            *product = product.checked_mul(extent).ok_or(TOO_LARGE)?;
            total = total.checked_mul(extent).ok_or(TOO_LARGE)?;
        }
        shape.reduced_count = reduced;
        shape.output_len = kept;
        shape.input_len = total;
        Ok(shape)
    }

    /// Whether axis `d` is reduced.
    pub fn is_reduced(&self, d: usize) -> bool {
        d < 32 && self.reduced_axes & (1 << d) != 0
    }

    /// Rank, clamped to [`MAX_REDUCE_RANK`].
    fn clamped_rank(&self) -> usize {
        (self.rank as usize).min(MAX_REDUCE_RANK)
    }

    /// Recomputes the element counts from the dimensions (so that every index
    /// computed later is in bounds) and checks the buffer lengths against them.
    fn check_lengths(&self, input: usize, output: usize) -> Result<(), KernelError> {
        let dims = &self.input_dims[..self.clamped_rank()];
        let input_len = dims
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize));
        let output_len = dims
            .iter()
            .enumerate()
            .filter(|&(d, _)| !self.is_reduced(d))
            .try_fold(1usize, |acc, (_, &e)| acc.checked_mul(e as usize));
        for (buffer, expected, found) in
            [("input", input_len, input), ("output", output_len, output)]
        {
            let expected = expected.ok_or(TOO_LARGE)?;
            if expected != found {
                return Err(KernelError::LengthMismatch {
                    buffer,
                    expected,
                    actual: found,
                });
            }
        }
        Ok(())
    }

    /// Calls `f(output_index, input_index)` for every input element, grouped
    /// by output element (outputs in row-major order, and within one output
    /// the inputs in row-major order).
    fn for_each(&self, mut f: impl FnMut(usize, usize)) {
        let rank = self.clamped_rank();
        let dims = self.input_dims.map(|d| d as usize);
        if dims[..rank].contains(&0) {
            return;
        }
        let mut strides = [0usize; MAX_REDUCE_RANK];
        let mut stride = 1usize;
        for d in (0..rank).rev() {
            strides[d] = stride;
            stride *= dims[d];
        }
        // Odometer over a subset of axes; returns false when it wraps around.
        let advance = |index: &mut [usize; MAX_REDUCE_RANK], offset: &mut usize, reduced: bool| {
            for d in (0..rank).rev() {
                if self.is_reduced(d) != reduced {
                    continue;
                }
                index[d] += 1;
                *offset += strides[d];
                if index[d] < dims[d] {
                    return true;
                }
                *offset -= strides[d] * dims[d];
                index[d] = 0;
            }
            false
        };
        let mut kept_index = [0usize; MAX_REDUCE_RANK];
        let mut base = 0usize;
        let mut out = 0usize;
        loop {
            let mut reduced_index = [0usize; MAX_REDUCE_RANK];
            let mut offset = base;
            loop {
                f(out, offset);
                if !advance(&mut reduced_index, &mut offset, true) {
                    break;
                }
            }
            out += 1;
            if !advance(&mut kept_index, &mut base, false) {
                break;
            }
        }
    }
}

/// REDUCE_MAX (`max`) or REDUCE_MIN of the reduced axes, as TFLM's
/// `ReduceGeneric`: each output starts at `init` (the type's lowest or
/// highest value, not an infinity) and takes an input when `in > current`
/// (`in < current` for the minimum), inputs in row-major order, so NaNs
/// never enter and the first of equal values stays.
pub fn reduce_max_min<T: Copy + PartialOrd>(
    shape: &ReduceShape,
    max: bool,
    init: T,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    shape.check_lengths(input.len(), output.len())?;
    output.iter_mut().for_each(|o| *o = init);
    shape.for_each(|o, i| {
        if let (Some(out), Some(&x)) = (output.get_mut(o), input.get(i)) {
            let take = if max { x > *out } else { x < *out };
            if take {
                *out = x;
            }
        }
    });
    Ok(())
}

/// Float SUM: the row-major float sum of each output's inputs (TFLM's
/// `ReduceGeneric` with `in + current` from 0).
pub fn sum_f32(shape: &ReduceShape, input: &[f32], output: &mut [f32]) -> Result<(), KernelError> {
    shape.check_lengths(input.len(), output.len())?;
    output.iter_mut().for_each(|o| *o = 0.0);
    shape.for_each(|o, i| {
        if let (Some(out), Some(&x)) = (output.get_mut(o), input.get(i)) {
            *out += x;
        }
    });
    Ok(())
}

/// REDUCE_ALL of bool bytes: 1 when every input of the output is non-zero
/// (from true, as TFLM).
pub fn reduce_all(shape: &ReduceShape, input: &[u8], output: &mut [u8]) -> Result<(), KernelError> {
    shape.check_lengths(input.len(), output.len())?;
    output.iter_mut().for_each(|o| *o = 1);
    shape.for_each(|o, i| {
        if let (Some(out), Some(&x)) = (output.get_mut(o), input.get(i)) {
            *out = u8::from(x != 0 && *out != 0);
        }
    });
    Ok(())
}

/// Int8 / int16 SUM parameters: TFLM's `QuantizedMeanOrSum` with `compute_sum`,
/// the input/output scale ratio without the `1 / count` of MEAN; evaluated
/// by [`mean_int8`].
pub fn prepare_sum_int8(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
) -> MeanQuantParams {
    let (output_multiplier, output_shift) = ratio_multiplier(input_scale, output_scale);
    MeanQuantParams {
        input_zero_point,
        output_zero_point,
        output_multiplier,
        output_shift,
    }
}

/// Float MEAN: row-major float sum divided by the reduced element count.
pub fn mean_f32(shape: &ReduceShape, input: &[f32], output: &mut [f32]) -> Result<(), KernelError> {
    shape.check_lengths(input.len(), output.len())?;
    output.iter_mut().for_each(|o| *o = 0.0);
    shape.for_each(|o, i| {
        if let (Some(out), Some(&x)) = (output.get_mut(o), input.get(i)) {
            *out += x;
        }
    });
    if shape.reduced_count > 0 {
        let count = shape.reduced_count as f32;
        output.iter_mut().for_each(|o| *o /= count);
    }
    Ok(())
}

/// Prepared parameters of an int8 MEAN, with `1 / reduced_count` folded into
/// the output multiplier as TFLM does.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct MeanQuantParams {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// Multiplier of `input_scale / (output_scale * reduced_count)`.
    pub output_multiplier: i32,
    /// Shift accompanying `output_multiplier`.
    pub output_shift: i32,
}

/// Params of an int8 / int16 MEAN over `shape`.
pub fn prepare_mean_int8(
    shape: &ReduceShape,
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
) -> MeanQuantParams {
    let (mut output_multiplier, mut output_shift) = ratio_multiplier(input_scale, output_scale);
    let count = i64::from(shape.reduced_count);
    if count > 0 {
        // floor(log2(count)), limited so the multiplier cannot overflow and
        // the final shift stays >= -31.
        let shift = (63 - (count as u64).leading_zeros() as i32)
            .min(32)
            .min(31 + output_shift);
        if shift >= 0 {
            output_multiplier = ((i64::from(output_multiplier) << shift) / count) as i32;
            output_shift -= shift;
        }
    }
    MeanQuantParams {
        input_zero_point,
        output_zero_point,
        output_multiplier,
        output_shift,
    }
}

/// Int8 MEAN (and SUM, with [`prepare_sum_int8`]'s parameters): integer
/// sum, minus the input zero point times the count, requantized with the
/// folded multiplier.
pub fn mean_int8(
    shape: &ReduceShape,
    params: &MeanQuantParams,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    mean_quantized(shape, params, input, output)
}

/// [`mean_int8`] for int16 (TFLM's same template, an `i32` sum).
pub fn mean_int16(
    shape: &ReduceShape,
    params: &MeanQuantParams,
    input: &[i16],
    output: &mut [i16],
) -> Result<(), KernelError> {
    mean_quantized(shape, params, input, output)
}

fn mean_quantized<T: QuantizedInt>(
    shape: &ReduceShape,
    params: &MeanQuantParams,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    shape.check_lengths(input.len(), output.len())?;
    if input.is_empty() || shape.reduced_count == 0 {
        output
            .iter_mut()
            .for_each(|o| *o = T::saturating_from_i32(0));
        return Ok(());
    }
    let correction = i64::from(params.input_zero_point) * i64::from(shape.reduced_count);
    let mut sum = 0i32;
    let mut current = 0usize;
    let mut finish = |o: usize, sum: i32| {
        let shifted = (i64::from(sum) - correction) as i32;
        let value = multiply_by_quantized_multiplier(
            shifted,
            params.output_multiplier,
            params.output_shift,
        )
        .wrapping_add(params.output_zero_point);
        if let Some(out) = output.get_mut(o) {
            *out = T::saturating_from_i32(value);
        }
    };
    shape.for_each(|o, i| {
        if o != current {
            finish(current, sum);
            current = o;
            sum = 0;
        }
        sum = sum.wrapping_add(input.get(i).map_or(0, |x| x.to_i32()));
    });
    finish(current, sum);
    Ok(())
}
