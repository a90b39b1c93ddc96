//! The one-time verification [`crate::Model::from_bytes`] performs.
//!
//! Everything the typed views later rely on is established here, so that
//! they can be infallible.

use crate::buffer::buffer_bytes;
use crate::error::{IndexSite, ModelError, UnionSite};
use crate::flat::{self, FromTable, TableVector, Vector};
use crate::schema;
use crate::tensor_type::TensorType;

/// The `file_identifier` of TFLite schema-3 files.
const IDENTIFIER: [u8; 4] = schema::FILE_IDENTIFIER;
/// The only `Model.version` accepted.
const SCHEMA_VERSION: u32 = 3;
/// Required alignment of the first byte of the file.
const FILE_ALIGNMENT: usize = 16;

/// Verifies `file` completely and returns its root table.
pub(crate) fn verify(file: &[u8]) -> Result<schema::Model<'_>, ModelError> {
    check_header(file)?;
    let root = flat::verify::verify_root(file)
        .map(schema::Model::from_table)
        .map_err(ModelError::InvalidFlatbuffer)?;
    check_model(file, root)?;
    Ok(root)
}

/// The root table of `file` after only the checks that need no walk of the
/// file (length, alignment, identifier); for models verified beforehand.
#[cfg(feature = "trusted")]
pub(crate) fn trusted_root(file: &[u8]) -> Result<schema::Model<'_>, ModelError> {
    check_header(file)?;
    flat::Table::root(file)
        .map(schema::Model::from_table)
        .ok_or(ModelError::TooShort { len: file.len() })
}

/// Length, start address and file identifier.
fn check_header(file: &[u8]) -> Result<(), ModelError> {
    let found: [u8; 4] = file
        .get(4..8)
        .and_then(|id| id.try_into().ok())
        .ok_or(ModelError::TooShort { len: file.len() })?;
    let address_mod_16 = file.as_ptr().addr() % FILE_ALIGNMENT;
    if address_mod_16 != 0 {
        return Err(ModelError::MisalignedBytes { address_mod_16 });
    }
    if found != IDENTIFIER {
        return Err(ModelError::WrongIdentifier { found });
    }
    Ok(())
}

/// Every check of the model's contents (after the structural verification).
fn check_model(file: &[u8], root: schema::Model<'_>) -> Result<(), ModelError> {
    if root.version() != SCHEMA_VERSION {
        return Err(ModelError::UnsupportedSchemaVersion {
            found: root.version(),
        });
    }
    let subgraphs = root.subgraphs().unwrap_or_default();
    if subgraphs.is_empty() {
        return Err(ModelError::NoSubgraphs);
    }
    let facts = ModelFacts {
        file,
        buffers: root.buffers().unwrap_or_default(),
        opcode_count: root.operator_codes().map_or(0, |c| c.len()),
    };
    check_buffers(&facts)?;
    check_metadata(root, &facts)?;
    check_signatures(root, subgraphs)?;
    for (index, subgraph) in subgraphs.iter().enumerate() {
        check_subgraph(&facts, index, subgraph)?;
    }
    Ok(())
}

/// Model-wide facts the per-subgraph checks need.
struct ModelFacts<'a> {
    file: &'a [u8],
    buffers: TableVector<'a, schema::Buffer<'a>>,
    opcode_count: usize,
}

fn check_buffers(facts: &ModelFacts<'_>) -> Result<(), ModelError> {
    for (index, buffer) in facts.buffers.iter().enumerate() {
        let bytes = buffer_bytes(facts.file, buffer).ok_or(ModelError::BufferOutOfFile {
            buffer: index,
            offset: buffer.offset(),
            size: buffer.size(),
            file_len: facts.file.len(),
        })?;
        if index == 0 && !bytes.is_empty() {
            return Err(ModelError::SentinelBufferNotEmpty { size: bytes.len() });
        }
    }
    Ok(())
}

fn check_metadata(root: schema::Model<'_>, facts: &ModelFacts<'_>) -> Result<(), ModelError> {
    let buffer_count = facts.buffers.len();
    for (metadata, entry) in root.metadata().unwrap_or_default().iter().enumerate() {
        let buffer = usize::try_from(entry.buffer()).unwrap_or(usize::MAX);
        if buffer >= buffer_count {
            return Err(ModelError::MetadataBufferOutOfRange {
                metadata,
                buffer,
                buffer_count,
            });
        }
    }
    for (position, buffer) in root
        .metadata_buffer()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if usize::try_from(buffer).map_or(true, |b| b >= buffer_count) {
            return Err(ModelError::LegacyMetadataBufferOutOfRange {
                position,
                buffer,
                buffer_count,
            });
        }
    }
    Ok(())
}

fn check_signatures<'a>(
    root: schema::Model<'a>,
    subgraphs: TableVector<'a, schema::SubGraph<'a>>,
) -> Result<(), ModelError> {
    for (signature, def) in root.signature_defs().unwrap_or_default().iter().enumerate() {
        let subgraph = usize::try_from(def.subgraph_index()).unwrap_or(usize::MAX);
        if subgraph >= subgraphs.len() {
            return Err(ModelError::SignatureSubgraphOutOfRange {
                signature,
                subgraph,
                subgraph_count: subgraphs.len(),
            });
        }
        let tensor_count = subgraphs
            .get(subgraph)
            .and_then(|s| s.tensors())
            .map_or(0, |t| t.len());
        let lists = [
            (def.inputs(), SiteKind::SignatureInput(signature)),
            (def.outputs(), SiteKind::SignatureOutput(signature)),
        ];
        for (list, kind) in lists {
            for (position, map) in list.unwrap_or_default().iter().enumerate() {
                let index = i64::from(map.tensor_index());
                check_tensor_index(subgraph, kind.at(position), index, tensor_count, false)?;
            }
        }
    }
    Ok(())
}

fn check_subgraph(
    facts: &ModelFacts<'_>,
    index: usize,
    subgraph: schema::SubGraph<'_>,
) -> Result<(), ModelError> {
    let tensors = subgraph.tensors().unwrap_or_default();
    for (t, tensor) in tensors.iter().enumerate() {
        check_tensor(facts, index, t, tensor)?;
    }
    let tensor_count = tensors.len();
    let io = [
        (subgraph.inputs(), SiteKind::SubgraphInput),
        (subgraph.outputs(), SiteKind::SubgraphOutput),
    ];
    for (list, kind) in io {
        check_index_list(index, list, kind, tensor_count, false)?;
    }
    for (operator, op) in subgraph.operators().unwrap_or_default().iter().enumerate() {
        let opcode_index = usize::try_from(op.opcode_index()).unwrap_or(usize::MAX);
        if opcode_index >= facts.opcode_count {
            return Err(ModelError::OpcodeIndexOutOfRange {
                subgraph: index,
                operator,
                opcode_index,
                opcode_count: facts.opcode_count,
            });
        }
        check_operator_unions(index, operator, op)?;
        let lists = [
            (op.inputs(), SiteKind::OperatorInput(operator), true),
            (op.outputs(), SiteKind::OperatorOutput(operator), false),
            (
                op.intermediates(),
                SiteKind::OperatorIntermediate(operator),
                false,
            ),
        ];
        for (list, kind, allow_absent) in lists {
            check_index_list(index, list, kind, tensor_count, allow_absent)?;
        }
    }
    Ok(())
}

/// The flatbuffers verifier skips a union value whose tag is NONE or
/// unknown, so such a value must not exist: reject it here.
fn check_operator_unions(
    subgraph: usize,
    operator: usize,
    op: schema::Operator<'_>,
) -> Result<(), ModelError> {
    // Presence is read from the vtable: following the unverified offset
    // itself could read outside the file.
    let present = |field| op.table().field_offset(field) != 0;
    let options = op.builtin_options_type();
    if present(schema::Operator::VT_BUILTIN_OPTIONS)
        && !(1..=schema::BuiltinOptions::MEMBERS).contains(&options.0)
    {
        return Err(ModelError::UnverifiableUnion {
            subgraph,
            site: UnionSite::BuiltinOptions { operator },
            tag: options.0,
        });
    }
    let options_2 = op.builtin_options_2_type();
    if present(schema::Operator::VT_BUILTIN_OPTIONS_2)
        && !(1..=schema::BuiltinOptions2::MEMBERS).contains(&options_2.0)
    {
        return Err(ModelError::UnverifiableUnion {
            subgraph,
            site: UnionSite::BuiltinOptions2 { operator },
            tag: options_2.0,
        });
    }
    Ok(())
}

/// Which kind of list a tensor index sits in (its position is added by
/// [`SiteKind::at`]).
#[derive(Clone, Copy)]
enum SiteKind {
    SubgraphInput,
    SubgraphOutput,
    OperatorInput(usize),
    OperatorOutput(usize),
    OperatorIntermediate(usize),
    SignatureInput(usize),
    SignatureOutput(usize),
}

impl SiteKind {
    fn at(self, position: usize) -> IndexSite {
        match self {
            Self::SubgraphInput => IndexSite::SubgraphInput { position },
            Self::SubgraphOutput => IndexSite::SubgraphOutput { position },
            Self::OperatorInput(operator) => IndexSite::OperatorInput { operator, position },
            Self::OperatorOutput(operator) => IndexSite::OperatorOutput { operator, position },
            Self::OperatorIntermediate(operator) => {
                IndexSite::OperatorIntermediate { operator, position }
            }
            Self::SignatureInput(signature) => IndexSite::SignatureInput {
                signature,
                position,
            },
            Self::SignatureOutput(signature) => IndexSite::SignatureOutput {
                signature,
                position,
            },
        }
    }
}

fn check_index_list(
    subgraph: usize,
    list: Option<Vector<'_, i32>>,
    kind: SiteKind,
    tensor_count: usize,
    allow_absent: bool,
) -> Result<(), ModelError> {
    for (position, index) in list.unwrap_or_default().iter().enumerate() {
        check_tensor_index(
            subgraph,
            kind.at(position),
            i64::from(index),
            tensor_count,
            allow_absent,
        )?;
    }
    Ok(())
}

fn check_tensor_index(
    subgraph: usize,
    site: IndexSite,
    index: i64,
    tensor_count: usize,
    allow_absent: bool,
) -> Result<(), ModelError> {
    let in_range = usize::try_from(index).is_ok_and(|i| i < tensor_count);
    if in_range || (allow_absent && index == -1) {
        Ok(())
    } else {
        Err(ModelError::TensorIndexOutOfRange {
            subgraph,
            site,
            index,
            tensor_count,
        })
    }
}

fn check_tensor(
    facts: &ModelFacts<'_>,
    subgraph: usize,
    tensor: usize,
    raw: schema::Tensor<'_>,
) -> Result<(), ModelError> {
    if raw.external_buffer() != 0 {
        return Err(ModelError::ExternalBufferUnsupported { subgraph, tensor });
    }
    if raw.sparsity().is_some() {
        return Err(ModelError::SparseTensorUnsupported { subgraph, tensor });
    }
    let shape = raw.shape().unwrap_or_default();
    let mut element_count: usize = 1;
    for (dim, value) in shape.iter().enumerate() {
        let size = usize::try_from(value).map_err(|_| ModelError::NegativeDimension {
            subgraph,
            tensor,
            dim,
            value,
        })?;
        element_count = element_count
            .checked_mul(size)
            .ok_or(ModelError::ShapeOverflow { subgraph, tensor })?;
    }
    let dtype = TensorType::from_schema(raw.type_());
    let byte_size = dtype.storage_bytes(element_count);
    if byte_size.is_none() && dtype.bits_per_element().is_some() {
        return Err(ModelError::ShapeOverflow { subgraph, tensor });
    }
    check_tensor_buffer(facts, subgraph, tensor, raw, byte_size)?;
    check_quantization(subgraph, tensor, raw)
}

fn check_tensor_buffer(
    facts: &ModelFacts<'_>,
    subgraph: usize,
    tensor: usize,
    raw: schema::Tensor<'_>,
    byte_size: Option<usize>,
) -> Result<(), ModelError> {
    let buffer = usize::try_from(raw.buffer()).unwrap_or(usize::MAX);
    let buffer_count = facts.buffers.len();
    if buffer == 0 {
        // The sentinel: no constant data (even if the file has no buffers).
        return Ok(());
    }
    if buffer >= buffer_count {
        return Err(ModelError::BufferIndexOutOfRange {
            subgraph,
            tensor,
            buffer,
            buffer_count,
        });
    }
    let file = facts.file;
    let bytes = facts
        .buffers
        .get(buffer)
        .and_then(|b| buffer_bytes(file, b))
        .ok_or(ModelError::BufferIndexOutOfRange {
            subgraph,
            tensor,
            buffer,
            buffer_count,
        })?;
    if bytes.is_empty() {
        return Ok(());
    }
    if let Some(needed) = byte_size {
        if bytes.len() < needed {
            return Err(ModelError::BufferTooSmall {
                subgraph,
                tensor,
                buffer,
                needed,
                present: bytes.len(),
            });
        }
    }
    // Data misaligned for its type is accepted, as TFLM accepts it
    // (`Tensor::data_is_aligned` tells; the interpreter reads a copy).
    Ok(())
}

fn check_quantization(
    subgraph: usize,
    tensor: usize,
    raw: schema::Tensor<'_>,
) -> Result<(), ModelError> {
    let Some(q) = raw.quantization() else {
        return Ok(());
    };
    let details = q.details_type();
    if q.table()
        .field_offset(schema::QuantizationParameters::VT_DETAILS)
        != 0
        && !(1..=schema::QuantizationDetails::MEMBERS).contains(&details.0)
    {
        return Err(ModelError::UnverifiableUnion {
            subgraph,
            site: UnionSite::QuantizationDetails { tensor },
            tag: details.0,
        });
    }
    let scales = q.scale().map_or(0, |s| s.len());
    if scales == 0 {
        return Ok(());
    }
    let zero_points = q.zero_point().map_or(0, |z| z.len());
    if zero_points != scales {
        return Err(ModelError::QuantizationCountMismatch {
            subgraph,
            tensor,
            scales,
            zero_points,
        });
    }
    // Deliberately no check of `quantized_dimension` against the shape: TFLM
    // does not check it at load time, and real models rely on that (the
    // per-channel bias tensors of person_detect.tflite have rank 1 but
    // quantized_dimension 3). Kernels applying per-channel parameters check
    // the axis they need.
    Ok(())
}
