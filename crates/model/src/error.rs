//! Errors reported while verifying a model.

use core::fmt;

/// Why [`crate::Model::from_bytes`] rejected a file.
///
/// Every variant names the culprit: the subgraph, tensor, operator, buffer or
/// list position involved and, for size problems, the bytes needed and
/// present. Indices are 0-based positions in the corresponding flatbuffer
/// vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelError {
    /// The model bytes do not start at a 16-byte aligned address.
    ///
    /// Constant tensor data is read in place, so the file must be loaded at an
    /// address aligned like the flatbuffer expects (see
    /// [`crate::AlignedModelBytes`]).
    MisalignedBytes {
        /// `address % 16` of the first byte.
        address_mod_16: usize,
    },
    /// The file is too short to hold a flatbuffer root offset and identifier.
    TooShort {
        /// Length of the file in bytes.
        len: usize,
    },
    /// The file identifier (bytes 4..8) is not `TFL3`.
    WrongIdentifier {
        /// The four identifier bytes found.
        found: [u8; 4],
    },
    /// The flatbuffers verifier rejected the file's structure.
    InvalidFlatbuffer(FlatbufferError),
    /// `Model.version` is not 3.
    UnsupportedSchemaVersion {
        /// The version stored in the file.
        found: u32,
    },
    /// The model has no subgraph (subgraph 0 is the entry point).
    NoSubgraphs,
    /// Buffer 0, the "no data" sentinel every activation tensor points to,
    /// holds data.
    SentinelBufferNotEmpty {
        /// Bytes held by buffer 0.
        size: usize,
    },
    /// A buffer stored outside the flatbuffer (`offset`/`size`) does not lie
    /// inside the file.
    BufferOutOfFile {
        /// Index into `Model.buffers`.
        buffer: usize,
        /// The buffer's offset from the start of the file.
        offset: u64,
        /// The buffer's size in bytes.
        size: u64,
        /// Length of the file in bytes.
        file_len: usize,
    },
    /// A tensor refers to a buffer index beyond `Model.buffers`.
    BufferIndexOutOfRange {
        /// Subgraph holding the tensor.
        subgraph: usize,
        /// Tensor index within the subgraph.
        tensor: usize,
        /// The buffer index found.
        buffer: usize,
        /// Number of buffers in the model.
        buffer_count: usize,
    },
    /// A tensor index list entry is out of range (or -1 where an optional
    /// "absent" marker is not allowed).
    TensorIndexOutOfRange {
        /// Subgraph the index refers into.
        subgraph: usize,
        /// Which list, and where in it, holds the bad index.
        site: IndexSite,
        /// The index found.
        index: i64,
        /// Number of tensors in the subgraph.
        tensor_count: usize,
    },
    /// An operator's `opcode_index` is beyond `Model.operator_codes`.
    OpcodeIndexOutOfRange {
        /// Subgraph holding the operator.
        subgraph: usize,
        /// Operator index within the subgraph.
        operator: usize,
        /// The opcode index found.
        opcode_index: usize,
        /// Number of operator codes in the model.
        opcode_count: usize,
    },
    /// A tensor dimension is negative.
    NegativeDimension {
        /// Subgraph holding the tensor.
        subgraph: usize,
        /// Tensor index within the subgraph.
        tensor: usize,
        /// Position of the dimension in the shape.
        dim: usize,
        /// The dimension's value.
        value: i32,
    },
    /// The tensor's element count or byte size does not fit in `usize`.
    ShapeOverflow {
        /// Subgraph holding the tensor.
        subgraph: usize,
        /// Tensor index within the subgraph.
        tensor: usize,
    },
    /// A constant tensor's buffer holds fewer bytes than its shape and type
    /// require.
    BufferTooSmall {
        /// Subgraph holding the tensor.
        subgraph: usize,
        /// Tensor index within the subgraph.
        tensor: usize,
        /// Index into `Model.buffers`.
        buffer: usize,
        /// Bytes the tensor needs.
        needed: usize,
        /// Bytes the buffer holds.
        present: usize,
    },
    /// A tensor takes its data from an external file (`external_buffer`),
    /// which microlite does not support.
    ExternalBufferUnsupported {
        /// Subgraph holding the tensor.
        subgraph: usize,
        /// Tensor index within the subgraph.
        tensor: usize,
    },
    /// A tensor is stored in sparse form, which microlite does not support.
    SparseTensorUnsupported {
        /// Subgraph holding the tensor.
        subgraph: usize,
        /// Tensor index within the subgraph.
        tensor: usize,
    },
    /// A quantized tensor has a different number of scales and zero points.
    QuantizationCountMismatch {
        /// Subgraph holding the tensor.
        subgraph: usize,
        /// Tensor index within the subgraph.
        tensor: usize,
        /// Number of scales.
        scales: usize,
        /// Number of zero points.
        zero_points: usize,
    },
    /// A union field holds a value while its type tag is NONE or a type
    /// this schema does not know, so the value could not be verified:
    /// an operator's `builtin_options`/`builtin_options_2`, or a tensor's
    /// quantization `details`.
    UnverifiableUnion {
        /// Subgraph holding the operator or tensor.
        subgraph: usize,
        /// Which field, and the operator or tensor holding it.
        site: UnionSite,
        /// The type tag found.
        tag: u8,
    },
    /// A `Model.metadata` entry refers to a buffer index beyond
    /// `Model.buffers`.
    MetadataBufferOutOfRange {
        /// Index into `Model.metadata`.
        metadata: usize,
        /// The buffer index found.
        buffer: usize,
        /// Number of buffers in the model.
        buffer_count: usize,
    },
    /// A legacy `Model.metadata_buffer` entry is not a valid buffer index.
    LegacyMetadataBufferOutOfRange {
        /// Position in `Model.metadata_buffer`.
        position: usize,
        /// The buffer index found.
        buffer: i32,
        /// Number of buffers in the model.
        buffer_count: usize,
    },
    /// A signature refers to a subgraph index beyond `Model.subgraphs`.
    SignatureSubgraphOutOfRange {
        /// Index into `Model.signature_defs`.
        signature: usize,
        /// The subgraph index found.
        subgraph: usize,
        /// Number of subgraphs in the model.
        subgraph_count: usize,
    },
}

/// The union field behind [`ModelError::UnverifiableUnion`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnionSite {
    /// `Operator.builtin_options` of this operator.
    BuiltinOptions {
        /// Operator index within the subgraph.
        operator: usize,
    },
    /// `Operator.builtin_options_2` of this operator.
    BuiltinOptions2 {
        /// Operator index within the subgraph.
        operator: usize,
    },
    /// `QuantizationParameters.details` of this tensor.
    QuantizationDetails {
        /// Tensor index within the subgraph.
        tensor: usize,
    },
}

/// The list and position holding a tensor index, for
/// [`ModelError::TensorIndexOutOfRange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IndexSite {
    /// `SubGraph.inputs[position]`.
    SubgraphInput {
        /// Position in the list.
        position: usize,
    },
    /// `SubGraph.outputs[position]`.
    SubgraphOutput {
        /// Position in the list.
        position: usize,
    },
    /// `Operator.inputs[position]` of operator `operator`.
    OperatorInput {
        /// Operator index within the subgraph.
        operator: usize,
        /// Position in the list.
        position: usize,
    },
    /// `Operator.outputs[position]` of operator `operator`.
    OperatorOutput {
        /// Operator index within the subgraph.
        operator: usize,
        /// Position in the list.
        position: usize,
    },
    /// `Operator.intermediates[position]` of operator `operator`.
    OperatorIntermediate {
        /// Operator index within the subgraph.
        operator: usize,
        /// Position in the list.
        position: usize,
    },
    /// `SignatureDef.inputs[position]` of signature `signature`.
    SignatureInput {
        /// Index into `Model.signature_defs`.
        signature: usize,
        /// Position in the list.
        position: usize,
    },
    /// `SignatureDef.outputs[position]` of signature `signature`.
    SignatureOutput {
        /// Index into `Model.signature_defs`.
        signature: usize,
        /// Position in the list.
        position: usize,
    },
}

/// What the structural verifier found wrong, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlatbufferError {
    /// What the verifier found wrong.
    pub kind: FlatbufferErrorKind,
    /// Byte offset in the file where the problem was found, when known.
    pub position: Option<usize>,
    /// Innermost table field being verified, when known.
    pub field: Option<FieldName>,
}

/// The kind of structural flatbuffer error (the classes of the `flatbuffers`
/// crate's verifier, whose rules the verifier follows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlatbufferErrorKind {
    /// A required field is missing.
    MissingRequiredField,
    /// Only one of a union's type tag and value is present.
    InconsistentUnion,
    /// A string is not valid UTF-8.
    InvalidUtf8,
    /// A string lacks its NUL terminator.
    MissingNullTerminator,
    /// A value is not aligned for its type.
    Unaligned,
    /// An object extends beyond the end of the file.
    RangeOutOfBounds,
    /// A vtable offset points outside the file.
    SignedOffsetOutOfBounds,
    /// More tables than the verifier allows.
    TooManyTables,
    /// The object graph is implausibly large.
    ApparentSizeTooLarge,
    /// Tables nest deeper than the verifier allows.
    DepthLimitReached,
}

impl FlatbufferErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::MissingRequiredField => "missing required field",
            Self::InconsistentUnion => "union type and value disagree",
            Self::InvalidUtf8 => "string is not valid UTF-8",
            Self::MissingNullTerminator => "string lacks its NUL terminator",
            Self::Unaligned => "misaligned value",
            Self::RangeOutOfBounds => "object extends beyond the end of the file",
            Self::SignedOffsetOutOfBounds => "vtable offset points outside the file",
            Self::TooManyTables => "too many tables",
            Self::ApparentSizeTooLarge => "apparent size too large",
            Self::DepthLimitReached => "tables nested too deeply",
        }
    }
}

/// The schema field the verifier was checking when it found a problem.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FieldName {
    /// The table's index in the schema's layout.
    pub(crate) table: u8,
    /// The field's vtable slot.
    pub(crate) slot: u16,
}

impl FieldName {
    /// The schema table's name (`"Tensor"`).
    pub fn table(&self) -> &'static str {
        crate::schema::layout::TABLE_NAMES
            .get(usize::from(self.table))
            .copied()
            .unwrap_or("?")
    }

    /// The field's name (`"shape"`; `"<union>_type"` for a union's tag).
    pub fn field(&self) -> &'static str {
        let start = crate::schema::layout::TABLE_START
            .get(usize::from(self.table))
            .map_or(usize::MAX, |&s| usize::from(s));
        start
            .checked_add(usize::from(self.slot))
            .and_then(|k| crate::schema::layout::FIELD_NAMES.get(k))
            .copied()
            .unwrap_or("?")
    }
}

impl fmt::Debug for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.table(), self.field())
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.table(), self.field())
    }
}

impl fmt::Display for FlatbufferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.describe())?;
        if let Some(p) = self.position {
            write!(f, " at byte {p}")?;
        }
        if let Some(field) = self.field {
            write!(f, " (in field `{field}`)")?;
        }
        Ok(())
    }
}

impl fmt::Display for IndexSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::SubgraphInput { position } => write!(f, "subgraph input #{position}"),
            Self::SubgraphOutput { position } => write!(f, "subgraph output #{position}"),
            Self::OperatorInput { operator, position } => {
                write!(f, "operator {operator} input #{position}")
            }
            Self::OperatorOutput { operator, position } => {
                write!(f, "operator {operator} output #{position}")
            }
            Self::OperatorIntermediate { operator, position } => {
                write!(f, "operator {operator} intermediate #{position}")
            }
            Self::SignatureInput {
                signature,
                position,
            } => {
                write!(f, "signature {signature} input #{position}")
            }
            Self::SignatureOutput {
                signature,
                position,
            } => {
                write!(f, "signature {signature} output #{position}")
            }
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::MisalignedBytes { address_mod_16 } => write!(
                f,
                "model bytes must start at a 16-byte aligned address (address % 16 = \
                 {address_mod_16})"
            ),
            Self::TooShort { len } => {
                write!(
                    f,
                    "file of {len} bytes is too short to be a .tflite model (needs >= 8)"
                )
            }
            Self::WrongIdentifier { found } => write!(
                f,
                "file identifier is {:?}, expected \"TFL3\" (not a .tflite model?)",
                EscapedBytes(&found)
            ),
            Self::InvalidFlatbuffer(e) => write!(f, "malformed flatbuffer: {e}"),
            Self::UnsupportedSchemaVersion { found } => {
                write!(
                    f,
                    "unsupported schema version {found} (only version 3 is supported)"
                )
            }
            Self::NoSubgraphs => f.write_str("model has no subgraphs"),
            Self::SentinelBufferNotEmpty { size } => {
                write!(
                    f,
                    "buffer 0 must be the empty sentinel but holds {size} bytes"
                )
            }
            Self::BufferOutOfFile {
                buffer,
                offset,
                size,
                file_len,
            } => write!(
                f,
                "buffer {buffer} (offset {offset}, size {size}) extends beyond the end of the \
                 {file_len}-byte file"
            ),
            Self::BufferIndexOutOfRange {
                subgraph,
                tensor,
                buffer,
                buffer_count,
            } => write!(
                f,
                "subgraph {subgraph} tensor {tensor}: buffer index {buffer} out of range (model \
                 has {buffer_count} buffers)"
            ),
            Self::TensorIndexOutOfRange {
                subgraph,
                site,
                index,
                tensor_count,
            } => write!(
                f,
                "subgraph {subgraph}, {site}: tensor index {index} out of range (subgraph has \
                 {tensor_count} tensors)"
            ),
            Self::OpcodeIndexOutOfRange {
                subgraph,
                operator,
                opcode_index,
                opcode_count,
            } => {
                write!(
                    f,
                    "subgraph {subgraph} operator {operator}: opcode index {opcode_index} out of \
                     range (model has {opcode_count} operator codes)"
                )
            }
            Self::NegativeDimension {
                subgraph,
                tensor,
                dim,
                value,
            } => write!(
                f,
                "subgraph {subgraph} tensor {tensor}: dimension {dim} is negative ({value})"
            ),
            Self::ShapeOverflow { subgraph, tensor } => write!(
                f,
                "subgraph {subgraph} tensor {tensor}: element count or byte size overflows usize"
            ),
            Self::BufferTooSmall {
                subgraph,
                tensor,
                buffer,
                needed,
                present,
            } => write!(
                f,
                "subgraph {subgraph} tensor {tensor}: buffer {buffer} holds {present} bytes, \
                 shape and type need {needed}"
            ),
            Self::ExternalBufferUnsupported { subgraph, tensor } => write!(
                f,
                "subgraph {subgraph} tensor {tensor}: data in an external file is not supported"
            ),
            Self::SparseTensorUnsupported { subgraph, tensor } => {
                write!(
                    f,
                    "subgraph {subgraph} tensor {tensor}: sparse tensors are not supported"
                )
            }
            Self::QuantizationCountMismatch {
                subgraph,
                tensor,
                scales,
                zero_points,
            } => write!(
                f,
                "subgraph {subgraph} tensor {tensor}: {scales} quantization scales but \
                 {zero_points} zero points"
            ),
            Self::MetadataBufferOutOfRange {
                metadata,
                buffer,
                buffer_count,
            } => write!(
                f,
                "metadata {metadata}: buffer index {buffer} out of range (model has \
                 {buffer_count} buffers)"
            ),
            Self::LegacyMetadataBufferOutOfRange {
                position,
                buffer,
                buffer_count,
            } => write!(
                f,
                "metadata_buffer #{position}: buffer index {buffer} out of range (model has \
                 {buffer_count} buffers)"
            ),
            Self::SignatureSubgraphOutOfRange {
                signature,
                subgraph,
                subgraph_count,
            } => write!(
                f,
                "signature {signature}: subgraph index {subgraph} out of range (model has \
                 {subgraph_count} subgraphs)"
            ),
            Self::UnverifiableUnion {
                subgraph,
                site,
                tag,
            } => {
                let (what, field) = match site {
                    UnionSite::BuiltinOptions { operator } => {
                        (("operator", operator), "builtin_options")
                    }
                    UnionSite::BuiltinOptions2 { operator } => {
                        (("operator", operator), "builtin_options_2")
                    }
                    UnionSite::QuantizationDetails { tensor } => {
                        (("tensor", tensor), "quantization details")
                    }
                };
                write!(
                    f,
                    "subgraph {subgraph} {} {}: {field} present but its type tag {tag} is \
                     NONE or unknown",
                    what.0, what.1
                )
            }
        }
    }
}

impl core::error::Error for ModelError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::InvalidFlatbuffer(e) => Some(e),
            _ => None,
        }
    }
}

impl core::error::Error for FlatbufferError {}

/// Formats bytes like a byte-string literal (`"TFL3"`, `"\x00\x01.."`).
struct EscapedBytes<'a>(&'a [u8]);

impl fmt::Debug for EscapedBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for &b in self.0 {
            for c in core::ascii::escape_default(b) {
                write!(f, "{}", char::from(c))?;
            }
        }
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::{FlatbufferError, FlatbufferErrorKind, ModelError};
    use core::error::Error;
    use std::boxed::Box;
    use std::string::ToString;

    #[test]
    fn model_error_boxes_and_chains_to_the_flatbuffer_cause() {
        let cause = FlatbufferError {
            kind: FlatbufferErrorKind::RangeOutOfBounds,
            position: Some(12),
            field: None,
        };
        let boxed: Box<dyn Error> = ModelError::InvalidFlatbuffer(cause).into();
        assert_eq!(
            boxed.to_string(),
            "malformed flatbuffer: object extends beyond the end of the file at byte 12"
        );
        let source = boxed
            .source()
            .and_then(|s| s.downcast_ref::<FlatbufferError>());
        assert_eq!(source, Some(&cause));
        assert!(ModelError::NoSubgraphs.source().is_none());
    }
}
