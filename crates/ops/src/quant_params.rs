//! Reading and checking tensors' quantization parameters at prepare time.

use microlite_model::{Quantization, Tensor, TensorType};

use crate::error::OpError;

/// Per-tensor affine quantization: `real = scale * (q - zero_point)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AffineQuant {
    /// Scale; finite and positive.
    pub scale: f32,
    /// Zero point; within the dtype's range.
    pub zero_point: i32,
}

/// The representable range of an integer dtype.
pub fn integer_range(dtype: TensorType) -> Option<(i32, i32)> {
    Some(match dtype {
        TensorType::Int8 => (i8::MIN.into(), i8::MAX.into()),
        TensorType::UInt8 => (u8::MIN.into(), u8::MAX.into()),
        TensorType::Int16 => (i16::MIN.into(), i16::MAX.into()),
        TensorType::Int4 => (-8, 7),
        _ => return None,
    })
}

fn bad(tensor: &Tensor<'_>, what: &'static str) -> OpError {
    OpError::BadQuantization {
        tensor: tensor.index(),
        what,
    }
}

/// Checks scale #`channel` of `tensor`: finite and positive.
fn check_scale(tensor: &Tensor<'_>, channel: usize, scale: f32) -> Result<f32, OpError> {
    if scale.is_finite() && scale > 0.0 {
        Ok(scale)
    } else {
        Err(OpError::BadScale {
            tensor: tensor.index(),
            channel,
            scale,
        })
    }
}

fn check_zero_point(tensor: &Tensor<'_>, zp: i64) -> Result<i32, OpError> {
    let (min, max) = integer_range(tensor.dtype()).unwrap_or((i32::MIN, i32::MAX));
    let out_of_range = OpError::ZeroPointOutOfRange {
        tensor: tensor.index(),
        zero_point: zp,
        min,
        max,
    };
    if zp < i64::from(min) || zp > i64::from(max) {
        return Err(out_of_range);
    }
    i32::try_from(zp).map_err(|_| out_of_range)
}

/// The tensor's per-tensor quantization (the first entry when there are
/// several, as TFLM reads `params.scale`), checked: finite positive scale,
/// zero point in the dtype's range.
pub fn affine(tensor: &Tensor<'_>) -> Result<AffineQuant, OpError> {
    let q = tensor
        .quantization()
        .ok_or(bad(tensor, "missing quantization parameters"))?;
    let scale = q.scale(0).ok_or(bad(tensor, "missing scale"))?;
    let zp = q.zero_point(0).ok_or(bad(tensor, "missing zero point"))?;
    Ok(AffineQuant {
        scale: check_scale(tensor, 0, scale)?,
        zero_point: check_zero_point(tensor, zp)?,
    })
}

/// Like [`affine`], and additionally require the zero point to be 0.
pub fn symmetric(tensor: &Tensor<'_>) -> Result<AffineQuant, OpError> {
    let q = affine(tensor)?;
    if q.zero_point != 0 {
        return Err(bad(tensor, "zero point must be 0"));
    }
    Ok(q)
}

/// Per-channel filter scales: either one scale (per-tensor) or exactly
/// `channels` scales along `expected_dim`. Returns the scale count (1 or
/// `channels`). Every scale must be finite and positive and every zero point 0.
pub fn filter_scales(
    tensor: &Tensor<'_>,
    channels: usize,
    expected_dim: usize,
) -> Result<usize, OpError> {
    let q = tensor
        .quantization()
        .ok_or(bad(tensor, "missing quantization parameters"))?;
    let n = q.len();
    if n == 0 {
        return Err(bad(tensor, "missing scale"));
    }
    if n != 1 {
        if n != channels {
            return Err(OpError::ChannelCountMismatch {
                tensor: tensor.index(),
                scales: n,
                channels,
            });
        }
        if q.quantized_dimension() != expected_dim {
            return Err(bad(
                tensor,
                "per-channel quantized_dimension is not the channel axis",
            ));
        }
    }
    for k in 0..n {
        check_scale(tensor, k, q.scale(k).ok_or(bad(tensor, "missing scale"))?)?;
        let zp = q.zero_point(k).ok_or(bad(tensor, "missing zero point"))?;
        if zp != 0 {
            return Err(bad(tensor, "filter zero point must be 0"));
        }
    }
    Ok(n)
}

/// The scales of a filter [`filter_scales`] checked, located once for
/// reading many ([`filter_scale`] looks them up on every call).
pub struct FilterScales<'m> {
    scales: Option<Quantization<'m>>,
    per_tensor: bool,
}

impl<'m> FilterScales<'m> {
    /// The scales of `tensor`.
    pub fn of(tensor: &Tensor<'m>) -> Self {
        let scales = tensor.quantization();
        Self {
            per_tensor: scales.is_none_or(|q| q.len() == 1),
            scales,
        }
    }

    /// Scale of channel `k` (scale 0 when per-tensor); 0.0 if absent.
    pub fn get(&self, k: usize) -> f32 {
        let k = if self.per_tensor { 0 } else { k };
        self.scales.and_then(|q| q.scale(k)).unwrap_or(0.0)
    }
}

/// Scale `k` of a tensor whose scales [`filter_scales`] checked (scale 0 if
/// the tensor is per-tensor).
pub fn filter_scale(tensor: &Tensor<'_>, k: usize) -> f32 {
    tensor
        .quantization()
        .and_then(|q| if q.len() == 1 { q.scale(0) } else { q.scale(k) })
        .unwrap_or(0.0)
}
