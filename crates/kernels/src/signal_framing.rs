//! TFLM's signal library ops that carry samples from one invoke to the
//! next: DELAY (`SignalDelay`), FRAMER (`SignalFramer`), STACKER
//! (`SignalStacker`) and OVERLAP_ADD (`SignalOverlapAdd`). Their state is
//! caller memory that is all zeros initially (and after a reset): the
//! layouts below are chosen so that zeros are TFLM's initial state, or
//! carry a flag that re-primes it.

use crate::KernelError;

/// A first-in first-out queue of int16 samples over caller memory: `len`
/// samples at the start of `data` (TFLM's `CircularBuffer`, whose reads
/// and writes these ops only use in FIFO order).
#[derive(Debug)]
pub struct Fifo<'a> {
    len: &'a mut u32,
    data: &'a mut [i16],
}

const OVERFLOW: KernelError = KernelError::InvalidParameter {
    what: "signal buffer overflow",
    value: 0,
};

impl<'a> Fifo<'a> {
    /// The queue held in `data` with `len` samples.
    pub fn new(len: &'a mut u32, data: &'a mut [i16]) -> Self {
        Self { len, data }
    }

    /// Samples held.
    pub fn available(&self) -> usize {
        *self.len as usize
    }

    /// Append `values`.
    pub fn write(&mut self, values: &[i16]) -> Result<(), KernelError> {
        let start = self.available();
        let end = start.checked_add(values.len()).ok_or(OVERFLOW)?;
        self.data
            .get_mut(start..end)
            .ok_or(OVERFLOW)?
            .copy_from_slice(values);
        *self.len = u32::try_from(end).map_err(|_| OVERFLOW)?;
        Ok(())
    }

    /// Append `n` zeros.
    pub fn write_zeros(&mut self, n: usize) -> Result<(), KernelError> {
        let start = self.available();
        let end = start.checked_add(n).ok_or(OVERFLOW)?;
        self.data.get_mut(start..end).ok_or(OVERFLOW)?.fill(0);
        *self.len = u32::try_from(end).map_err(|_| OVERFLOW)?;
        Ok(())
    }

    /// Append the last `count` samples `times` more times
    /// (`CircularBufferExtend`).
    pub fn extend_last(&mut self, count: usize, times: usize) -> Result<(), KernelError> {
        let start = self.available().checked_sub(count).ok_or(OVERFLOW)?;
        for _ in 0..times {
            let end = self.available();
            let to = end.checked_add(count).ok_or(OVERFLOW)?;
            if to > self.data.len() {
                return Err(OVERFLOW);
            }
            self.data.copy_within(start..start + count, end);
            *self.len = u32::try_from(to).map_err(|_| OVERFLOW)?;
        }
        Ok(())
    }

    /// Copy the first `out.len()` samples into `out`.
    pub fn peek(&self, out: &mut [i16]) -> Result<(), KernelError> {
        if out.len() > self.available() {
            return Err(OVERFLOW);
        }
        out.copy_from_slice(self.data.get(..out.len()).ok_or(OVERFLOW)?);
        Ok(())
    }

    /// Drop the first `n` samples.
    pub fn discard(&mut self, n: usize) -> Result<(), KernelError> {
        let len = self.available();
        let rest = len.checked_sub(n).ok_or(OVERFLOW)?;
        self.data.copy_within(n..len, 0);
        *self.len = rest as u32;
        Ok(())
    }
}

/// DELAY of one channel: `output` is the input delayed by `line.len()`
/// samples; `line` (zeros initially) holds the last `line.len()` samples
/// of the stream.
pub fn delay(line: &mut [i16], input: &[i16], output: &mut [i16]) -> Result<(), KernelError> {
    if output.len() != input.len() {
        return Err(KernelError::LengthMismatch {
            buffer: "delay output",
            expected: input.len(),
            actual: output.len(),
        });
    }
    let d = line.len();
    // The stream is line ++ input; the output its first frame, the new
    // line its last d samples.
    let at = |line: &[i16], k: usize| -> i16 {
        if k < d {
            line.get(k).copied().unwrap_or(0)
        } else {
            input.get(k - d).copied().unwrap_or(0)
        }
    };
    for (k, o) in output.iter_mut().enumerate() {
        *o = at(line, k);
    }
    let frame = input.len();
    for j in 0..d {
        // Reads position frame + j >= j: not yet overwritten.
        let v = at(line, frame + j);
        if let Some(slot) = line.get_mut(j) {
            *slot = v;
        }
    }
    Ok(())
}

/// OVERLAP_ADD of one frame (TFLM's `OverlapAdd`): adds `input` into
/// `buffer` (saturating for int16), emits the first `output.len()` samples
/// and shifts the buffer by as many, zero-filling its end.
pub fn overlap_add<T: OverlapSample>(
    input: &[T],
    buffer: &mut [T],
    output: &mut [T],
) -> Result<(), KernelError> {
    if buffer.len() != input.len() || output.len() > input.len() {
        return Err(KernelError::LengthMismatch {
            buffer: "overlap add state",
            expected: input.len(),
            actual: buffer.len(),
        });
    }
    for (b, &x) in buffer.iter_mut().zip(input) {
        *b = T::add(*b, x);
    }
    let step = output.len();
    output.copy_from_slice(buffer.get(..step).ok_or(OVERFLOW)?);
    buffer.copy_within(step.., 0);
    let keep = buffer.len() - step;
    buffer.get_mut(keep..).ok_or(OVERFLOW)?.fill(T::default());
    Ok(())
}

/// A sample OVERLAP_ADD takes: int16 (saturating sums) or float32.
pub trait OverlapSample: Copy + Default {
    /// `buffer + input` as TFLM computes it.
    fn add(buffer: Self, input: Self) -> Self;
}

impl OverlapSample for i16 {
    fn add(buffer: Self, input: Self) -> Self {
        buffer.saturating_add(input)
    }
}

impl OverlapSample for f32 {
    fn add(buffer: Self, input: Self) -> Self {
        buffer + input
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_carries_samples_over() {
        let mut line = [0i16; 3];
        let mut out = [0i16; 4];
        delay(&mut line, &[1, 2, 3, 4], &mut out).unwrap();
        assert_eq!((out, line), ([0, 0, 0, 1], [2, 3, 4]));
        delay(&mut line, &[5, 6, 7, 8], &mut out).unwrap();
        assert_eq!((out, line), ([2, 3, 4, 5], [6, 7, 8]));
        let mut long = [0i16; 6];
        let mut out2 = [0i16; 2];
        delay(&mut long, &[1, 2], &mut out2).unwrap();
        assert_eq!((out2, long), ([0, 0], [0, 0, 0, 0, 1, 2]));
    }

    #[test]
    fn fifo_writes_extends_and_discards() {
        let mut len = 0u32;
        let mut data = [0i16; 8];
        let mut q = Fifo::new(&mut len, &mut data);
        q.write(&[1, 2]).unwrap();
        q.extend_last(2, 2).unwrap();
        assert_eq!(q.available(), 6);
        let mut out = [0i16; 6];
        q.peek(&mut out).unwrap();
        assert_eq!(out, [1, 2, 1, 2, 1, 2]);
        q.discard(4).unwrap();
        q.write_zeros(1).unwrap();
        let mut out = [9i16; 3];
        q.peek(&mut out).unwrap();
        assert_eq!(out, [1, 2, 0]);
        assert!(q.write(&[0; 6]).is_err());
        assert!(q.discard(4).is_err());
    }

    #[test]
    fn overlap_add_saturates_and_shifts() {
        let mut buffer = [0i16; 4];
        let mut out = [0i16; 2];
        overlap_add(&[30000, 1, 2, 3], &mut buffer, &mut out).unwrap();
        assert_eq!((out, buffer), ([30000, 1], [2, 3, 0, 0]));
        overlap_add(&[32767, 1, -32768, 3], &mut buffer, &mut out).unwrap();
        assert_eq!((out, buffer), ([32767, 4], [-32768, 3, 0, 0]));
        let mut fb = [0f32; 2];
        let mut fo = [0f32; 1];
        overlap_add(&[0.5, 0.25], &mut fb, &mut fo).unwrap();
        assert_eq!((fo, fb), ([0.5], [0.25, 0.0]));
    }
}
