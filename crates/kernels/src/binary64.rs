//! IEEE 754 binary64 ("double") arithmetic done with integers.
//!
//! TFLM computes quantization parameters in `double`; the same bits are
//! needed here. On cores without a double-precision FPU (every Cortex-M4,
//! M33 and M0) each `f64` operation is a call into the compiler's soft-float
//! library, which costs flash (about 4 KB) and, for per-channel tables,
//! most of `Interpreter::new`'s instructions. [`F64`] gives the same
//! results with a few integer operations each: add, subtract, multiply and
//! divide round to nearest, ties to even, exactly as IEEE 754 does.
//!
//! Scope: finite values whose exact results lie in binary64's normal range
//! (magnitudes between 2^-1022 and 2^1024). The prepare-time formulas that
//! use it combine a handful of `f32` scales and small integers, whose
//! results stay within about 2^±500. Outside that range results are not
//! IEEE's (no subnormals, no infinities), which tests guard against.

use core::cmp::Ordering;
use core::ops::{Add, Div, Mul, Neg, Sub};

/// Bits of a binary64 significand (with the implicit leading one).
const PRECISION: u32 = 53;
/// Smallest normalized significand.
const HIDDEN: u64 = 1 << (PRECISION - 1);

/// A finite binary64 value: `(-1)^negative * significand * 2^exponent`, with
/// `significand` in `[2^52, 2^53)`, or zero (`significand == 0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct F64 {
    negative: bool,
    exponent: i32,
    significand: u64,
}

impl F64 {
    /// Zero.
    pub const ZERO: Self = Self {
        negative: false,
        exponent: 0,
        significand: 0,
    };

    /// `value * 2^exponent`, rounded to 53 bits (ties to even).
    fn round(negative: bool, value: u128, exponent: i32) -> Self {
        if let Ok(narrow) = u64::try_from(value) {
            return Self::round64(negative, narrow, exponent);
        }
        let bits = 128 - value.leading_zeros();
        let (significand, exponent) = if bits > PRECISION {
            let shift = bits - PRECISION;
            let kept = value >> shift;
            let rest = value & ((1u128 << shift) - 1);
            let half = 1u128 << (shift - 1);
            let up = rest > half || (rest == half && kept & 1 == 1);
            let rounded = kept + u128::from(up);
            if rounded >> PRECISION != 0 {
                (rounded >> 1, exponent + shift as i32 + 1)
            } else {
                (rounded, exponent + shift as i32)
            }
        } else {
            let shift = PRECISION - bits;
            (value << shift, exponent - shift as i32)
        };
        Self {
            negative,
            exponent,
            significand: significand as u64,
        }
    }

    /// [`Self::round`] for values that fit 64 bits (cheaper on 32-bit cores).
    fn round64(negative: bool, value: u64, exponent: i32) -> Self {
        if value == 0 {
            return Self::ZERO;
        }
        let bits = 64 - value.leading_zeros();
        let (significand, exponent) = if bits > PRECISION {
            let shift = bits - PRECISION;
            let kept = value >> shift;
            let rest = value & ((1u64 << shift) - 1);
            let half = 1u64 << (shift - 1);
            let up = rest > half || (rest == half && kept & 1 == 1);
            let rounded = kept + u64::from(up);
            if rounded >> PRECISION != 0 {
                (rounded >> 1, exponent + shift as i32 + 1)
            } else {
                (rounded, exponent + shift as i32)
            }
        } else {
            let shift = PRECISION - bits;
            (value << shift, exponent - shift as i32)
        };
        Self {
            negative,
            exponent,
            significand,
        }
    }

    /// The significand as at most 24 significant bits and the exponent
    /// that goes with them, if the low 29 bits are zero (every value read
    /// from an `f32` is such a value).
    fn narrow(self) -> Option<(u32, i32)> {
        (self.significand & ((1 << 29) - 1) == 0)
            .then(|| ((self.significand >> 29) as u32, self.exponent + 29))
    }

    /// The exact value of `x` (every finite `f32` is a binary64 value).
    /// Non-finite values read as zero; callers validate scales first.
    pub fn from_f32(x: f32) -> Self {
        let bits = x.to_bits();
        let negative = bits >> 31 != 0;
        let biased = ((bits >> 23) & 0xff) as i32;
        let fraction = u128::from(bits & 0x7f_ffff);
        match biased {
            0xff => Self::ZERO,
            0 => Self::round64(negative, fraction as u64, -149),
            _ => Self::round64(negative, (fraction | (1 << 23)) as u64, biased - 150),
        }
    }

    /// The exact value of a finite `f64` (subnormals included); non-finite
    /// values read as zero.
    pub fn from_f64(x: f64) -> Self {
        let bits = x.to_bits();
        let negative = bits >> 63 != 0;
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let fraction = u128::from(bits & 0xf_ffff_ffff_ffff);
        match biased {
            0x7ff => Self::ZERO,
            0 => Self::round64(negative, fraction as u64, -1074),
            _ => Self::round64(negative, (fraction | (1 << 52)) as u64, biased - 1075),
        }
    }

    /// `n`, rounded to 53 bits if it has more.
    pub fn from_i64(n: i64) -> Self {
        Self::round64(n < 0, n.unsigned_abs(), 0)
    }

    /// The `f64` with these bits (normal range; see the module docs).
    pub fn to_f64(self) -> f64 {
        if self.significand == 0 {
            return 0.0;
        }
        let biased = self.exponent + 1075;
        if !(1..0x7ff).contains(&biased) {
            // Outside the normal range: not produced by the formulas here.
            return if biased < 1 { 0.0 } else { f64::MAX };
        }
        let bits = (u64::from(self.negative) << 63)
            | ((biased as u64) << 52)
            | (self.significand & (HIDDEN - 1));
        f64::from_bits(bits)
    }

    /// Whether the value is zero.
    pub fn is_zero(self) -> bool {
        self.significand == 0
    }

    /// Whether the value is below zero.
    pub fn is_negative(self) -> bool {
        self.negative && self.significand != 0
    }

    /// `|self|`.
    pub fn abs(self) -> Self {
        Self {
            negative: false,
            ..self
        }
    }

    /// `self * 2^n` (exact).
    pub fn scale(self, n: i32) -> Self {
        if self.significand == 0 {
            return self;
        }
        Self {
            exponent: self.exponent + n,
            ..self
        }
    }

    /// C's `frexp`: `(fraction, exponent)` with `|fraction|` in `[0.5, 1)`
    /// and `self == fraction * 2^exponent`; zero gives `(0, 0)`.
    pub fn frexp(self) -> (Self, i32) {
        if self.significand == 0 {
            return (Self::ZERO, 0);
        }
        let exponent = self.exponent + PRECISION as i32;
        (
            Self {
                exponent: -(PRECISION as i32),
                ..self
            },
            exponent,
        )
    }

    /// The value rounded to an integer, ties away from zero (`std::round`),
    /// or `None` if that does not fit in `i64`.
    pub fn round_half_away(self) -> Option<i64> {
        self.to_integer(0, |magnitude, shift| {
            let half = 1u64 << (shift - 1);
            let rest = magnitude & ((1u64 << shift) - 1);
            (magnitude >> shift) + u64::from(rest >= half)
        })
    }

    /// The largest integer not above the value (`std::floor`), or `None`
    /// if that does not fit in `i64`.
    pub fn floor(self) -> Option<i64> {
        let negative = self.negative;
        self.to_integer(if negative { -1 } else { 0 }, |magnitude, shift| {
            let rest = magnitude & ((1u64 << shift) - 1);
            (magnitude >> shift) + u64::from(negative && rest != 0)
        })
    }

    /// Integer conversion: `rounded(significand, shift)` gives the rounded
    /// magnitude of `significand / 2^shift` (for `shift` in 1..=63);
    /// `tiny` is the result for nonzero magnitudes below 2^-10.
    fn to_integer(self, tiny: i64, rounded: impl Fn(u64, u32) -> u64) -> Option<i64> {
        if self.significand == 0 {
            return Some(0);
        }
        let magnitude = if self.exponent >= 0 {
            if self.exponent > 11 {
                return None;
            }
            self.significand << self.exponent
        } else if self.exponent < -63 {
            return Some(tiny);
        } else {
            rounded(self.significand, self.exponent.unsigned_abs())
        };
        let magnitude = i64::try_from(magnitude).ok()?;
        Some(if self.negative { -magnitude } else { magnitude })
    }
}

/// `-self`.
impl Neg for F64 {
    type Output = Self;

    fn neg(self) -> Self {
        Self {
            negative: !self.negative,
            ..self
        }
    }
}

/// `self * other`, correctly rounded.
impl Mul for F64 {
    type Output = Self;

    fn mul(self, other: Self) -> Self {
        let negative = self.negative != other.negative;
        if let (Some((a, ea)), Some((b, eb))) = (self.narrow(), other.narrow()) {
            // Two f32-sized significands: one 32 x 32 -> 64 bit multiply.
            return Self::round64(negative, u64::from(a) * u64::from(b), ea + eb);
        }
        let product = u128::from(self.significand) * u128::from(other.significand);
        Self::round(
            self.negative != other.negative,
            product,
            self.exponent + other.exponent,
        )
    }
}

/// `self / other`, correctly rounded; division by zero gives zero
/// (callers check divisors).
impl Div for F64 {
    type Output = Self;

    fn div(self, other: Self) -> Self {
        if other.significand == 0 || self.significand == 0 {
            return Self::ZERO;
        }
        let negative = self.negative != other.negative;
        if let Some((divisor, divisor_exponent)) = other.narrow() {
            // A divisor of at most 24 bits (an f32's): long division of the
            // dividend shifted up 32 bits, a byte at a time, with the
            // core's 32-bit divide (the partial remainder stays below the
            // divisor, so remainder * 2^8 + byte fits 32 bits).
            let dividend = self.significand;
            let mut quotient = 0u64;
            let mut remainder = 0u32;
            for i in (0..11).rev() {
                let byte = if i >= 4 {
                    ((dividend >> (8 * (i - 4))) & 0xff) as u32
                } else {
                    0
                };
                let current = (remainder << 8) | byte;
                quotient = (quotient << 8) | u64::from(current / divisor);
                remainder = current % divisor;
            }
            // The quotient has 61 or 62 bits, far more than the 53 kept:
            // the remainder only matters as a sticky bit.
            return Self::round64(
                negative,
                quotient | u64::from(remainder != 0),
                self.exponent - 32 - divisor_exponent,
            );
        }
        // Long division: 55 quotient bits (both significands have 53 bits,
        // so the quotient's leading one is at bit 54 or 53), then the
        // remainder as a sticky bit below them.
        let divisor = other.significand;
        let mut remainder = self.significand;
        let mut quotient: u128 = 0;
        for _ in 0..55 {
            quotient <<= 1;
            if remainder >= divisor {
                remainder -= divisor;
                quotient |= 1;
            }
            remainder <<= 1;
        }
        let sticky = u128::from(remainder != 0);
        Self::round(
            negative,
            (quotient << 1) | sticky,
            self.exponent - other.exponent - 55,
        )
    }
}

/// `self + other`, correctly rounded.
impl Add for F64 {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        if self.significand == 0 {
            return other;
        }
        if other.significand == 0 {
            return self;
        }
        let (big, small) =
            if (self.exponent, self.significand) >= (other.exponent, other.significand) {
                (self, other)
            } else {
                (other, self)
            };
        // 64 guard bits below the larger operand's significand; anything
        // further down only matters as a sticky bit.
        let gap = (big.exponent - small.exponent) as u32;
        let a = u128::from(big.significand) << 64;
        let b = if gap >= 117 {
            1
        } else {
            let wide = u128::from(small.significand) << 64;
            let shifted = wide >> gap;
            shifted | u128::from(shifted << gap != wide)
        };
        if big.negative == small.negative {
            Self::round(big.negative, a + b, big.exponent - 64)
        } else {
            Self::round(big.negative, a - b, big.exponent - 64)
        }
    }
}

/// `self - other`, correctly rounded.
impl Sub for F64 {
    type Output = Self;

    fn sub(self, other: Self) -> Self {
        self + -other
    }
}

impl PartialOrd for F64 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for F64 {
    fn cmp(&self, other: &Self) -> Ordering {
        let sign = |x: &Self| x.is_negative();
        match (sign(self), sign(other)) {
            (false, true) => return Ordering::Greater,
            (true, false) => return Ordering::Less,
            _ => {}
        }
        let magnitude = |x: &Self| (x.significand != 0, x.exponent, x.significand);
        let order = match (self.significand == 0, other.significand == 0) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => magnitude(self).cmp(&magnitude(other)),
        };
        if sign(self) {
            order.reverse()
        } else {
            order
        }
    }
}
