//! The verified model view.

use core::fmt;

use crate::buffer::buffer_bytes;
use crate::error::ModelError;
use crate::schema;
use crate::subgraph::Subgraph;
use crate::verify::verify;

/// The file bytes and root table shared by all views of one model.
#[derive(Clone, Copy)]
pub(crate) struct ModelRef<'a> {
    /// The whole file (buffers may refer to bytes after the flatbuffer).
    pub(crate) file: &'a [u8],
    pub(crate) root: schema::Model<'a>,
}

/// A verified, zero-copy view of a `.tflite` model.
///
/// [`Model::from_bytes`] checks the whole file once; afterwards every accessor
/// here and on [`Subgraph`], [`Tensor`](crate::Tensor) and
/// [`Operator`](crate::Operator) is infallible (returning `Option` only for
/// genuinely optional facts or out-of-range requests) and never panics.
#[derive(Clone, Copy)]
pub struct Model<'a> {
    inner: ModelRef<'a>,
    main: schema::SubGraph<'a>,
}

impl<'a> Model<'a> {
    /// Verifies `bytes` as a TFLite schema-3 model and returns a view of it.
    ///
    /// `bytes` must start at a 16-byte aligned address (flatbuffers align
    /// constant buffers relative to the start of the file, and tensor data is
    /// read in place); use [`AlignedModelBytes`](crate::AlignedModelBytes),
    /// [`include_model!`](crate::include_model) or
    /// [`aligned_window`](crate::aligned_window) to arrange that. No byte is
    /// copied.
    ///
    /// Checked: alignment, file identifier `TFL3`, flatbuffer structure
    /// (every table, vector and string inside the file and aligned), schema version 3, at least one subgraph, every
    /// tensor/buffer/opcode/subgraph index, shapes (non-negative, sizes fit
    /// `usize`), constant buffers large enough and aligned for their tensors,
    /// buffers stored after the flatbuffer lying inside the file, and
    /// quantization parameter counts.
    #[inline(never)]
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, ModelError> {
        Self::with_root(bytes, verify(bytes)?)
    }

    fn with_root(bytes: &'a [u8], root: schema::Model<'a>) -> Result<Self, ModelError> {
        let main = root
            .subgraphs()
            .and_then(|s| s.get(0))
            .ok_or(ModelError::NoSubgraphs)?;
        Ok(Self {
            inner: ModelRef { file: bytes, root },
            main,
        })
    }

    /// A view of `bytes` after only the checks that cost nothing: length,
    /// 16-byte alignment, the `TFL3` identifier, schema version 3 and a
    /// subgraph 0. For models verified ahead of time (on the host at build
    /// time, e.g. by `microlite-build` or `microlite inspect`) and baked into
    /// flash: it saves the verification's instructions at start-up and, when
    /// [`from_bytes`](Self::from_bytes) is not linked at all, its code.
    ///
    /// Every read stays bounds-checked, so no file can make this view, or the
    /// interpreter reading it, panic or touch memory outside `bytes`. But a
    /// malformed file is no longer rejected up front: it may fail later with
    /// another error, or run and compute garbage. Never use it on bytes that
    /// were not verified by [`from_bytes`](Self::from_bytes) first.
    #[cfg(feature = "trusted")]
    pub fn from_bytes_trusted(bytes: &'a [u8]) -> Result<Self, ModelError> {
        let root = crate::verify::trusted_root(bytes)?;
        if root.version() != 3 {
            return Err(ModelError::UnsupportedSchemaVersion {
                found: root.version(),
            });
        }
        Self::with_root(bytes, root)
    }

    /// The file bytes this view reads.
    pub fn bytes(&self) -> &'a [u8] {
        self.inner.file
    }

    /// Schema version (always 3 after verification).
    pub fn version(&self) -> u32 {
        self.inner.root.version()
    }

    /// Free-form description written by the converter.
    pub fn description(&self) -> Option<&'a str> {
        self.inner.root.description()
    }

    /// Number of subgraphs (at least 1).
    pub fn subgraph_count(&self) -> usize {
        self.inner.root.subgraphs().map_or(0, |s| s.len())
    }

    /// Subgraph `i`, or `None` if `i >= subgraph_count()`.
    pub fn subgraph(&self, i: usize) -> Option<Subgraph<'a>> {
        self.inner
            .root
            .subgraphs()
            .and_then(|s| s.get(i))
            .map(|s| Subgraph::new(self.inner, i, s))
    }

    /// All subgraphs in index order.
    pub fn subgraphs(&self) -> impl ExactSizeIterator<Item = Subgraph<'a>> + 'a {
        let inner = self.inner;
        let subgraphs = inner.root.subgraphs().unwrap_or_default();
        subgraphs
            .iter()
            .enumerate()
            .map(move |(i, s)| Subgraph::new(inner, i, s))
    }

    /// Subgraph 0, the model's entry point.
    pub fn main_subgraph(&self) -> Subgraph<'a> {
        Subgraph::new(self.inner, 0, self.main)
    }

    /// Bytes of the first metadata entry named `name`.
    pub fn metadata(&self, name: &str) -> Option<&'a [u8]> {
        let entry = self
            .inner
            .root
            .metadata()?
            .iter()
            .find(|m| m.name() == Some(name))?;
        let buffer = self
            .inner
            .root
            .buffers()?
            .get(usize::try_from(entry.buffer()).ok()?)?;
        buffer_bytes(self.inner.file, buffer)
    }

    /// Names of the metadata entries (empty string for unnamed ones).
    pub fn metadata_names(&self) -> impl ExactSizeIterator<Item = &'a str> + 'a {
        let metadata = self.inner.root.metadata().unwrap_or_default();
        metadata.iter().map(|m| m.name().unwrap_or(""))
    }

    /// Number of operator codes.
    pub fn operator_code_count(&self) -> usize {
        self.inner.root.operator_codes().map_or(0, |c| c.len())
    }

    /// Number of buffers (including the empty sentinel buffer 0).
    pub fn buffer_count(&self) -> usize {
        self.inner.root.buffers().map_or(0, |b| b.len())
    }

    /// The generated root table, an escape hatch for fields this view does
    /// not cover (signature defs, ...).
    pub fn raw(&self) -> schema::Model<'a> {
        self.inner.root
    }
}

impl fmt::Debug for Model<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("bytes", &self.inner.file.len())
            .field("version", &self.version())
            .field("description", &self.description())
            .field("subgraphs", &self.subgraph_count())
            .field("operator_codes", &self.operator_code_count())
            .field("buffers", &self.buffer_count())
            .finish()
    }
}
