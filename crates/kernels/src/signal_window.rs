//! TFLM's signal library WINDOW (`SignalWindow`): every frame of the input
//! multiplied element by element by a window of int16 weights, shifted
//! right and saturated to int16.

use crate::KernelError;

/// `output[i] = saturate_i16((input[i] * weights[i % n]) >> shift)` for
/// every frame of `n = weights.len()` samples. `shift` must be below 32 and
/// the input a whole number of frames (the op's prepare checks both).
pub fn window(
    input: &[i16],
    weights: &[i16],
    shift: u32,
    output: &mut [i16],
) -> Result<(), KernelError> {
    if output.len() != input.len() {
        return Err(KernelError::LengthMismatch {
            buffer: "output",
            expected: input.len(),
            actual: output.len(),
        });
    }
    if weights.is_empty() || !input.len().is_multiple_of(weights.len()) {
        return Err(KernelError::DimensionMismatch {
            what: "window input length multiple of the window length",
            expected: weights.len(),
            actual: input.len(),
        });
    }
    if shift >= 32 {
        return Err(KernelError::InvalidParameter {
            what: "window shift",
            value: shift as usize,
        });
    }
    for (frame_in, frame_out) in input
        .chunks_exact(weights.len())
        .zip(output.chunks_exact_mut(weights.len()))
    {
        for ((&x, &w), out) in frame_in.iter().zip(weights).zip(frame_out.iter_mut()) {
            let raw = (i32::from(x) * i32::from(w)) >> shift;
            *out = raw.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_every_frame_and_saturates() {
        let input = [1000i16, -1000, 32767, -32768, 4, -4];
        let weights = [4096i16, 8192, 32767];
        let mut out = [0i16; 6];
        window(&input, &weights, 12, &mut out).unwrap();
        // 1000*4096>>12, -1000*8192>>12, 32767*32767>>12 saturates,
        // -32768*4096>>12, 4*8192>>12, -4*32767>>12 (arithmetic shift).
        assert_eq!(out, [1000, -2000, 32767, -32768, 8, -32]);
        window(&input, &weights, 0, &mut out).unwrap();
        assert_eq!(out, [32767, -32768, 32767, -32768, 32767, -32768]);
    }

    #[test]
    fn refuses_partial_frames_and_big_shifts() {
        let mut out = [0i16; 5];
        assert!(window(&[0; 5], &[1, 2], 1, &mut out).is_err());
        assert!(window(&[0; 5], &[], 1, &mut out).is_err());
        assert!(window(&[0; 5], &[1], 32, &mut out).is_err());
        assert!(window(&[0; 4], &[1], 1, &mut out).is_err());
    }
}
