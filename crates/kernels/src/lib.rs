//! Pure-math kernels bit-exact with TensorFlow Lite Micro's reference kernels.
//!
//! Kernels take plain slices plus a parameter struct prepared once by the ops
//! crate; they know nothing about models or arenas. Every kernel validates the
//! slice lengths against the shapes it is given and returns a [`KernelError`]
//! instead of panicking.
//!
//! [`optimized`] holds fast int8 conv / depthwise conv / fully connected
//! kernels that produce the same bits: portable safe Rust, and AVX2 on
//! x86-64 (the private `arch` module, the only one allowed `unsafe` code).
//!
//! Cargo features: `std` (run-time AVX2 detection with
//! `std::is_x86_feature_detected!`; without it, a `no_std` host declares AVX2
//! with the unsafe `optimized::Avx2::new_unchecked`), `reference-only` (the
//! optimized entry points always run the reference kernels).
#![no_std]
#![deny(unsafe_code)]

#[cfg(any(test, feature = "std"))]
extern crate std;

use core::fmt;

#[allow(unsafe_code)]
mod arch;
pub mod cortex_m;
pub mod optimized;
// Every other `src/*.rs` file: one module per kernel family (build.rs).
include!(concat!(env!("OUT_DIR"), "/kernel_modules.rs"));

/// Error returned by a kernel whose inputs are inconsistent, or whose
/// prepare step meets parameters TFLM rejects. It is the one error type of
/// this crate: every kernel and every prepare function returns it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum KernelError {
    /// A buffer's length does not match the shape it should hold.
    LengthMismatch {
        /// Which buffer (e.g. `"input"`, `"bias"`).
        buffer: &'static str,
        /// Number of elements the shape requires.
        expected: usize,
        /// Number of elements supplied.
        actual: usize,
    },
    /// Two dimensions or counts that must agree do not.
    DimensionMismatch {
        /// Which relation failed (e.g. `"output depth == filter output channels"`).
        what: &'static str,
        /// The value required.
        expected: usize,
        /// The value supplied.
        actual: usize,
    },
    /// A parameter is out of its valid range (e.g. a zero stride).
    InvalidParameter {
        /// Which parameter.
        what: &'static str,
        /// Its value.
        value: usize,
    },
    /// An input value the op refuses at invoke, as TFLM's eval does (a
    /// zero FLOOR_DIV denominator, a GATHER index outside the axis).
    InvalidValue {
        /// What the value is.
        what: &'static str,
        /// Its element position in its input.
        position: usize,
    },
    /// A size or coordinate computation overflows `usize`.
    SizeOverflow {
        /// Which quantity overflowed.
        what: &'static str,
    },
    /// An element count or extent does not fit in the `u32` a prepared
    /// shape stores it in.
    TooLarge {
        /// Which count (e.g. `"reduce element count"`).
        what: &'static str,
    },
    /// A shape has more dimensions than the kernel supports.
    RankTooLarge {
        /// The kernel (e.g. `"reduce"`, `"broadcast"`).
        op: &'static str,
        /// The rank found.
        rank: usize,
        /// The largest rank supported.
        max: usize,
    },
    /// An axis is outside `-rank..rank` (or `0..rank` where negative axes
    /// are not accepted).
    AxisOutOfRange {
        /// The kernel (e.g. `"reduce"`, `"concatenation"`).
        op: &'static str,
        /// The axis given.
        axis: i64,
        /// The rank.
        rank: usize,
    },
    /// Along output dimension `dim` (right-aligned), an input extent is
    /// neither 1 nor the output extent, or the output is not the larger one.
    BroadcastIncompatible {
        /// Dimension index, counted in the extended (rank 6) shape.
        dim: usize,
        /// Extent of input 1.
        input1: usize,
        /// Extent of input 2.
        input2: usize,
        /// Extent of the output.
        output: usize,
    },
    /// Input and output shapes disagree where they must agree.
    ShapeMismatch {
        /// What must agree (e.g. `"pooling batches and channels"`).
        what: &'static str,
        /// Input shape (NHWC).
        input: [u32; 4],
        /// Output shape (NHWC).
        output: [u32; 4],
    },
    /// A pooling output position's window does not overlap the input at all.
    EmptyWindow {
        /// Output row.
        out_y: usize,
        /// Output column.
        out_x: usize,
    },
    /// The softmax depth (last dimension) is zero or does not divide the
    /// input length.
    BadDepth {
        /// Depth given.
        depth: usize,
        /// Number of input elements.
        len: usize,
    },
    /// A strided slice stride is zero.
    ZeroStride {
        /// Dimension.
        dim: usize,
    },
    /// A strided slice mask TFLM ignores (`ellipsis_mask` or
    /// `new_axis_mask`) is set.
    UnsupportedMask {
        /// Mask name.
        mask: &'static str,
        /// Its value.
        value: i32,
    },
    /// A strided slice shrinks an axis at an index outside the dimension.
    ShrinkOutOfRange {
        /// Dimension.
        dim: usize,
        /// The begin index.
        begin: i32,
    },
    /// A padding amount is negative or does not fit in `u32`.
    BadPadding {
        /// Dimension.
        dim: usize,
        /// The amount.
        amount: i64,
    },
    /// A transpose permutation's length differs from the rank, or it is not
    /// a permutation of `0..rank`.
    BadPermutation {
        /// Position of the first offending entry (or the length if short).
        position: usize,
    },
    /// A concatenation input's length is not a whole number of slices of
    /// the output's outer and inner extents, or it overruns the output's
    /// axis.
    BadConcatInput {
        /// Position of the input.
        input: usize,
        /// Its length.
        len: usize,
    },
    /// A real rescaling multiplier is outside the range TFLM's fixed-point
    /// requantization can represent.
    MultiplierOutOfRange {
        /// Which multiplier (e.g. `"input1"` of ADD/SUB, `"beta * input_scale
        /// * 2^26"` of SOFTMAX).
        what: &'static str,
        /// Its real value, rounded to `f32` (NaN when it could not be
        /// formed; errors stay small).
        value: f32,
        /// The range required (e.g. `"in (0, 1)"`).
        range: &'static str,
    },
    /// The fused activation range is empty.
    EmptyActivationRange {
        /// Lower bound.
        min: i32,
        /// Upper bound.
        max: i32,
    },
    /// `round(value / scale)` of an activation bound does not fit in `i32`
    /// (or adding the zero point overflows).
    ActivationBoundOutOfRange {
        /// The real-valued bound being quantized (0, 6, -1 or 1).
        value: f32,
        /// The output scale.
        scale: f32,
        /// The output zero point.
        zero_point: i32,
    },
    /// `input_scale * filter_scale` is negative or NaN.
    NegativeProductScale {
        /// The input tensor scale.
        input_scale: f32,
        /// The filter tensor scale.
        filter_scale: f32,
    },
    /// The bias scale differs from `input_scale * filter_scale` by more than
    /// 2% of the output scale (TFLM rejects such models).
    BiasScaleMismatch {
        /// `input_scale * filter_scale` (computed in double precision, kept
        /// as `f32`).
        input_product_scale: f32,
        /// The bias tensor scale.
        bias_scale: f32,
        /// The output tensor scale.
        output_scale: f32,
    },
    /// The output zero point is not the one TFLM requires (int8 LOGISTIC).
    OutputZeroPoint {
        /// Required zero point.
        expected: i32,
        /// Zero point found.
        actual: i32,
    },
    /// The output quantization is not the one TFLM requires (int8 SOFTMAX).
    OutputQuantization {
        /// Required scale.
        expected_scale: f32,
        /// Required zero point.
        expected_zero_point: i32,
        /// Scale found.
        scale: f32,
        /// Zero point found.
        zero_point: i32,
    },
    /// The softmax reciprocal exponent is negative, which only a sum of
    /// exponentials that wrapped around can give (a depth above
    /// [`softmax::MAX_QUANTIZED_DEPTH`]).
    ExponentOutOfRange {
        /// The exponent computed.
        exponent: i32,
    },
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::LengthMismatch {
                buffer,
                expected,
                actual,
            } => write!(
                f,
                "{buffer} buffer holds {actual} elements but its shape needs {expected}"
            ),
            Self::DimensionMismatch {
                what,
                expected,
                actual,
            } => {
                write!(
                    f,
                    "dimension mismatch: {what}: expected {expected}, got {actual}"
                )
            }
            Self::InvalidParameter { what, value } => {
                write!(f, "invalid parameter {what} = {value}")
            }
            Self::InvalidValue { what, position } => {
                write!(f, "invalid input value: {what} at element {position}")
            }
            Self::SizeOverflow { what } => write!(f, "{what} overflows usize"),
            Self::TooLarge { what } => write!(f, "{what} does not fit in u32"),
            Self::RankTooLarge { op, rank, max } => {
                write!(f, "{op} rank {rank} exceeds {max}")
            }
            Self::AxisOutOfRange { op, axis, rank } => {
                write!(f, "{op} axis {axis} is out of range for rank {rank}")
            }
            Self::BroadcastIncompatible {
                dim,
                input1,
                input2,
                output,
            } => write!(
                f,
                "dimension {dim}: inputs {input1} and {input2} do not broadcast to {output}"
            ),
            Self::ShapeMismatch {
                what,
                input,
                output,
            } => write!(f, "input {input:?} and output {output:?} differ in {what}"),
            Self::EmptyWindow { out_y, out_x } => {
                write!(
                    f,
                    "pooling window of output ({out_y}, {out_x}) lies outside the input"
                )
            }
            Self::BadDepth { depth, len } => {
                write!(f, "softmax depth {depth} does not divide {len} elements")
            }
            Self::ZeroStride { dim } => write!(f, "strided slice stride {dim} is zero"),
            Self::UnsupportedMask { mask, value } => {
                write!(f, "strided slice {mask} = {value} is not supported")
            }
            Self::ShrinkOutOfRange { dim, begin } => {
                write!(
                    f,
                    "strided slice shrinks dimension {dim} at out-of-range index {begin}"
                )
            }
            Self::BadPadding { dim, amount } => {
                write!(
                    f,
                    "pad amount {amount} on dimension {dim} is negative or too large"
                )
            }
            Self::BadPermutation { position } => {
                write!(f, "transpose permutation is invalid at position {position}")
            }
            Self::BadConcatInput { input, len } => {
                write!(
                    f,
                    "concatenation input {input} of {len} elements does not fit the output"
                )
            }
            Self::MultiplierOutOfRange { what, value, range } => {
                write!(f, "{what} multiplier {value} is not {range}")
            }
            Self::EmptyActivationRange { min, max } => {
                write!(f, "activation range [{min}, {max}] is empty")
            }
            Self::ActivationBoundOutOfRange {
                value,
                scale,
                zero_point,
            } => write!(
                f,
                "activation bound {value} does not fit in int32 when quantized with \
                 scale {scale} and zero point {zero_point}"
            ),
            Self::NegativeProductScale {
                input_scale,
                filter_scale,
            } => write!(
                f,
                "input scale {input_scale} times filter scale {filter_scale} is negative or NaN"
            ),
            Self::BiasScaleMismatch {
                input_product_scale,
                bias_scale,
                output_scale,
            } => write!(
                f,
                "bias scale {bias_scale} differs from input*filter scale \
                 {input_product_scale} by more than 2% of output scale {output_scale}"
            ),
            Self::OutputZeroPoint { expected, actual } => {
                write!(f, "output zero point must be {expected}, found {actual}")
            }
            Self::OutputQuantization {
                expected_scale,
                expected_zero_point,
                scale,
                zero_point,
            } => {
                write!(
                    f,
                    "output must have scale {expected_scale} and zero point \
                     {expected_zero_point}, found {scale} and {zero_point}"
                )
            }
            Self::ExponentOutOfRange { exponent } => {
                write!(
                    f,
                    "softmax reciprocal exponent {exponent} is negative (sum of exponentials \
                     overflowed)"
                )
            }
        }
    }
}

impl core::error::Error for KernelError {}

/// Checks that `buffer` has exactly `expected` elements.
pub(crate) fn check_len(
    buffer: &'static str,
    expected: usize,
    actual: usize,
) -> Result<(), KernelError> {
    if expected == actual {
        Ok(())
    } else {
        Err(KernelError::LengthMismatch {
            buffer,
            expected,
            actual,
        })
    }
}

/// Multiplies dimensions, reporting overflow as [`KernelError::SizeOverflow`].
pub(crate) fn checked_product(what: &'static str, dims: &[usize]) -> Result<usize, KernelError> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or(KernelError::SizeOverflow { what })
}

#[cfg(test)]
mod tests {
    use super::KernelError;
    use std::boxed::Box;
    use std::string::ToString;

    #[test]
    fn kernel_error_is_a_core_error() {
        let e = KernelError::RankTooLarge {
            op: "reduce",
            rank: 7,
            max: 6,
        };
        let boxed: Box<dyn core::error::Error> = e.into();
        assert_eq!(boxed.to_string(), "reduce rank 7 exceeds 6");
        assert!(boxed.source().is_none());
        assert_eq!(boxed.downcast_ref::<KernelError>(), Some(&e));
    }
}
