//! Tensors of a subgraph.

use core::fmt;

use crate::buffer::buffer_bytes;
use crate::model::ModelRef;
use crate::quantization::Quantization;
use crate::schema;
use crate::shape::Shape;
use crate::tensor_type::TensorType;

/// A tensor of a verified model.
#[derive(Clone, Copy)]
pub struct Tensor<'a> {
    model: ModelRef<'a>,
    index: usize,
    raw: schema::Tensor<'a>,
}

impl<'a> Tensor<'a> {
    pub(crate) fn new(model: ModelRef<'a>, index: usize, raw: schema::Tensor<'a>) -> Self {
        Self { model, index, raw }
    }

    /// Index of this tensor in its subgraph.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The tensor's name (empty if the file has none).
    pub fn name(&self) -> &'a str {
        self.raw.name().unwrap_or("")
    }

    /// Element type.
    pub fn dtype(&self) -> TensorType {
        TensorType::from_schema(self.raw.type_())
    }

    /// Dimensions.
    pub fn shape(&self) -> Shape<'a> {
        Shape::new(self.raw.shape())
    }

    /// Number of elements (product of the dimensions, 1 for a scalar).
    pub fn element_count(&self) -> usize {
        self.shape().element_count()
    }

    /// Bytes needed to store the tensor (sub-byte types packed, rounded up);
    /// `None` for variable-size and unknown types.
    pub fn byte_size(&self) -> Option<usize> {
        self.dtype().storage_bytes(self.element_count())
    }

    /// Index into the model's buffers (0: no constant data).
    pub fn buffer_index(&self) -> usize {
        usize::try_from(self.raw.buffer()).unwrap_or(usize::MAX)
    }

    /// Whether the tensor has constant data in the model (its buffer index is
    /// not 0 and the buffer is non-empty).
    pub fn is_constant(&self) -> bool {
        self.buffer_contents().is_some_and(|b| !b.is_empty())
    }

    /// The constant data: exactly [`byte_size`](Self::byte_size) bytes, or
    /// the whole buffer for variable-size types. `None` for non-constant
    /// tensors. The slice may be misaligned for the element type (TFLM
    /// loads such files; see [`data_is_aligned`](Self::data_is_aligned)).
    pub fn data(&self) -> Option<&'a [u8]> {
        let bytes = self.buffer_contents().filter(|b| !b.is_empty())?;
        match self.byte_size() {
            Some(n) => bytes.get(..n),
            None => Some(bytes),
        }
    }

    /// Whether [`data`](Self::data) starts at an address aligned for the
    /// element type ([`TensorType::alignment`]); true for non-constant
    /// tensors. Converters sometimes store, e.g., int64 biases at offsets
    /// that are multiples of 4 only; a runtime then reads a copy.
    pub fn data_is_aligned(&self) -> bool {
        self.data()
            .is_none_or(|d| (d.as_ptr() as usize).is_multiple_of(self.dtype().alignment()))
    }

    /// Where [`data`](Self::data) lies in [`Model::bytes`](crate::Model::bytes),
    /// so a runtime can keep two integers instead of walking the flatbuffer
    /// on every read. `None` for non-constant tensors.
    pub fn data_range(&self) -> Option<core::ops::Range<usize>> {
        let data = self.data()?;
        let start = (data.as_ptr() as usize).checked_sub(self.model.file.as_ptr() as usize)?;
        Some(start..start.checked_add(data.len())?)
    }

    /// Whether the tensor is a variable (state kept across invocations).
    pub fn is_variable(&self) -> bool {
        self.raw.is_variable()
    }

    /// Affine quantization parameters, if the tensor has at least one scale.
    pub fn quantization(&self) -> Option<Quantization<'a>> {
        let q = self.raw.quantization()?;
        let scales = q.scale().filter(|s| !s.is_empty())?;
        let zero_points = q.zero_point()?;
        Some(Quantization::new(
            scales,
            zero_points,
            q.quantized_dimension(),
        ))
    }

    /// The generated flatbuffer table, for fields this view does not cover.
    pub fn raw(&self) -> schema::Tensor<'a> {
        self.raw
    }

    fn buffer_contents(&self) -> Option<&'a [u8]> {
        let index = self.buffer_index();
        if index == 0 {
            return None;
        }
        let buffer = self.model.root.buffers()?.get(index)?;
        buffer_bytes(self.model.file, buffer)
    }
}

impl fmt::Debug for Tensor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tensor")
            .field("index", &self.index)
            .field("name", &self.name())
            .field("dtype", &self.dtype())
            .field("shape", &self.shape())
            .field("constant", &self.is_constant())
            .field("quantization", &self.quantization())
            .finish()
    }
}
