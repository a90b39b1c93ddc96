//! Where the semantically interesting fields of a model lie in its bytes.
//!
//! The committed bindings have no object API, so models are mutated in place:
//! the generated read-only accessors locate each scalar field (through the
//! table's vtable) and each vector (through its element bytes), and the
//! mutator overwrites those bytes. The flatbuffer stays structurally sound
//! while its contents turn hostile. Fields a writer left at their default
//! value are absent from the file and cannot be patched this way.

use microlite_model::flat::{FromTable, Scalar, Table, Vector};
use microlite_model::schema::{self, BuiltinOptions};

/// A vtable offset.
type VOffsetT = u16;

/// What a patchable field holds; decides its width and the values tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `i32` tensor index (subgraph or operator input/output).
    TensorIndex,
    /// `i32` dimension (tensor shape, RESHAPE `new_shape`).
    Dim,
    /// `i8` `TensorType`.
    TensorType,
    /// `u32` index into `Model.buffers`.
    BufferIndex,
    /// `f32` quantization scale.
    Scale,
    /// `i64` quantization zero point.
    ZeroPoint,
    /// `i32` small integer: quantized dimension, stride, dilation, filter
    /// size, depth multiplier, axis, mask.
    SmallInt,
    /// `u32` element count prefixing a vector.
    VectorLength,
    /// `u32` index into `Model.operator_codes`.
    OpcodeIndex,
    /// `i32` `BuiltinOperator`.
    BuiltinCode,
    /// `i8` deprecated builtin code.
    DeprecatedBuiltinCode,
    /// `i32` operator version.
    OpVersion,
    /// `i8` enum: padding, fused activation, weights format.
    Enum8,
    /// `u8` boolean.
    Bool,
    /// `f32` option value (softmax beta, leaky-relu alpha).
    Float,
    /// `u64` external buffer offset or size.
    BufferExtent,
    /// `u8` `BuiltinOptions` union tag.
    OptionsType,
    /// Constant tensor data of the given length in bytes (weights, bias,
    /// shape operands).
    ConstData(usize),
}

impl FieldKind {
    /// The kind with its payload erased (`ConstData(_)` → `ConstData(0)`),
    /// for grouping sites by kind.
    pub fn class(self) -> Self {
        match self {
            Self::ConstData(_) => Self::ConstData(0),
            other => other,
        }
    }

    /// Bytes the field occupies (for [`FieldKind::ConstData`], its length).
    pub fn width(self) -> usize {
        match self {
            Self::TensorType
            | Self::DeprecatedBuiltinCode
            | Self::Enum8
            | Self::Bool
            | Self::OptionsType => 1,
            Self::TensorIndex
            | Self::Dim
            | Self::BufferIndex
            | Self::Scale
            | Self::SmallInt
            | Self::VectorLength
            | Self::OpcodeIndex
            | Self::BuiltinCode
            | Self::OpVersion
            | Self::Float => 4,
            Self::ZeroPoint | Self::BufferExtent => 8,
            Self::ConstData(len) => len,
        }
    }
}

/// A patchable field: byte offset in the file and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    /// Offset of the field's first byte from the start of the file.
    pub offset: usize,
    /// What the field holds.
    pub kind: FieldKind,
}

/// Counts that make index mutations land near valid values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Census {
    /// Tensors in the largest subgraph.
    pub tensors: usize,
    /// Buffers.
    pub buffers: usize,
    /// Operator codes.
    pub opcodes: usize,
}

/// Every patchable field of a model whose root table is `root`, read from
/// the file starting at `file`.
pub fn collect(file: &[u8], root: schema::Model<'_>) -> (Vec<Site>, Census) {
    let mut c = Collector {
        base: file.as_ptr() as usize,
        sites: Vec::new(),
    };
    let mut census = Census::default();
    for code in root.operator_codes().unwrap_or_default() {
        let t = &code.table();
        c.field(
            t,
            schema::OperatorCode::VT_DEPRECATED_BUILTIN_CODE,
            FieldKind::DeprecatedBuiltinCode,
        );
        c.field(t, schema::OperatorCode::VT_VERSION, FieldKind::OpVersion);
        c.field(
            t,
            schema::OperatorCode::VT_BUILTIN_CODE,
            FieldKind::BuiltinCode,
        );
        census.opcodes += 1;
    }
    for buffer in root.buffers().unwrap_or_default() {
        if let Some(data) = buffer.data() {
            c.vector_length(data);
            if !data.is_empty() {
                let offset = c.offset_of(data.bytes());
                c.sites.push(Site {
                    offset,
                    kind: FieldKind::ConstData(data.len()),
                });
            }
        }
        c.field(
            &buffer.table(),
            schema::Buffer::VT_OFFSET,
            FieldKind::BufferExtent,
        );
        c.field(
            &buffer.table(),
            schema::Buffer::VT_SIZE,
            FieldKind::BufferExtent,
        );
        census.buffers += 1;
    }
    for subgraph in root.subgraphs().unwrap_or_default() {
        c.scalar_vector(subgraph.inputs(), FieldKind::TensorIndex);
        c.scalar_vector(subgraph.outputs(), FieldKind::TensorIndex);
        let tensors = subgraph.tensors().unwrap_or_default();
        census.tensors = census.tensors.max(tensors.len());
        for tensor in tensors {
            c.tensor(tensor);
        }
        for op in subgraph.operators().unwrap_or_default() {
            c.operator(op);
        }
    }
    (c.sites, census)
}

struct Collector {
    base: usize,
    sites: Vec<Site>,
}

impl Collector {
    fn offset_of(&self, bytes: &[u8]) -> usize {
        (bytes.as_ptr() as usize).wrapping_sub(self.base)
    }

    /// A scalar field of `table`, if the file stores it.
    fn field(&mut self, table: &Table<'_>, voffset: VOffsetT, kind: FieldKind) {
        let at = table.field_offset(voffset);
        if at != 0 {
            self.sites.push(Site {
                offset: table.position() + usize::from(at),
                kind,
            });
        }
    }

    fn vector_length<T: Scalar>(&mut self, v: Vector<'_, T>) {
        let offset = self.offset_of(v.raw_bytes()).wrapping_sub(4);
        self.sites.push(Site {
            offset,
            kind: FieldKind::VectorLength,
        });
    }

    /// Every element of a vector of `width`-byte scalars, and its length.
    fn scalar_vector<T: Scalar>(&mut self, v: Option<Vector<'_, T>>, kind: FieldKind) {
        let Some(v) = v else { return };
        self.vector_length(v);
        let start = self.offset_of(v.raw_bytes());
        for i in 0..v.len() {
            self.sites.push(Site {
                offset: start + i * kind.width(),
                kind,
            });
        }
    }

    fn tensor(&mut self, tensor: schema::Tensor<'_>) {
        let t = &tensor.table();
        self.scalar_vector(tensor.shape(), FieldKind::Dim);
        self.field(t, schema::Tensor::VT_TYPE, FieldKind::TensorType);
        self.field(t, schema::Tensor::VT_BUFFER, FieldKind::BufferIndex);
        self.field(t, schema::Tensor::VT_IS_VARIABLE, FieldKind::Bool);
        if let Some(q) = tensor.quantization() {
            self.scalar_vector(q.scale(), FieldKind::Scale);
            self.scalar_vector(q.zero_point(), FieldKind::ZeroPoint);
            let qt = &q.table();
            self.field(
                qt,
                schema::QuantizationParameters::VT_QUANTIZED_DIMENSION,
                FieldKind::SmallInt,
            );
        }
    }

    fn operator(&mut self, op: schema::Operator<'_>) {
        let t = &op.table();
        self.field(t, schema::Operator::VT_OPCODE_INDEX, FieldKind::OpcodeIndex);
        self.scalar_vector(op.inputs(), FieldKind::TensorIndex);
        self.scalar_vector(op.outputs(), FieldKind::TensorIndex);
        self.field(
            t,
            schema::Operator::VT_BUILTIN_OPTIONS_TYPE,
            FieldKind::OptionsType,
        );
        // The verifier checks the options table only for a known, non-NONE
        // tag; never follow the offset otherwise.
        let tag = op.builtin_options_type();
        if tag != BuiltinOptions::NONE && tag.variant_name().is_some() {
            if let Some(options) = op.builtin_options() {
                self.options(tag, &options);
            }
        }
        if let Some(reshape) = op.builtin_options_as_reshape_options() {
            self.scalar_vector(reshape.new_shape(), FieldKind::Dim);
        }
        if let Some(squeeze) = op.builtin_options_as_squeeze_options() {
            self.scalar_vector(squeeze.squeeze_dims(), FieldKind::SmallInt);
        }
    }

    fn options(&mut self, kind: BuiltinOptions, t: &Table<'_>) {
        use schema::*;
        use FieldKind::{Bool, Enum8, Float, SmallInt, TensorType};
        let fields: &[(VOffsetT, FieldKind)] = match kind {
            BuiltinOptions::Conv2DOptions => &[
                (Conv2DOptions::VT_PADDING, Enum8),
                (Conv2DOptions::VT_STRIDE_W, SmallInt),
                (Conv2DOptions::VT_STRIDE_H, SmallInt),
                (Conv2DOptions::VT_FUSED_ACTIVATION_FUNCTION, Enum8),
                (Conv2DOptions::VT_DILATION_W_FACTOR, SmallInt),
                (Conv2DOptions::VT_DILATION_H_FACTOR, SmallInt),
                (Conv2DOptions::VT_QUANTIZED_BIAS_TYPE, TensorType),
            ],
            BuiltinOptions::DepthwiseConv2DOptions => &[
                (DepthwiseConv2DOptions::VT_PADDING, Enum8),
                (DepthwiseConv2DOptions::VT_STRIDE_W, SmallInt),
                (DepthwiseConv2DOptions::VT_STRIDE_H, SmallInt),
                (DepthwiseConv2DOptions::VT_DEPTH_MULTIPLIER, SmallInt),
                (DepthwiseConv2DOptions::VT_FUSED_ACTIVATION_FUNCTION, Enum8),
                (DepthwiseConv2DOptions::VT_DILATION_W_FACTOR, SmallInt),
                (DepthwiseConv2DOptions::VT_DILATION_H_FACTOR, SmallInt),
            ],
            BuiltinOptions::Pool2DOptions => &[
                (Pool2DOptions::VT_PADDING, Enum8),
                (Pool2DOptions::VT_STRIDE_W, SmallInt),
                (Pool2DOptions::VT_STRIDE_H, SmallInt),
                (Pool2DOptions::VT_FILTER_WIDTH, SmallInt),
                (Pool2DOptions::VT_FILTER_HEIGHT, SmallInt),
                (Pool2DOptions::VT_FUSED_ACTIVATION_FUNCTION, Enum8),
            ],
            BuiltinOptions::FullyConnectedOptions => &[
                (FullyConnectedOptions::VT_FUSED_ACTIVATION_FUNCTION, Enum8),
                (FullyConnectedOptions::VT_WEIGHTS_FORMAT, Enum8),
                (FullyConnectedOptions::VT_KEEP_NUM_DIMS, Bool),
                (FullyConnectedOptions::VT_ASYMMETRIC_QUANTIZE_INPUTS, Bool),
                (FullyConnectedOptions::VT_QUANTIZED_BIAS_TYPE, TensorType),
            ],
            BuiltinOptions::SoftmaxOptions => &[(SoftmaxOptions::VT_BETA, Float)],
            BuiltinOptions::ConcatenationOptions => &[
                (ConcatenationOptions::VT_AXIS, SmallInt),
                (ConcatenationOptions::VT_FUSED_ACTIVATION_FUNCTION, Enum8),
            ],
            BuiltinOptions::AddOptions => &[
                (AddOptions::VT_FUSED_ACTIVATION_FUNCTION, Enum8),
                (AddOptions::VT_POT_SCALE_INT16, Bool),
            ],
            BuiltinOptions::MulOptions => &[(MulOptions::VT_FUSED_ACTIVATION_FUNCTION, Enum8)],
            BuiltinOptions::SubOptions => &[
                (SubOptions::VT_FUSED_ACTIVATION_FUNCTION, Enum8),
                (SubOptions::VT_POT_SCALE_INT16, Bool),
            ],
            BuiltinOptions::ReducerOptions => &[(ReducerOptions::VT_KEEP_DIMS, Bool)],
            BuiltinOptions::StridedSliceOptions => &[
                (StridedSliceOptions::VT_BEGIN_MASK, SmallInt),
                (StridedSliceOptions::VT_END_MASK, SmallInt),
                (StridedSliceOptions::VT_ELLIPSIS_MASK, SmallInt),
                (StridedSliceOptions::VT_NEW_AXIS_MASK, SmallInt),
                (StridedSliceOptions::VT_SHRINK_AXIS_MASK, SmallInt),
                (StridedSliceOptions::VT_OFFSET, Bool),
            ],
            BuiltinOptions::LeakyReluOptions => &[(LeakyReluOptions::VT_ALPHA, Float)],
            _ => &[],
        };
        for &(voffset, kind) in fields {
            self.field(t, voffset, kind);
        }
    }
}
