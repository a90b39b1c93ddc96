//! TFLM's signal library kernels against their definitions:
//! - square roots: the integer square root rounded to nearest (exact);
//! - log: `output_scale * ln(x << correction_bits)`, 0 below 2 and capped
//!   at 32767, within 1 step plus `output_scale * ln 2 * 225 / 65536`: TFLM's
//!   `Log2FractionPart32` shifts its interpolation term by 16 bits where the
//!   segment is 9 bits wide, so the term is almost always 0 and the log2 is
//!   the segment's start value, off by at most the table's largest step
//!   (224 / 65536 of an octave);
//! - window and energy: the products, exactly;
//! - RFFT: the discrete Fourier transform in f64. Float: within
//!   `1e-5 * sum|x|` plus a length-proportional epsilon. Fixed point (KISS FFT
//!   divides by the radix at every stage, so the result is DFT / N): at most
//!   one rounding step per stage plus the real split's, and the twiddles'
//!   scale 32767/32768 (int16), as relative error `stages / 32767` of the
//!   largest exact value; the float IRFFT of the float RFFT gives back N x;
//! - DELAY and OVERLAP_ADD over three invokes: the stream shifted by the
//!   delay, the frames summed at their step offsets (int16 saturating per
//!   addition, as TFLM: checked against the same order of sums).

use microlite_kernels::signal_energy::energy;
use microlite_kernels::signal_fft::{irfft, rfft, Cpx, FftScalar, RfftPlan};
use microlite_kernels::signal_filter_bank::{filter_bank_log, sqrt64};
use microlite_kernels::signal_framing::{delay, overlap_add};
use microlite_kernels::signal_window::window;

use super::{mismatch, Mismatch};
use crate::decisions::Decisions;

fn isqrt_rounded(x: u64) -> u64 {
    let mut r = (x as f64).sqrt() as u64;
    while r.checked_mul(r).is_none_or(|s| s > x) {
        r -= 1;
    }
    while (r + 1).checked_mul(r + 1).is_some_and(|s| s <= x) {
        r += 1;
    }
    // Round to nearest: up when x - r^2 > r (x > (r + 1/2)^2).
    if x - r * r > r {
        r + 1
    } else {
        r
    }
}

pub(super) fn scalar_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    // Square roots.
    for _ in 0..8 {
        let x = match d.u8() % 4 {
            0 => u64::from(d.u16()),
            1 => u64::from(d.u32()),
            2 => d.u64() >> d.below(64),
            _ => d.u64(),
        };
        let got = u64::from(sqrt64(x));
        let want = isqrt_rounded(x).min(if x >> 32 == 0 { 0xFFFF } else { 0xFFFF_FFFF });
        if got != want {
            return mismatch("signal sqrt64", format!("sqrt64({x}) = {got}, want {want}"));
        }
    }
    // Log.
    // Scales up to 2048: out_scale * 65536 * ln(x) stays below 2^32 (TFLM
    // wraps it in uint32 beyond, and so does the kernel).
    let scale = d.pick(&[1u32, 16, 64, 100, 1000, 2048]);
    let bits = d.below(8) as u32;
    let input: Vec<u32> = (0..8)
        .map(|_| match d.u8() % 3 {
            0 => u32::from(d.u8()),
            _ => d.u32() >> (bits + d.below(20) as u32),
        })
        .collect();
    let mut out = vec![0i16; input.len()];
    if let Err(e) = filter_bank_log(&input, scale, bits, &mut out) {
        return mismatch("signal log", format!("refused: {e:?}"));
    }
    for (&x, &g) in input.iter().zip(&out) {
        let scaled = x << bits;
        let want = if scaled > 1 {
            (f64::from(scale) * f64::from(scaled).ln()).min(32767.0)
        } else {
            0.0
        };
        let tolerance = 1.0 + f64::from(scale) * std::f64::consts::LN_2 * 225.0 / 65536.0;
        if (f64::from(g) - want).abs() > tolerance {
            return mismatch(
                "signal log",
                format!("log({x} << {bits}) * {scale} = {g}, want {want}"),
            );
        }
    }
    // Window.
    let n = 1 + d.below(8);
    let frames = 1 + d.below(3);
    let weights: Vec<i16> = (0..n).map(|_| d.u16() as i16).collect();
    let samples: Vec<i16> = (0..n * frames).map(|_| d.u16() as i16).collect();
    let shift = d.below(32) as u32;
    let mut out = vec![0i16; samples.len()];
    if let Err(e) = window(&samples, &weights, shift, &mut out) {
        return mismatch("signal window", format!("refused: {e:?}"));
    }
    for (i, (&x, &g)) in samples.iter().zip(&out).enumerate() {
        let w = i64::from(weights[i % n]);
        let want = ((i64::from(x) * w) >> shift).clamp(-32768, 32767);
        if i64::from(g) != want {
            return mismatch("signal window", format!("element {i}: {g}, want {want}"));
        }
    }
    // Energy.
    let bins = 1 + d.below(10);
    let spectrum: Vec<i16> = (0..2 * bins).map(|_| d.u16() as i16).collect();
    let start = d.below(bins + 1);
    let end = start + d.below(bins + 1 - start);
    let mut out = vec![7u32; bins];
    if let Err(e) = energy(&spectrum, start, end, &mut out) {
        return mismatch("signal energy", format!("refused: {e:?}"));
    }
    for (k, &g) in out.iter().enumerate() {
        let (re, im) = (i64::from(spectrum[2 * k]), i64::from(spectrum[2 * k + 1]));
        let want = if (start..end).contains(&k) {
            (re * re + im * im) as u32
        } else {
            0
        };
        if g != want {
            return mismatch("signal energy", format!("bin {k}: {g}, want {want}"));
        }
    }
    Ok(())
}

fn dft(x: &[f64]) -> Vec<(f64, f64)> {
    let n = x.len();
    (0..=n / 2)
        .map(|k| {
            x.iter().enumerate().fold((0.0, 0.0), |(re, im), (j, &v)| {
                let a = -2.0 * std::f64::consts::PI * ((k * j) % n) as f64 / n as f64;
                (re + v * a.cos(), im + v * a.sin())
            })
        })
        .collect()
}

fn run_rfft<T: FftScalar>(plan: &RfftPlan, x: &[T]) -> Result<Vec<Cpx<T>>, Mismatch> {
    let mut tw = vec![[T::default(); 2]; plan.twiddle_count()];
    let n = plan.fft_length as usize;
    let mut tmp = vec![[T::default(); 2]; n / 2];
    let mut out = vec![[T::default(); 2]; n / 2 + 1];
    plan.fill_twiddles(false, &mut tw)
        .and_then(|()| rfft(plan, &tw, x, &mut tmp, &mut out))
        .map_err(|e| Mismatch {
            kernel: "signal rfft",
            detail: format!("refused: {e:?}"),
        })?;
    Ok(out)
}

pub(super) fn fft_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let n = 1usize << (2 + d.below(5)); // 4..64
    let plan = RfftPlan::new(n).map_err(|e| Mismatch {
        kernel: "signal rfft",
        detail: format!("plan {n}: {e:?}"),
    })?;
    let stages = f64::from(plan.stages);
    match d.u8() % 3 {
        0 => {
            let x: Vec<i16> = (0..n).map(|_| d.u16() as i16).collect();
            let got = run_rfft(&plan, &x)?;
            let want = dft(&x.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
            let peak = want
                .iter()
                .map(|&(r, i)| r.abs().max(i.abs()))
                .fold(0.0, f64::max)
                / n as f64;
            // Each complex stage and the real-split stage after them round
            // (up to 2 per stage with the halving) and multiply by Q15
            // twiddles values up to the input's magnitude.
            let input_peak = x.iter().map(|&v| f64::from(v).abs()).fold(0.0, f64::max);
            let tolerance = 2.0 * (stages + 2.0) + peak.max(input_peak) * (stages + 2.0) / 32767.0;
            for (k, (g, &(re, im))) in got.iter().zip(&want).enumerate() {
                let (er, ei) = (re / n as f64, im / n as f64);
                // Wrapped results (an int16 overflow in the last stage)
                // are outside the oracle's domain: skip when the exact
                // value is near the int16 limits.
                if er.abs() > 32000.0 || ei.abs() > 32000.0 {
                    continue;
                }
                if (f64::from(g[0]) - er).abs() > tolerance
                    || (f64::from(g[1]) - ei).abs() > tolerance
                {
                    return mismatch(
                        "signal rfft int16",
                        format!("n {n} bin {k}: {g:?}, want ({er}, {ei}) +- {tolerance}"),
                    );
                }
            }
            Ok(())
        }
        1 => {
            let x: Vec<i32> = (0..n).map(|_| d.i32() >> d.below(16)).collect();
            let got = run_rfft(&plan, &x)?;
            let want = dft(&x.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
            let peak = want
                .iter()
                .map(|&(r, i)| r.abs().max(i.abs()))
                .fold(0.0, f64::max)
                / n as f64;
            let tolerance = 1.5 * (stages + 2.0) + peak * (stages + 1.0) / 2.0e9;
            for (k, (g, &(re, im))) in got.iter().zip(&want).enumerate() {
                let (er, ei) = (re / n as f64, im / n as f64);
                if er.abs() > 2.1e9 || ei.abs() > 2.1e9 {
                    continue;
                }
                if (f64::from(g[0]) - er).abs() > tolerance
                    || (f64::from(g[1]) - ei).abs() > tolerance
                {
                    return mismatch(
                        "signal rfft int32",
                        format!("n {n} bin {k}: {g:?}, want ({er}, {ei}) +- {tolerance}"),
                    );
                }
            }
            Ok(())
        }
        _ => {
            let x: Vec<f32> = (0..n).map(|_| f32::from(d.u16() as i16) / 256.0).collect();
            let got = run_rfft(&plan, &x)?;
            let want = dft(&x.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
            let mass: f64 = x.iter().map(|&v| f64::from(v).abs()).sum();
            let tolerance = 1e-5 * mass + 1e-6 * n as f64;
            for (k, (g, &(re, im))) in got.iter().zip(&want).enumerate() {
                if (f64::from(g[0]) - re).abs() > tolerance
                    || (f64::from(g[1]) - im).abs() > tolerance
                {
                    return mismatch(
                        "signal rfft float32",
                        format!("n {n} bin {k}: {g:?}, want ({re}, {im}) +- {tolerance}"),
                    );
                }
            }
            // The inverse gives back n x.
            let mut tw = vec![[0f32; 2]; plan.twiddle_count()];
            let mut tmp = vec![[0f32; 2]; n / 2];
            let mut back = vec![0f32; n];
            plan.fill_twiddles(true, &mut tw)
                .and_then(|()| irfft(&plan, &tw, &got, &mut tmp, &mut back))
                .map_err(|e| Mismatch {
                    kernel: "signal irfft",
                    detail: format!("refused: {e:?}"),
                })?;
            for (i, (&b, &v)) in back.iter().zip(&x).enumerate() {
                let want = f64::from(v) * n as f64;
                if (f64::from(b) - want).abs() > 2.0 * tolerance * n as f64 {
                    return mismatch(
                        "signal irfft float32",
                        format!("n {n} sample {i}: {b}, want {want}"),
                    );
                }
            }
            Ok(())
        }
    }
}

pub(super) fn stream_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    // DELAY over three invokes against the whole stream shifted.
    let frame = 1 + d.below(6);
    let delay_length = d.below(9);
    let stream: Vec<i16> = (0..3 * frame).map(|_| d.u16() as i16).collect();
    let mut line = vec![0i16; delay_length];
    let mut got = Vec::new();
    for chunk in stream.chunks_exact(frame) {
        let mut out = vec![0i16; frame];
        if let Err(e) = delay(&mut line, chunk, &mut out) {
            return mismatch("signal delay", format!("refused: {e:?}"));
        }
        got.extend(out);
    }
    let want: Vec<i16> = (0..stream.len())
        .map(|i| i.checked_sub(delay_length).map_or(0, |j| stream[j]))
        .collect();
    if got != want {
        return mismatch(
            "signal delay",
            format!("frame {frame} delay {delay_length}: {got:?}, want {want:?}"),
        );
    }
    // OVERLAP_ADD (float: exact sums of at most a few small integers).
    let size = 1 + d.below(8);
    let step = 1 + d.below(size);
    let frames: Vec<Vec<f32>> = (0..4)
        .map(|_| (0..size).map(|_| f32::from(d.u8() as i8)).collect())
        .collect();
    let mut buffer = vec![0f32; size];
    let mut got = Vec::new();
    for f in &frames {
        let mut out = vec![0f32; step];
        if let Err(e) = overlap_add(f, &mut buffer, &mut out) {
            return mismatch("signal overlap_add", format!("refused: {e:?}"));
        }
        got.extend(out);
    }
    let mut want = vec![0f32; step * frames.len() + size];
    for (k, f) in frames.iter().enumerate() {
        for (i, &v) in f.iter().enumerate() {
            want[k * step + i] += v;
        }
    }
    want.truncate(got.len());
    if got != want {
        return mismatch(
            "signal overlap_add",
            format!("size {size} step {step}: {got:?}, want {want:?}"),
        );
    }
    Ok(())
}
