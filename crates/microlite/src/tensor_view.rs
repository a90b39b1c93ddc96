//! Typed views of model input and output tensors.

use bytemuck::Pod;
use microlite_model::{Quantization, Shape, TensorType};

use crate::error::Error;

/// A Rust element type that corresponds to exactly one [`TensorType`].
pub trait Element: Pod {
    /// The tensor dtype whose elements are `Self`.
    const DTYPE: TensorType;
}

macro_rules! element {
    ($t:ty, $d:ident) => {
        impl Element for $t {
            const DTYPE: TensorType = TensorType::$d;
        }
    };
}
element!(i8, Int8);
element!(u8, UInt8);
element!(i16, Int16);
element!(u16, UInt16);
element!(i32, Int32);
element!(u32, UInt32);
element!(i64, Int64);
element!(u64, UInt64);
element!(f32, Float32);
element!(f64, Float64);

/// Metadata shared by both view kinds.
#[derive(Clone, Copy)]
pub struct TensorInfo<'m> {
    pub(crate) index: usize,
    pub(crate) dtype: TensorType,
    pub(crate) shape: Shape<'m>,
    pub(crate) quantization: Option<Quantization<'m>>,
}

impl<'m> TensorInfo<'m> {
    /// Index in the subgraph's tensor table.
    pub fn index(&self) -> usize {
        self.index
    }
    /// Element type.
    pub fn dtype(&self) -> TensorType {
        self.dtype
    }
    /// Shape.
    pub fn shape(&self) -> Shape<'m> {
        self.shape
    }
    /// Per-tensor scale (the first scale for per-channel tensors).
    pub fn scale(&self) -> Option<f32> {
        self.quantization.as_ref().and_then(|q| q.scale(0))
    }
    /// Per-tensor zero point (the first for per-channel tensors).
    pub fn zero_point(&self) -> Option<i64> {
        self.quantization.as_ref().and_then(|q| q.zero_point(0))
    }
    /// Full quantization parameters, if any.
    pub fn quantization(&self) -> Option<Quantization<'m>> {
        self.quantization
    }

    fn check<T: Element>(&self) -> Result<(), Error> {
        if T::DTYPE == self.dtype {
            Ok(())
        } else {
            Err(Error::WrongElementType {
                tensor: self.index,
                dtype: self.dtype,
                requested: T::DTYPE,
            })
        }
    }
}

/// Read-only view of a tensor (a model output, or an input).
pub struct TensorView<'v, 'm> {
    pub(crate) info: TensorInfo<'m>,
    pub(crate) bytes: &'v [u8],
}

impl<'v, 'm> TensorView<'v, 'm> {
    /// Metadata: dtype, shape, quantization.
    pub fn info(&self) -> &TensorInfo<'m> {
        &self.info
    }
    /// The raw bytes (little-endian elements).
    pub fn bytes(&self) -> &'v [u8] {
        self.bytes
    }
    /// The elements as `T`; an error if `T` is not the tensor's dtype.
    pub fn as_slice<T: Element>(&self) -> Result<&'v [T], Error> {
        self.info.check::<T>()?;
        bytemuck::try_cast_slice(self.bytes).map_err(|_| Error::Internal("tensor misaligned"))
    }
}

/// Writable view of a model input.
pub struct TensorViewMut<'v, 'm> {
    pub(crate) info: TensorInfo<'m>,
    pub(crate) bytes: &'v mut [u8],
}

impl<'v, 'm> TensorViewMut<'v, 'm> {
    /// Metadata: dtype, shape, quantization.
    pub fn info(&self) -> &TensorInfo<'m> {
        &self.info
    }
    /// The raw bytes (little-endian elements).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.bytes
    }
    /// The elements as `T`; an error if `T` is not the tensor's dtype.
    pub fn as_slice_mut<T: Element>(&mut self) -> Result<&mut [T], Error> {
        self.info.check::<T>()?;
        bytemuck::try_cast_slice_mut(self.bytes).map_err(|_| Error::Internal("tensor misaligned"))
    }
    /// Copy `values` in; an error if the dtype or the element count differs.
    pub fn copy_from<T: Element>(&mut self, values: &[T]) -> Result<(), Error> {
        let index = self.info.index;
        let dst = self.as_slice_mut::<T>()?;
        if dst.len() != values.len() {
            return Err(Error::WrongElementCount {
                tensor: index,
                expected: dst.len(),
                found: values.len(),
            });
        }
        dst.copy_from_slice(values);
        Ok(())
    }
}
