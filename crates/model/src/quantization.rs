//! Affine quantization parameters.

use core::fmt;

use crate::flat::Vector;

/// Verified affine quantization parameters of a tensor:
/// `real = scale * (quantized - zero_point)`.
///
/// There is at least one (scale, zero point) pair, and as many zero points as
/// scales. With one pair the tensor is quantized per tensor; with several,
/// pair `k` applies to index `k` of dimension
/// [`quantized_dimension`](Self::quantized_dimension).
///
/// Like TFLM, [`Model::from_bytes`](crate::Model::from_bytes) does *not*
/// check `quantized_dimension` against the tensor's shape (real models carry
/// rank-1 per-channel bias tensors with `quantized_dimension` 3), so code that
/// applies per-channel parameters must check the axis and its size itself.
#[derive(Clone, Copy)]
pub struct Quantization<'a> {
    scales: Vector<'a, f32>,
    zero_points: Vector<'a, i64>,
    quantized_dimension: i32,
}

impl<'a> Quantization<'a> {
    pub(crate) fn new(
        scales: Vector<'a, f32>,
        zero_points: Vector<'a, i64>,
        quantized_dimension: i32,
    ) -> Self {
        Self {
            scales,
            zero_points,
            quantized_dimension,
        }
    }

    /// Number of (scale, zero point) pairs; at least 1.
    pub fn len(&self) -> usize {
        self.scales.len()
    }

    /// Always false: verified parameters have at least one pair.
    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }

    /// Scale `k`, or `None` if `k >= len()`.
    pub fn scale(&self, k: usize) -> Option<f32> {
        self.scales.get(k)
    }

    /// Zero point `k`, or `None` if `k >= len()`.
    pub fn zero_point(&self, k: usize) -> Option<i64> {
        self.zero_points.get(k)
    }

    /// All scales in order.
    pub fn scales(&self) -> impl ExactSizeIterator<Item = f32> + 'a {
        self.scales.iter()
    }

    /// All zero points in order.
    pub fn zero_points(&self) -> impl ExactSizeIterator<Item = i64> + 'a {
        self.zero_points.iter()
    }

    /// The axis the per-channel pairs run along (negative stored values read
    /// as 0). Unchecked against the shape; meaningful only when
    /// [`is_per_channel`](Self::is_per_channel).
    pub fn quantized_dimension(&self) -> usize {
        usize::try_from(self.quantized_dimension).unwrap_or(0)
    }

    /// The `quantized_dimension` field exactly as stored.
    pub fn quantized_dimension_raw(&self) -> i32 {
        self.quantized_dimension
    }

    /// Whether there is more than one (scale, zero point) pair.
    pub fn is_per_channel(&self) -> bool {
        self.len() > 1
    }
}

impl fmt::Debug for Quantization<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Quantization")
            .field("scales", &self.scales)
            .field("zero_points", &self.zero_points)
            .field("quantized_dimension", &self.quantized_dimension)
            .finish()
    }
}
