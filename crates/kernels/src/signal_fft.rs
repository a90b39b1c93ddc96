//! TFLM's signal library FFTs: FFT_AUTO_SCALE (`SignalFftAutoScale`), RFFT
//! (`SignalRfft`) and IRFFT (`SignalIrfft`) for int16, int32 and float32.
//!
//! TFLM computes them with KISS FFT v130 (`kiss_fftr` / `kiss_fftri` over a
//! complex FFT of half the length), in fixed point for the integer types:
//! every butterfly stage divides by its radix with rounding, twiddles are
//! `floor(0.5 + MAX * cos(phase))` of the double-precision phase, products
//! round half up and sums wrap. This module reproduces that arithmetic bit
//! for bit for lengths whose half is a power of two (radix-4 and radix-2
//! stages, the factorisation KISS FFT picks); the float path follows the
//! same operation order.

use bytemuck::{Pod, Zeroable};
use num_traits::Float;

use crate::KernelError;

/// Largest number of butterfly stages a plan holds (lengths up to 2^32).
pub const MAX_STAGES: usize = 16;

/// A complex value as KISS FFT stores it: real part, imaginary part.
pub type Cpx<T> = [T; 2];

/// The scalar arithmetic of one KISS FFT build (`FIXED_POINT=16`,
/// `FIXED_POINT=32`, float).
pub trait FftScalar: Pod + Default + PartialEq + core::fmt::Debug {
    /// The twiddle of `phase`: `floor(0.5 + MAX * cos)` (fixed point) or
    /// `(float) cos` for the real part, the same with `sin` for the
    /// imaginary part.
    fn twiddle(phase: f64) -> Cpx<Self>;
    /// `C_FIXDIV(c, k)`: `sround(smul(x, MAX / k))` (fixed point), no-op
    /// (float).
    fn fixdiv(self, k: i64) -> Self;
    /// `C_MUL`'s real part `sround(a*b - c*d)`.
    fn mul_sub(a: Self, b: Self, c: Self, d: Self) -> Self;
    /// `C_MUL`'s imaginary part `sround(a*b + c*d)`.
    fn mul_add(a: Self, b: Self, c: Self, d: Self) -> Self;
    /// `a + b` stored back (wrapping for the integers).
    fn add(self, b: Self) -> Self;
    /// `a - b` stored back (wrapping for the integers).
    fn sub(self, b: Self) -> Self;
    /// `-a` (wrapping for the integers).
    fn neg(self) -> Self;
    /// `HALF_OF(a + b)` (`>> 1` of the wider sum for the integers,
    /// `* 0.5f` for float).
    fn half_of_sum(a: Self, b: Self) -> Self;
    /// `HALF_OF(a - b)`.
    fn half_of_diff(a: Self, b: Self) -> Self;
}

fn floor_twiddle(max: f64, phase: f64) -> (f64, f64) {
    (
        Float::floor(0.5 + max * Float::cos(phase)),
        Float::floor(0.5 + max * Float::sin(phase)),
    )
}

impl FftScalar for i16 {
    fn twiddle(phase: f64) -> Cpx<Self> {
        let (r, i) = floor_twiddle(32767.0, phase);
        // In [-32767, 32767]: the conversion is exact.
        [r as i16, i as i16]
    }
    fn fixdiv(self, k: i64) -> Self {
        ((i64::from(self) * (32767 / k) + (1 << 14)) >> 15) as i16
    }
    fn mul_sub(a: Self, b: Self, c: Self, d: Self) -> Self {
        // The int32 products and their difference cannot overflow
        // (|a*b - c*d| <= 2 * 32768 * 32767); the result wraps to int16.
        ((i64::from(a) * i64::from(b) - i64::from(c) * i64::from(d) + (1 << 14)) >> 15) as i16
    }
    fn mul_add(a: Self, b: Self, c: Self, d: Self) -> Self {
        ((i64::from(a) * i64::from(b) + i64::from(c) * i64::from(d) + (1 << 14)) >> 15) as i16
    }
    fn add(self, b: Self) -> Self {
        self.wrapping_add(b)
    }
    fn sub(self, b: Self) -> Self {
        self.wrapping_sub(b)
    }
    fn neg(self) -> Self {
        self.wrapping_neg()
    }
    fn half_of_sum(a: Self, b: Self) -> Self {
        ((i32::from(a) + i32::from(b)) >> 1) as i16
    }
    fn half_of_diff(a: Self, b: Self) -> Self {
        ((i32::from(a) - i32::from(b)) >> 1) as i16
    }
}

impl FftScalar for i32 {
    fn twiddle(phase: f64) -> Cpx<Self> {
        let (r, i) = floor_twiddle(2_147_483_647.0, phase);
        // In [-2^31 + 1, 2^31 - 1]: exact (`as` saturates anyway).
        [r as i32, i as i32]
    }
    fn fixdiv(self, k: i64) -> Self {
        ((i64::from(self) * (2_147_483_647 / k) + (1 << 30)) >> 31) as i32
    }
    fn mul_sub(a: Self, b: Self, c: Self, d: Self) -> Self {
        // int64 products; |a*b - c*d| < 2^63 - 2^32: no overflow.
        let x = (i64::from(a) * i64::from(b))
            .wrapping_sub(i64::from(c) * i64::from(d))
            .wrapping_add(1 << 30);
        (x >> 31) as i32
    }
    fn mul_add(a: Self, b: Self, c: Self, d: Self) -> Self {
        let x = (i64::from(a) * i64::from(b))
            .wrapping_add(i64::from(c) * i64::from(d))
            .wrapping_add(1 << 30);
        (x >> 31) as i32
    }
    fn add(self, b: Self) -> Self {
        self.wrapping_add(b)
    }
    fn sub(self, b: Self) -> Self {
        self.wrapping_sub(b)
    }
    fn neg(self) -> Self {
        self.wrapping_neg()
    }
    fn half_of_sum(a: Self, b: Self) -> Self {
        // int32 sum (wraps as the C++ build does), then the shift.
        a.wrapping_add(b) >> 1
    }
    fn half_of_diff(a: Self, b: Self) -> Self {
        a.wrapping_sub(b) >> 1
    }
}

impl FftScalar for f32 {
    fn twiddle(phase: f64) -> Cpx<Self> {
        [Float::cos(phase) as f32, Float::sin(phase) as f32]
    }
    fn fixdiv(self, _k: i64) -> Self {
        self
    }
    fn mul_sub(a: Self, b: Self, c: Self, d: Self) -> Self {
        a * b - c * d
    }
    fn mul_add(a: Self, b: Self, c: Self, d: Self) -> Self {
        a * b + c * d
    }
    fn add(self, b: Self) -> Self {
        self + b
    }
    fn sub(self, b: Self) -> Self {
        self - b
    }
    fn neg(self) -> Self {
        -self
    }
    fn half_of_sum(a: Self, b: Self) -> Self {
        (a + b) * 0.5
    }
    fn half_of_diff(a: Self, b: Self) -> Self {
        (a - b) * 0.5
    }
}

fn c_fixdiv<T: FftScalar>(c: Cpx<T>, k: i64) -> Cpx<T> {
    [c[0].fixdiv(k), c[1].fixdiv(k)]
}

fn c_mul<T: FftScalar>(a: Cpx<T>, b: Cpx<T>) -> Cpx<T> {
    [
        T::mul_sub(a[0], b[0], a[1], b[1]),
        T::mul_add(a[0], b[1], a[1], b[0]),
    ]
}

fn c_add<T: FftScalar>(a: Cpx<T>, b: Cpx<T>) -> Cpx<T> {
    [a[0].add(b[0]), a[1].add(b[1])]
}

fn c_sub<T: FftScalar>(a: Cpx<T>, b: Cpx<T>) -> Cpx<T> {
    [a[0].sub(b[0]), a[1].sub(b[1])]
}

/// A real FFT of one length, prepared once: its stages and table sizes.
/// The twiddle tables live in caller memory ([`RfftPlan::fill_twiddles`]).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct RfftPlan {
    /// The real FFT length (even).
    pub fft_length: u32,
    /// Length of the complex FFT inside (`fft_length / 2`).
    pub ncfft: u32,
    /// Number of butterfly stages.
    pub stages: u32,
    /// Radix of each stage (4 or 2), outermost first, as KISS FFT's
    /// `kf_factor`.
    pub radix: [u8; MAX_STAGES],
}

impl RfftPlan {
    /// The plan of a real FFT of `fft_length` points. Supported: even
    /// lengths from 4 whose half is a power of two (the factorisation into
    /// radix 4 then radix 2 stages of KISS FFT).
    pub fn new(fft_length: usize) -> Result<Self, KernelError> {
        let unsupported = KernelError::InvalidParameter {
            what: "fft_length (an even length from 4 whose half is a power of two)",
            value: fft_length,
        };
        let ncfft = fft_length / 2;
        if !fft_length.is_multiple_of(2) || ncfft < 2 || !ncfft.is_power_of_two() {
            return Err(unsupported);
        }
        let fft_length_u32 = u32::try_from(fft_length).map_err(|_| unsupported)?;
        let mut radix = [0u8; MAX_STAGES];
        let mut stages = 0usize;
        let mut n = ncfft;
        // kf_factor: powers of 4 first, then a last 2.
        while n > 1 {
            let p = if n.is_multiple_of(4) { 4 } else { 2 };
            *radix.get_mut(stages).ok_or(unsupported)? = p;
            stages += 1;
            n /= usize::from(p);
        }
        Ok(Self {
            fft_length: fft_length_u32,
            ncfft: fft_length_u32 / 2,
            stages: stages as u32,
            radix,
        })
    }

    /// Number of complex twiddles the plan needs: `ncfft` for the complex
    /// FFT, then `ncfft / 2` "super twiddles" of the real split.
    pub fn twiddle_count(&self) -> usize {
        let n = self.ncfft as usize;
        n + n / 2
    }

    /// Write the twiddles of a forward (`inverse` false) or inverse FFT
    /// into `twiddles` ([`RfftPlan::twiddle_count`] of them), as
    /// `kiss_fftr_alloc` computes them.
    pub fn fill_twiddles<T: FftScalar>(
        &self,
        inverse: bool,
        twiddles: &mut [Cpx<T>],
    ) -> Result<(), KernelError> {
        if twiddles.len() != self.twiddle_count() {
            return Err(KernelError::LengthMismatch {
                buffer: "fft twiddles",
                expected: self.twiddle_count(),
                actual: twiddles.len(),
            });
        }
        let n = self.ncfft as usize;
        let (sub, sup) = twiddles.split_at_mut(n);
        let pi = core::f64::consts::PI;
        for (k, t) in sub.iter_mut().enumerate() {
            let mut phase = -2.0 * pi * k as f64 / n as f64;
            if inverse {
                phase *= -1.0;
            }
            *t = T::twiddle(phase);
        }
        for (k, t) in sup.iter_mut().enumerate() {
            let mut phase = -pi * ((k + 1) as f64 / n as f64 + 0.5);
            if inverse {
                phase *= -1.0;
            }
            *t = T::twiddle(phase);
        }
        Ok(())
    }
}

/// `kf_bfly2`.
fn bfly2<T: FftScalar>(
    out: &mut [Cpx<T>],
    fstride: usize,
    tw: &[Cpx<T>],
    m: usize,
) -> Result<(), KernelError> {
    let (a, b) = out.split_at_mut(m);
    for (k, (x, y)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
        let w = *tw.get(k * fstride).ok_or(TWIDDLE)?;
        let fx = c_fixdiv(*x, 2);
        let fy = c_fixdiv(*y, 2);
        let t = c_mul(fy, w);
        *y = c_sub(fx, t);
        *x = c_add(fx, t);
    }
    Ok(())
}

const TWIDDLE: KernelError = KernelError::InvalidParameter {
    what: "fft twiddle index",
    value: 0,
};

/// `kf_bfly4`.
fn bfly4<T: FftScalar>(
    out: &mut [Cpx<T>],
    fstride: usize,
    tw: &[Cpx<T>],
    m: usize,
    inverse: bool,
) -> Result<(), KernelError> {
    for k in 0..m {
        let at = |q: usize| q * m + k;
        let get = |out: &[Cpx<T>], q: usize| out.get(at(q)).copied().ok_or(TWIDDLE);
        let f0 = c_fixdiv(get(out, 0)?, 4);
        let f1 = c_fixdiv(get(out, 1)?, 4);
        let f2 = c_fixdiv(get(out, 2)?, 4);
        let f3 = c_fixdiv(get(out, 3)?, 4);
        let w1 = *tw.get(k * fstride).ok_or(TWIDDLE)?;
        let w2 = *tw.get(2 * k * fstride).ok_or(TWIDDLE)?;
        let w3 = *tw.get(3 * k * fstride).ok_or(TWIDDLE)?;
        let s0 = c_mul(f1, w1);
        let s1 = c_mul(f2, w2);
        let s2 = c_mul(f3, w3);
        let s5 = c_sub(f0, s1);
        let f0 = c_add(f0, s1);
        let s3 = c_add(s0, s2);
        let s4 = c_sub(s0, s2);
        let o2 = c_sub(f0, s3);
        let o0 = c_add(f0, s3);
        let (o1, o3) = if inverse {
            (
                [s5[0].sub(s4[1]), s5[1].add(s4[0])],
                [s5[0].add(s4[1]), s5[1].sub(s4[0])],
            )
        } else {
            (
                [s5[0].add(s4[1]), s5[1].sub(s4[0])],
                [s5[0].sub(s4[1]), s5[1].add(s4[0])],
            )
        };
        for (q, v) in [o0, o1, o2, o3].into_iter().enumerate() {
            *out.get_mut(at(q)).ok_or(TWIDDLE)? = v;
        }
    }
    Ok(())
}

/// `kf_work`: the complex FFT of `input[start + j * fstride]` (`j` below
/// `out.len()`) into `out`, stages `radix` onwards.
fn work<T: FftScalar>(
    out: &mut [Cpx<T>],
    input: &[Cpx<T>],
    start: usize,
    fstride: usize,
    radix: &[u8],
    tw: &[Cpx<T>],
    inverse: bool,
) -> Result<(), KernelError> {
    let (&p, rest) = radix.split_first().ok_or(TWIDDLE)?;
    let p = usize::from(p);
    let m = out.len() / p;
    if m == 1 {
        for (j, o) in out.iter_mut().enumerate() {
            *o = *input.get(start + j * fstride).ok_or(TWIDDLE)?;
        }
    } else {
        for (q, chunk) in out.chunks_exact_mut(m).enumerate() {
            work(
                chunk,
                input,
                start + q * fstride,
                fstride * p,
                rest,
                tw,
                inverse,
            )?;
        }
    }
    match p {
        2 => bfly2(out, fstride, tw, m),
        4 => bfly4(out, fstride, tw, m, inverse),
        _ => Err(TWIDDLE),
    }
}

fn check_len(buffer: &'static str, expected: usize, actual: usize) -> Result<(), KernelError> {
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

/// `kiss_fftr`: the real FFT of `input` (`fft_length` samples) into
/// `output` (`fft_length / 2 + 1` complex values), with `tmp` (`ncfft`
/// complex values) as work memory and the forward `twiddles` of
/// [`RfftPlan::fill_twiddles`].
pub fn rfft<T: FftScalar>(
    plan: &RfftPlan,
    twiddles: &[Cpx<T>],
    input: &[T],
    tmp: &mut [Cpx<T>],
    output: &mut [Cpx<T>],
) -> Result<(), KernelError> {
    let n = plan.ncfft as usize;
    check_len("rfft input", 2 * n, input.len())?;
    check_len("rfft work area", n, tmp.len())?;
    check_len("rfft output", n + 1, output.len())?;
    check_len("rfft twiddles", plan.twiddle_count(), twiddles.len())?;
    let (tw, super_tw) = twiddles.split_at(n);
    let pairs: &[Cpx<T>] = bytemuck::try_cast_slice(input).map_err(|_| TWIDDLE)?;
    let radix = plan.radix.get(..plan.stages as usize).ok_or(TWIDDLE)?;
    work(tmp, pairs, 0, 1, radix, tw, false)?;

    let first = *tmp.first().ok_or(TWIDDLE)?;
    let tdc = c_fixdiv(first, 2);
    *output.first_mut().ok_or(TWIDDLE)? = [tdc[0].add(tdc[1]), T::default()];
    *output.get_mut(n).ok_or(TWIDDLE)? = [tdc[0].sub(tdc[1]), T::default()];
    for k in 1..=n / 2 {
        let fpk = c_fixdiv(*tmp.get(k).ok_or(TWIDDLE)?, 2);
        let nk = *tmp.get(n - k).ok_or(TWIDDLE)?;
        let fpnk = c_fixdiv([nk[0], nk[1].neg()], 2);
        let f1k = c_add(fpk, fpnk);
        let f2k = c_sub(fpk, fpnk);
        let twk = c_mul(f2k, *super_tw.get(k - 1).ok_or(TWIDDLE)?);
        *output.get_mut(k).ok_or(TWIDDLE)? = [
            T::half_of_sum(f1k[0], twk[0]),
            T::half_of_sum(f1k[1], twk[1]),
        ];
        *output.get_mut(n - k).ok_or(TWIDDLE)? = [
            T::half_of_diff(f1k[0], twk[0]),
            T::half_of_diff(twk[1], f1k[1]),
        ];
    }
    Ok(())
}

/// `kiss_fftri`: the inverse real FFT of `input` (`fft_length / 2 + 1`
/// complex values) into `output` (`fft_length` samples), with `tmp`
/// (`ncfft` complex values) as work memory and the inverse `twiddles` of
/// [`RfftPlan::fill_twiddles`]. Unscaled, as KISS FFT (fixed point: the
/// stages divide by their radices).
pub fn irfft<T: FftScalar>(
    plan: &RfftPlan,
    twiddles: &[Cpx<T>],
    input: &[Cpx<T>],
    tmp: &mut [Cpx<T>],
    output: &mut [T],
) -> Result<(), KernelError> {
    let n = plan.ncfft as usize;
    check_len("irfft input", n + 1, input.len())?;
    check_len("irfft work area", n, tmp.len())?;
    check_len("irfft output", 2 * n, output.len())?;
    check_len("irfft twiddles", plan.twiddle_count(), twiddles.len())?;
    let (tw, super_tw) = twiddles.split_at(n);
    let first = *input.first().ok_or(TWIDDLE)?;
    let last = *input.get(n).ok_or(TWIDDLE)?;
    *tmp.first_mut().ok_or(TWIDDLE)? = c_fixdiv([first[0].add(last[0]), first[0].sub(last[0])], 2);
    for k in 1..=n / 2 {
        let fk = c_fixdiv(*input.get(k).ok_or(TWIDDLE)?, 2);
        let nk = *input.get(n - k).ok_or(TWIDDLE)?;
        let fnkc = c_fixdiv([nk[0], nk[1].neg()], 2);
        let fek = c_add(fk, fnkc);
        let diff = c_sub(fk, fnkc);
        let fok = c_mul(diff, *super_tw.get(k - 1).ok_or(TWIDDLE)?);
        *tmp.get_mut(k).ok_or(TWIDDLE)? = c_add(fek, fok);
        let low = c_sub(fek, fok);
        *tmp.get_mut(n - k).ok_or(TWIDDLE)? = [low[0], low[1].neg()];
    }
    let radix = plan.radix.get(..plan.stages as usize).ok_or(TWIDDLE)?;
    let out: &mut [Cpx<T>] = bytemuck::try_cast_slice_mut(output).map_err(|_| TWIDDLE)?;
    work(out, tmp, 0, 1, radix, tw, true)
}

/// FFT_AUTO_SCALE: shifts `input` left by as many bits as its largest
/// magnitude allows (TFLM's `MaxAbs16`, including its treatment of
/// -32768, and `MostSignificantBit32` as built by GCC/Clang, where the
/// bit index of 0 is 32), writes the shifted samples (wrapping to int16)
/// and returns the shift.
pub fn fft_auto_scale(input: &[i16], output: &mut [i16]) -> Result<i32, KernelError> {
    check_len("fft_auto_scale output", input.len(), output.len())?;
    let mut max: i16 = 0;
    for &v in input {
        if v > max {
            max = v;
        } else if -i32::from(v) > i32::from(max) {
            // -(-32768) stored back in int16 is -32768 again.
            max = (-i32::from(v)) as i16;
        }
    }
    // int16 converted to uint32 (sign-extended), then its bit length.
    let bits = most_significant_bit32(i32::from(max) as u32);
    let scale_bits = (16 - bits as i32 - 1).max(0);
    for (o, &v) in output.iter_mut().zip(input) {
        *o = (i32::from(v) * (1 << scale_bits)) as i16;
    }
    Ok(scale_bits)
}

/// TFLM's `MostSignificantBit32` as the GCC/Clang build computes it: the
/// bit length of `x`, and 32 for 0.
pub fn most_significant_bit32(x: u32) -> u32 {
    if x == 0 {
        32
    } else {
        32 - x.leading_zeros()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    #[test]
    fn plans_factor_as_kiss_fft() {
        let p = RfftPlan::new(512).unwrap();
        assert_eq!((p.ncfft, p.stages), (256, 4));
        assert_eq!(&p.radix[..4], &[4, 4, 4, 4]);
        let p = RfftPlan::new(256).unwrap();
        assert_eq!(&p.radix[..p.stages as usize], &[4, 4, 4, 2]);
        let p = RfftPlan::new(4).unwrap();
        assert_eq!(&p.radix[..p.stages as usize], &[2]);
        for bad in [0, 1, 2, 6, 12, 480, 513] {
            assert!(RfftPlan::new(bad).is_err(), "{bad}");
        }
    }

    /// The no_std twiddles (libm's cos/sin) equal those std's (the C
    /// library's, as TFLM's build) gives, for every supported length up to
    /// 2^14.
    #[test]
    fn twiddles_match_the_c_library() {
        let mut len = 4;
        while len <= 1 << 14 {
            let plan = RfftPlan::new(len).unwrap();
            let n = plan.ncfft as usize;
            let mut t16 = vec![[0i16; 2]; plan.twiddle_count()];
            let mut t32 = vec![[0i32; 2]; plan.twiddle_count()];
            let mut tf = vec![[0f32; 2]; plan.twiddle_count()];
            for inverse in [false, true] {
                plan.fill_twiddles(inverse, &mut t16).unwrap();
                plan.fill_twiddles(inverse, &mut t32).unwrap();
                plan.fill_twiddles(inverse, &mut tf).unwrap();
                let sign = if inverse { -1.0 } else { 1.0 };
                let pi = std::f64::consts::PI;
                let phases = (0..n)
                    .map(|k| sign * (-2.0 * pi * k as f64 / n as f64))
                    .chain((0..n / 2).map(|k| sign * (-pi * ((k + 1) as f64 / n as f64 + 0.5))));
                for (k, phase) in phases.enumerate() {
                    let c = phase.cos();
                    let s = phase.sin();
                    assert_eq!(t16[k][0], (0.5 + 32767.0 * c).floor() as i16, "{len} {k}");
                    assert_eq!(t16[k][1], (0.5 + 32767.0 * s).floor() as i16, "{len} {k}");
                    assert_eq!(
                        t32[k][0],
                        (0.5 + 2147483647.0 * c).floor() as i32,
                        "{len} {k}"
                    );
                    assert_eq!(
                        t32[k][1],
                        (0.5 + 2147483647.0 * s).floor() as i32,
                        "{len} {k}"
                    );
                    assert_eq!(tf[k][0], c as f32);
                    assert_eq!(tf[k][1], s as f32);
                }
            }
            len *= 2;
        }
    }

    fn dft(x: &[f64]) -> Vec<(f64, f64)> {
        let n = x.len();
        (0..=n / 2)
            .map(|k| {
                x.iter().enumerate().fold((0.0, 0.0), |(re, im), (j, &v)| {
                    let a = -2.0 * std::f64::consts::PI * (k * j) as f64 / n as f64;
                    (re + v * a.cos(), im + v * a.sin())
                })
            })
            .collect()
    }

    #[test]
    fn float_rfft_is_the_dft_and_irfft_inverts_it() {
        for len in [4usize, 8, 16, 64, 512] {
            let plan = RfftPlan::new(len).unwrap();
            let mut tw = vec![[0f32; 2]; plan.twiddle_count()];
            plan.fill_twiddles(false, &mut tw).unwrap();
            let x: Vec<f32> = (0..len)
                .map(|i| ((i * 7 % 13) as f32 - 6.0) / 3.0)
                .collect();
            let mut tmp = vec![[Default::default(); 2]; len / 2];
            let mut out = vec![[Default::default(); 2]; len / 2 + 1];
            rfft(&plan, &tw, &x, &mut tmp, &mut out).unwrap();
            let want = dft(&x.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
            for (got, (re, im)) in out.iter().zip(&want) {
                assert!((f64::from(got[0]) - re).abs() < 1e-3 * len as f64, "{len}");
                assert!((f64::from(got[1]) - im).abs() < 1e-3 * len as f64, "{len}");
            }
            let mut itw = vec![[0f32; 2]; plan.twiddle_count()];
            plan.fill_twiddles(true, &mut itw).unwrap();
            let mut back = vec![0f32; len];
            irfft(&plan, &itw, &out, &mut tmp, &mut back).unwrap();
            for (b, v) in back.iter().zip(&x) {
                assert!((b / len as f32 - v).abs() < 1e-4, "{len}");
            }
        }
    }

    #[test]
    fn fixed_rfft_is_the_dft_scaled_by_the_length() {
        let len = 64usize;
        let plan = RfftPlan::new(len).unwrap();
        let mut tw = vec![[0i16; 2]; plan.twiddle_count()];
        plan.fill_twiddles(false, &mut tw).unwrap();
        let x: Vec<i16> = (0..len)
            .map(|i| ((i * 37 % 61) as i16 - 30) * 900)
            .collect();
        let mut tmp = vec![[Default::default(); 2]; len / 2];
        let mut out = vec![[Default::default(); 2]; len / 2 + 1];
        rfft(&plan, &tw, &x, &mut tmp, &mut out).unwrap();
        let want = dft(&x.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
        for (got, (re, im)) in out.iter().zip(&want) {
            assert!((f64::from(got[0]) - re / len as f64).abs() < 4.0);
            assert!((f64::from(got[1]) - im / len as f64).abs() < 4.0);
        }
    }

    #[test]
    fn auto_scale_follows_tflm() {
        let mut out = [0i16; 3];
        assert_eq!(fft_auto_scale(&[100, -300, 5], &mut out).unwrap(), 6);
        assert_eq!(out, [6400, -19200, 320]);
        // All zero: bit length of 0 is 32, no shift.
        assert_eq!(fft_auto_scale(&[0, 0, 0], &mut out).unwrap(), 0);
        // -32768 first, then a small value: MaxAbs16 ends at 5.
        let mut out = [0i16; 2];
        assert_eq!(fft_auto_scale(&[-32768, 5], &mut out).unwrap(), 12);
        assert_eq!(out, [0, 20480]);
        assert_eq!(fft_auto_scale(&[5, -32768], &mut out).unwrap(), 0);
        assert_eq!(out, [5, -32768]);
        assert!(fft_auto_scale(&[1, 2], &mut [0; 3]).is_err());
    }
}
