//! SVDF (singular value decomposition filter), as TFLM's reference kernels:
//! each invoke shifts the activation state (per batch, `filters` rows of
//! `memory` values) left by one, writes the feature projection of the input
//! into the last column, and reduces the state against the time weights,
//! `rank` filters per output unit.
//!
//! float32, and full-integer: int8 input and feature weights, time weights
//! and state of type `T` (int16, or int8 with a state zero point), int32
//! bias, int8 output, with TFLM's two rescalings (the feature projection into
//! the state's scale, the reduced sum into the output's).

use bytemuck::{Pod, Zeroable};
use num_traits::Float;

use crate::activation::FusedActivation;
use crate::fixed_point::multiply_by_quantized_multiplier;
use crate::quantization::{product_over, quantize_multiplier_exact};
use crate::quantize::QuantizedInt;
use crate::{check_len, KernelError};

/// Sizes of one SVDF: input `[batches, input_size]`, feature weights
/// `[units * rank, input_size]`, time weights `[units * rank, memory]`,
/// state `[batches, units * rank * memory]`, output `[batches, units]`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct SvdfShape {
    /// Batches.
    pub batches: u32,
    /// Input values per batch.
    pub input_size: u32,
    /// Output values per batch.
    pub units: u32,
    /// Filters per unit (`SVDFOptions.rank`), at least 1.
    pub rank: u32,
    /// State values per filter, at least 1.
    pub memory: u32,
}

/// The shape in `usize`, with the derived sizes.
#[derive(Clone, Copy)]
struct Dims {
    batches: usize,
    input_size: usize,
    units: usize,
    rank: usize,
    memory: usize,
    filters: usize,
    /// State values per batch (`filters * memory`).
    state_row: usize,
}

fn mul(a: usize, b: usize, what: &'static str) -> Result<usize, KernelError> {
    a.checked_mul(b).ok_or(KernelError::SizeOverflow { what })
}

impl SvdfShape {
    fn dims(&self) -> Result<Dims, KernelError> {
        let d = |v: u32| v as usize;
        if self.rank == 0 {
            return Err(KernelError::InvalidParameter {
                what: "svdf rank",
                value: 0,
            });
        }
        if self.memory == 0 {
            return Err(KernelError::InvalidParameter {
                what: "svdf memory size",
                value: 0,
            });
        }
        let filters = mul(d(self.units), d(self.rank), "svdf filters")?;
        Ok(Dims {
            batches: d(self.batches),
            input_size: d(self.input_size),
            units: d(self.units),
            rank: d(self.rank),
            memory: d(self.memory),
            filters,
            state_row: mul(filters, d(self.memory), "svdf state")?,
        })
    }

    /// Checks every buffer length against the shape.
    fn check(
        &self,
        input: usize,
        weights_feature: usize,
        weights_time: usize,
        bias: Option<usize>,
        state: usize,
        output: usize,
    ) -> Result<Dims, KernelError> {
        let d = self.dims()?;
        check_len("input", mul(d.batches, d.input_size, "svdf input")?, input)?;
        check_len(
            "weights_feature",
            mul(d.filters, d.input_size, "svdf weights_feature")?,
            weights_feature,
        )?;
        check_len("weights_time", d.state_row, weights_time)?;
        if let Some(bias) = bias {
            check_len("bias", d.units, bias)?;
        }
        check_len("state", mul(d.batches, d.state_row, "svdf state")?, state)?;
        check_len("output", mul(d.batches, d.units, "svdf output")?, output)?;
        Ok(d)
    }
}

/// Elements `k * len .. (k + 1) * len` of `s` (lengths are checked before).
fn row<T>(s: &[T], k: usize, len: usize) -> &[T] {
    let start = k.saturating_mul(len);
    s.get(start..start.saturating_add(len)).unwrap_or(&[])
}

/// Shifts the state left by one element (the whole buffer, as TFLM does;
/// the element each row receives from the next is overwritten afterwards).
fn shift_state<T: Copy>(state: &mut [T]) {
    if !state.is_empty() {
        state.copy_within(1.., 0);
    }
}

/// TFLM's `ActivationValFloat` for SVDF's fused activation (its `TfLiteMax`
/// and `TfLiteMin` are `fmax` and `fmin`: a NaN operand is ignored).
#[inline]
pub fn activation_val_f32(activation: FusedActivation, a: f32) -> f32 {
    match activation {
        FusedActivation::None => a,
        FusedActivation::Relu => 0.0f32.max(a),
        FusedActivation::ReluN1To1 => (-1.0f32).max(a.min(1.0)),
        FusedActivation::Relu6 => 0.0f32.max(a.min(6.0)),
        FusedActivation::Tanh => Float::tanh(a),
        FusedActivation::SignBit => {
            if a.is_sign_negative() {
                1.0
            } else {
                0.0
            }
        }
    }
}

/// Float32 SVDF: updates `state` and writes `output`.
///
/// Sums run in TFLM's order in f32: each feature dot product and each time
/// dot product from 0 element by element, then the output starts at the
/// bias (or 0) and adds the `rank` filter sums of its unit in turn.
#[allow(clippy::too_many_arguments)]
pub fn svdf_f32(
    shape: &SvdfShape,
    activation: FusedActivation,
    input: &[f32],
    weights_feature: &[f32],
    weights_time: &[f32],
    bias: Option<&[f32]>,
    state: &mut [f32],
    output: &mut [f32],
) -> Result<(), KernelError> {
    let d = shape.check(
        input.len(),
        weights_feature.len(),
        weights_time.len(),
        bias.map(<[f32]>::len),
        state.len(),
        output.len(),
    )?;
    shift_state(state);
    for b in 0..d.batches {
        let x = row(input, b, d.input_size);
        for f in 0..d.filters {
            let w = row(weights_feature, f, d.input_size);
            let mut dot = 0.0f32;
            for (&w, &x) in w.iter().zip(x) {
                dot += w * x;
            }
            let at = (b * d.filters + f) * d.memory + (d.memory - 1);
            if let Some(s) = state.get_mut(at) {
                *s = dot;
            }
        }
    }
    for b in 0..d.batches {
        let state_b = row(state, b, d.state_row);
        let out_b = output
            .get_mut(b * d.units..(b + 1) * d.units)
            .unwrap_or(&mut []);
        for (u, out) in out_b.iter_mut().enumerate() {
            let mut acc = bias.and_then(|bias| bias.get(u)).copied().unwrap_or(0.0);
            for j in 0..d.rank {
                let f = u * d.rank + j;
                let mut sum = 0.0f32;
                for (&w, &s) in row(weights_time, f, d.memory)
                    .iter()
                    .zip(row(state_b, f, d.memory))
                {
                    sum += w * s;
                }
                acc += sum;
            }
            *out = activation_val_f32(activation, acc);
        }
    }
    Ok(())
}

/// TFLM's precomputed full-integer SVDF arithmetic.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct SvdfQuantized {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Activation state zero point.
    pub state_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// Multiplier of `input scale · weights_feature scale / state scale`.
    pub feature_multiplier: i32,
    /// Its exponent.
    pub feature_shift: i32,
    /// Multiplier of `state scale · weights_time scale / output scale`.
    pub output_multiplier: i32,
    /// Its exponent.
    pub output_shift: i32,
}

impl SvdfQuantized {
    /// The arithmetic for the quantization of the input, the weights, the
    /// state and the output (`(scale, zero point)`, weights: scale only).
    ///
    /// The effective scales are the products of the scales widened to
    /// double, rounded as C++ double expressions: the TFLM oracle (the
    /// tflite-micro wheel) computes them so, where older TFLM sources
    /// multiplied in float32 first; scales crafted to tell the two apart
    /// give the double result in the wheel (see the tests).
    pub fn new(
        input: (f32, i32),
        weights_feature_scale: f32,
        weights_time_scale: f32,
        state: (f32, i32),
        output: (f32, i32),
    ) -> Self {
        let (feature_multiplier, feature_shift) =
            quantize_multiplier_exact(product_over(input.0, weights_feature_scale, state.0));
        let (output_multiplier, output_shift) =
            quantize_multiplier_exact(product_over(state.0, weights_time_scale, output.0));
        Self {
            input_zero_point: input.1,
            state_zero_point: state.1,
            output_zero_point: output.1,
            feature_multiplier,
            feature_shift,
            output_multiplier,
            output_shift,
        }
    }
}

/// Full-integer SVDF with time weights and state of type `T` (`i16`, or
/// `i8`): updates `state` and writes `output`.
///
/// As TFLM: the feature dot product (int32, wrapping) is rescaled into the
/// state, clamped to `T`'s range, offset by the state zero point and stored
/// with a truncating cast; each time dot product multiplies the time weights
/// by the state minus its zero point; the output starts at the bias (or 0),
/// adds its unit's `rank` sums, is rescaled, offset by the output zero point
/// and clamped to int8. No fused activation is applied (TFLM's integer
/// kernel ignores it).
#[allow(clippy::too_many_arguments)]
pub fn svdf_integer<T: QuantizedInt>(
    shape: &SvdfShape,
    q: &SvdfQuantized,
    input: &[i8],
    weights_feature: &[i8],
    weights_time: &[T],
    bias: Option<&[i32]>,
    state: &mut [T],
    output: &mut [i8],
) -> Result<(), KernelError> {
    let d = shape.check(
        input.len(),
        weights_feature.len(),
        weights_time.len(),
        bias.map(<[i32]>::len),
        state.len(),
        output.len(),
    )?;
    shift_state(state);
    for b in 0..d.batches {
        let x = row(input, b, d.input_size);
        for f in 0..d.filters {
            let w = row(weights_feature, f, d.input_size);
            let mut dot = 0i32;
            for (&w, &x) in w.iter().zip(x) {
                let centered = i32::from(x).wrapping_sub(q.input_zero_point);
                dot = dot.wrapping_add(i32::from(w).wrapping_mul(centered));
            }
            let scaled =
                multiply_by_quantized_multiplier(dot, q.feature_multiplier, q.feature_shift)
                    .clamp(T::MIN, T::MAX);
            let at = (b * d.filters + f) * d.memory + (d.memory - 1);
            if let Some(s) = state.get_mut(at) {
                *s = T::from_i32_truncating(q.state_zero_point.wrapping_add(scaled));
            }
        }
    }
    for b in 0..d.batches {
        let state_b = row(state, b, d.state_row);
        let out_b = output
            .get_mut(b * d.units..(b + 1) * d.units)
            .unwrap_or(&mut []);
        for (u, out) in out_b.iter_mut().enumerate() {
            let mut acc = bias.and_then(|bias| bias.get(u)).copied().unwrap_or(0);
            for j in 0..d.rank {
                let f = u * d.rank + j;
                let mut sum = 0i32;
                for (&w, &s) in row(weights_time, f, d.memory)
                    .iter()
                    .zip(row(state_b, f, d.memory))
                {
                    let centered = s.to_i32().wrapping_sub(q.state_zero_point);
                    sum = sum.wrapping_add(w.to_i32().wrapping_mul(centered));
                }
                acc = acc.wrapping_add(sum);
            }
            let scaled = multiply_by_quantized_multiplier(acc, q.output_multiplier, q.output_shift)
                .wrapping_add(q.output_zero_point);
            *out = i8::saturating_from_i32(scaled);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn shape(batches: u32, input_size: u32, units: u32, rank: u32, memory: u32) -> SvdfShape {
        SvdfShape {
            batches,
            input_size,
            units,
            rank,
            memory,
        }
    }

    #[test]
    fn float_state_shifts_and_reduces_by_rank() {
        // 1 batch, input 2, units 1, rank 2, memory 2: filters 2.
        let s = shape(1, 2, 1, 2, 2);
        let wf = [1.0, 0.0, 0.0, 1.0]; // filter 0 reads x0, filter 1 reads x1
        let wt = [1.0, 10.0, 100.0, 1000.0];
        let bias = [0.5];
        let mut state = [0.0f32; 4];
        let mut out = [0.0f32; 1];
        svdf_f32(
            &s,
            FusedActivation::None,
            &[1.0, 2.0],
            &wf,
            &wt,
            Some(&bias),
            &mut state,
            &mut out,
        )
        .unwrap();
        // state rows: [0, 1], [0, 2]; out = 0.5 + 10*1 + 1000*2.
        assert_eq!(state, [0.0, 1.0, 0.0, 2.0]);
        assert_eq!(out, [2010.5]);
        svdf_f32(
            &s,
            FusedActivation::None,
            &[3.0, 4.0],
            &wf,
            &wt,
            Some(&bias),
            &mut state,
            &mut out,
        )
        .unwrap();
        // rows shift left: [1, 3], [2, 4].
        assert_eq!(state, [1.0, 3.0, 2.0, 4.0]);
        assert_eq!(out, [0.5 + 1.0 + 30.0 + 200.0 + 4000.0]);
    }

    #[test]
    fn float_batches_and_activation() {
        let s = shape(2, 1, 2, 1, 1);
        let wf = [1.0, -1.0];
        let wt = [2.0, 3.0];
        let mut state = [0.0f32; 4];
        let mut out = [0.0f32; 4];
        svdf_f32(
            &s,
            FusedActivation::Relu,
            &[1.0, -2.0],
            &wf,
            &wt,
            None,
            &mut state,
            &mut out,
        )
        .unwrap();
        assert_eq!(state, [1.0, -1.0, -2.0, 2.0]);
        assert_eq!(out, [2.0, 0.0, 0.0, 6.0]);
        assert_eq!(activation_val_f32(FusedActivation::Relu6, f32::NAN), 6.0);
        assert_eq!(activation_val_f32(FusedActivation::ReluN1To1, -3.0), -1.0);
        assert_eq!(activation_val_f32(FusedActivation::SignBit, -0.0), 1.0);
    }

    #[test]
    fn integer_int16_state() {
        // Unit multipliers: 2^30 with shift 1 is exactly 1.0.
        let q = SvdfQuantized {
            input_zero_point: 3,
            state_zero_point: 0,
            output_zero_point: -5,
            feature_multiplier: 1 << 30,
            feature_shift: 1,
            output_multiplier: 1 << 30,
            output_shift: 1,
        };
        let s = shape(1, 2, 1, 1, 2);
        let mut state = [0i16; 2];
        let mut out = [0i8; 1];
        svdf_integer(
            &s,
            &q,
            &[5, 1],
            &[2, 3],
            &[4i16, -1],
            Some(&[7]),
            &mut state,
            &mut out,
        )
        .unwrap();
        // dot = 2*2 + 3*(-2) = -2; out = 7 + (-1)(-2) - 5 = 4.
        assert_eq!(state, [0, -2]);
        assert_eq!(out, [4]);
        svdf_integer(
            &s,
            &q,
            &[103, 3],
            &[2, 3],
            &[4i16, -1],
            Some(&[7]),
            &mut state,
            &mut out,
        )
        .unwrap();
        // dot = 200 → state [-2, 200]; out = 7 - 8 - 200 - 5 = -206 → -128.
        assert_eq!(state, [-2, 200]);
        assert_eq!(out, [-128]);
    }

    #[test]
    fn integer_int8_state_clamps_then_wraps_with_zero_point() {
        let q = SvdfQuantized {
            input_zero_point: 0,
            state_zero_point: -50,
            output_zero_point: 0,
            feature_multiplier: 1 << 30,
            feature_shift: 1,
            output_multiplier: 1 << 30,
            output_shift: 1,
        };
        let s = shape(1, 1, 1, 1, 1);
        let mut state = [0i8; 1];
        let mut out = [0i8; 1];
        // dot = -100 → clamp stays -100 → -150 truncated to int8 = 106.
        svdf_integer(&s, &q, &[-100], &[1], &[1i8], None, &mut state, &mut out).unwrap();
        assert_eq!(state, [106]);
        // time: 1 * (106 + 50) = 156 → 127.
        assert_eq!(out, [127]);
    }

    /// The TFLM oracle's int16 state for scales where the feature scale
    /// computed in float32 (older TFLM sources) and in double give
    /// different multipliers (recorded from the tflite-micro wheel).
    #[test]
    fn effective_feature_scale_is_double_as_in_the_oracle() {
        let q = SvdfQuantized::new(
            (f32::from_bits(0x3c7d_57b3), 0),
            f32::from_bits(0x3c82_79ae),
            1e-3,
            (f32::from_bits(0x3983_ac44), 0),
            (1.0, 0),
        );
        let s = shape(1, 2, 1, 1, 2);
        let mut state = [0i16; 2];
        let mut out = [0i8; 1];
        let bias = [0];
        svdf_integer(
            &s,
            &q,
            &[-124, -109],
            &[100, 117],
            &[1i16, 1],
            Some(&bias),
            &mut state,
            &mut out,
        )
        .unwrap();
        assert_eq!(state[1], -24665);
    }

    /// As above for the output scale: the oracle's output for an
    /// accumulator of 115166 (float32 scales would give 4).
    #[test]
    fn effective_output_scale_is_double_as_in_the_oracle() {
        let q = SvdfQuantized::new(
            (0.1, 0),
            0.1,
            f32::from_bits(0x3a2e_14e5),
            (f32::from_bits(0x3b3d_3c5c), 0),
            (f32::from_bits(0x3d81_37ea), 0),
        );
        let s = shape(1, 2, 1, 1, 2);
        let mut state = [0i16; 2];
        let mut out = [0i8; 1];
        svdf_integer(
            &s,
            &q,
            &[1, 1],
            &[1, 1],
            &[0i16, 0],
            Some(&[115_166]),
            &mut state,
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [3]);
    }

    #[test]
    fn lengths_and_parameters_are_checked() {
        let mut state = [0.0f32; 2];
        let mut out = [0.0f32; 1];
        let err = svdf_f32(
            &shape(1, 2, 1, 1, 2),
            FusedActivation::None,
            &[1.0],
            &[1.0, 1.0],
            &[1.0, 1.0],
            None,
            &mut state,
            &mut out,
        );
        assert!(matches!(
            err,
            Err(KernelError::LengthMismatch {
                buffer: "input",
                ..
            })
        ));
        let err = svdf_f32(
            &shape(1, 0, 1, 0, 2),
            FusedActivation::None,
            &[],
            &[],
            &[],
            None,
            &mut state,
            &mut out,
        );
        assert!(matches!(err, Err(KernelError::InvalidParameter { .. })));
    }
}
