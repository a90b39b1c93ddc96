//! TFLM's signal library ENERGY (`SignalEnergy`): the power of an int16
//! complex spectrum, bin by bin.

use crate::KernelError;

/// `output[k] = re^2 + im^2` (wrapping in uint32, as TFLM's int32 sum
/// stored in uint32) for the bins `start..end` of `spectrum` (interleaved
/// real, imaginary); the other output elements are set to 0 (TFLM leaves
/// them unwritten: its fresh arena holds zeros there).
pub fn energy(
    spectrum: &[i16],
    start: usize,
    end: usize,
    output: &mut [u32],
) -> Result<(), KernelError> {
    let bins = spectrum.len() / 2;
    if start > end || end > bins || end > output.len() {
        return Err(KernelError::InvalidParameter {
            what: "energy start_index..end_index within the spectrum and the output",
            value: end,
        });
    }
    output.fill(0);
    let pairs = spectrum.chunks_exact(2).skip(start).take(end - start);
    let outs = output.iter_mut().skip(start);
    for (out, pair) in outs.zip(pairs) {
        let (re, im) = match *pair {
            [re, im] => (i32::from(re), i32::from(im)),
            _ => (0, 0),
        };
        *out = ((re * re) as u32).wrapping_add((im * im) as u32);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn energy_of_the_chosen_bins() {
        let spectrum = [3i16, 4, -32768, -32768, 1, 1, 5, 0];
        let mut out = [7u32; 4];
        energy(&spectrum, 1, 3, &mut out).unwrap();
        assert_eq!(out, [0, 1 << 31, 2, 0]);
        energy(&spectrum, 0, 4, &mut out).unwrap();
        assert_eq!(out, [25, 1 << 31, 2, 25]);
        assert!(energy(&spectrum, 3, 2, &mut out).is_err());
        assert!(energy(&spectrum, 0, 5, &mut out).is_err());
        assert!(energy(&spectrum, 0, 4, &mut [0; 3]).is_err());
    }
}
