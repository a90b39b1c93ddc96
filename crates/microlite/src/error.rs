//! The interpreter's error type.

use core::fmt;

use microlite_arena::planner::PlanError;
use microlite_model::{BuiltinOperator, ModelError, TensorType};
use microlite_ops::{OpError, ResolverError};

/// Everything that can go wrong between filling a resolver, loading a model
/// and invoking it. Every variant names its culprit.
///
/// [`ModelError`] (from `Model::from_bytes`), [`ResolverError`] (from
/// `OpResolver::add`) and [`PlanError`] convert into it, so one `?` works on
/// all of them in a function returning `Result<_, microlite::Error>`; it
/// implements [`core::error::Error`], so `?` also works into
/// `Box<dyn std::error::Error>`, and [`source`](core::error::Error::source)
/// gives the wrapped error (for [`Error::Op`], the [`OpError`], whose own
/// source is the kernel's error when a kernel rejected its arguments).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Error {
    /// The model bytes failed verification.
    Model(ModelError),
    /// An op could not be added to the resolver (`OpResolver::add` or
    /// `add_custom`: full, the op registered twice, or a custom op added
    /// without its custom code).
    Resolver(ResolverError),
    /// The model uses ops the resolver does not have: the first here,
    /// every one in `missing`.
    UnsupportedOp {
        /// Operator index in subgraph 0 (the first using a missing op).
        operator: usize,
        /// The op, e.g. `BuiltinOperator::CONV_2D` (`op.variant_name()`
        /// gives its name).
        op: BuiltinOperator,
        /// Operator version.
        version: i32,
        /// For a custom op, its custom code.
        custom_code: OpCode,
        /// Every op of the model the resolver lacks.
        missing: MissingOps,
    },
    /// An op rejected its operator in prepare (dtype, options, shapes...).
    Op {
        /// Operator index in subgraph 0.
        operator: usize,
        /// The op.
        op: BuiltinOperator,
        /// Operator version.
        version: i32,
        /// What the op rejected.
        error: OpError,
    },
    /// The graph reads a tensor no earlier operator wrote and that is not a
    /// model input or constant.
    TensorReadBeforeWritten {
        /// Operator index.
        operator: usize,
        /// Tensor index.
        tensor: usize,
    },
    /// A tensor is written by two operators, or an operator writes a
    /// constant or a model input.
    TensorWrittenTwice {
        /// Operator index.
        operator: usize,
        /// Tensor index.
        tensor: usize,
    },
    /// A model input or output tensor that cannot be planned (constant, or
    /// of a dtype without a fixed size).
    BadGraphTensor {
        /// Tensor index.
        tensor: usize,
    },
    /// The arena is too small.
    ArenaTooSmall {
        /// Bytes this arena would need (including its alignment padding).
        /// When `exact` is false the arena could not even hold the metadata
        /// needed to plan, and this is a lower bound.
        needed: usize,
        /// Bytes the caller gave.
        available: usize,
        /// Whether `needed` is exact.
        exact: bool,
    },
    /// The memory planner rejected the buffer set.
    Plan(PlanError),
    /// A size or offset does not fit the arena's 32-bit bookkeeping.
    SizeOverflow,
    /// Input or output position out of range.
    NoSuchIo {
        /// The position asked for.
        position: usize,
        /// How many there are.
        count: usize,
    },
    /// An operator index beyond the model's operators.
    NoSuchOperator {
        /// The index asked for.
        index: usize,
        /// How many operators there are.
        count: usize,
    },
    /// A typed view was requested with the wrong element type.
    WrongElementType {
        /// Tensor index.
        tensor: usize,
        /// The tensor's dtype.
        dtype: TensorType,
        /// The dtype asked for.
        requested: TensorType,
    },
    /// Data of the wrong length was given for a tensor.
    WrongElementCount {
        /// Tensor index.
        tensor: usize,
        /// Elements the tensor has.
        expected: usize,
        /// Elements given.
        found: usize,
    },
    /// The model has more operators or tensors than this runtime indexes
    /// (`u32` offsets), or an operator has more inputs than supported.
    TooLarge {
        /// What is too large.
        what: &'static str,
    },
    /// Prepared state ([`crate::Prepared`]) that is not an image this
    /// version of microlite wrote: wrong magic, version, byte order,
    /// alignment or length.
    BadPrepared {
        /// What is wrong.
        what: &'static str,
    },
    /// Prepared state written for another model (its length or fingerprint
    /// differs from the model given): prepare it again for this model.
    PreparedForAnotherModel,
    /// Prepared state sized for another kernel set than the firmware links
    /// (for example prepared for the Cortex-M kernels, linked with the
    /// `small-kernels` feature): prepare it again for the linked kernels
    /// (`microlite-build`'s `prepared_source_for`).
    PreparedForOtherKernels {
        /// The kernels the state was prepared for.
        prepared: &'static str,
        /// The kernels this firmware links.
        linked: &'static str,
    },
    /// Prepared state whose operator `operator` does not match the
    /// resolver: the registration it names is missing, is not for `op`, or
    /// has params of another size (another microlite version or resolver).
    PreparedOpMismatch {
        /// Operator index.
        operator: usize,
        /// The operator's op in the model.
        op: BuiltinOperator,
    },
    /// An operator of subgraph `subgraph` (not the main one) that its op
    /// rejected, as [`Error::Op`] (`subgraphs` feature).
    #[cfg(feature = "subgraphs")]
    SubgraphOp {
        /// The subgraph (IF, WHILE and CALL_ONCE call them).
        subgraph: usize,
        /// Operator index in that subgraph.
        operator: usize,
        /// The op.
        op: BuiltinOperator,
        /// Operator version.
        version: i32,
        /// What the op rejected.
        error: OpError,
    },
    /// [`crate::Interpreter::write_prepared`] does not write images of
    /// this model yet: several subgraphs (IF, WHILE, CALL_ONCE) or
    /// resource variables. Use [`crate::Interpreter::new`] (`subgraphs`
    /// feature).
    #[cfg(feature = "subgraphs")]
    PreparedUnsupported {
        /// What the model has.
        what: &'static str,
    },
    /// A broken internal invariant: a bug in microlite, never a bad model.
    Internal(&'static str),
}

/// A custom op's custom code, kept inline (errors own no model bytes):
/// the first [`OpCode::CAPACITY`] bytes, cut at a character boundary.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct OpCode {
    bytes: [u8; OpCode::CAPACITY],
    len: u8,
}

impl OpCode {
    /// Bytes kept (errors stay small: they are returned by value).
    pub const CAPACITY: usize = 16;

    /// `code` (or its first [`OpCode::CAPACITY`] bytes); empty for `None`.
    pub fn new(code: Option<&str>) -> Self {
        let mut out = Self::default();
        let code = code.unwrap_or("");
        let mut len = code.len().min(Self::CAPACITY);
        while !code.is_char_boundary(len) {
            len -= 1;
        }
        if let (Some(dst), Some(src)) = (out.bytes.get_mut(..len), code.as_bytes().get(..len)) {
            dst.copy_from_slice(src);
            out.len = len as u8;
        }
        out
    }

    /// The code ("" for a builtin op).
    pub fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(bytes).unwrap_or_default()
    }

    /// Whether there is no code (a builtin op).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Default for OpCode {
    fn default() -> Self {
        Self {
            bytes: [0; Self::CAPACITY],
            len: 0,
        }
    }
}

impl fmt::Debug for OpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// One op a model needs that the resolver lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingOp {
    /// The op (`CUSTOM` for a custom op).
    pub op: BuiltinOperator,
    /// Its version.
    pub version: i32,
}

impl fmt::Display for MissingOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.op.variant_name().unwrap_or("UNKNOWN");
        write!(f, "{name} v{}", self.version)
    }
}

/// Every op of a model the resolver lacks, each once (by op and version;
/// custom ops by custom code too), in order of first use: the first
/// [`MissingOps::LISTED`] kept (compactly: errors are returned by value),
/// all counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MissingOps {
    ops: [u16; MissingOps::LISTED],
    versions: [u8; MissingOps::LISTED],
    count: u16,
}

impl MissingOps {
    /// Ops kept.
    pub const LISTED: usize = 6;

    /// Adds `missing` (a new op: the caller skips ones already added).
    pub(crate) fn add(&mut self, missing: MissingOp) {
        let at = usize::from(self.count);
        if let (Some(op), Some(version)) = (self.ops.get_mut(at), self.versions.get_mut(at)) {
            *op = u16::try_from(missing.op.0).unwrap_or(u16::MAX);
            *version = u8::try_from(missing.version).unwrap_or(u8::MAX);
        }
        self.count = self.count.saturating_add(1);
    }

    /// How many distinct ops are missing (may exceed the listed ones).
    pub fn count(&self) -> usize {
        usize::from(self.count)
    }

    /// The missing ops kept, in order of first use.
    pub fn iter(&self) -> impl Iterator<Item = MissingOp> + '_ {
        self.ops
            .iter()
            .zip(&self.versions)
            .take(self.count())
            .map(|(&op, &version)| MissingOp {
                op: BuiltinOperator(i32::from(op)),
                version: i32::from(version),
            })
    }
}

impl fmt::Display for MissingOps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, missing) in self.iter().enumerate() {
            if k > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{missing}")?;
        }
        if self.count() > Self::LISTED {
            write!(f, " and {} more", self.count() - Self::LISTED)?;
        }
        Ok(())
    }
}

impl From<ModelError> for Error {
    fn from(e: ModelError) -> Self {
        Self::Model(e)
    }
}

impl From<PlanError> for Error {
    fn from(e: PlanError) -> Self {
        Self::Plan(e)
    }
}

impl From<ResolverError> for Error {
    fn from(e: ResolverError) -> Self {
        Self::Resolver(e)
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Model(e) => Some(e),
            Self::Resolver(e) => Some(e),
            Self::Op { error, .. } => Some(error),
            #[cfg(feature = "subgraphs")]
            Self::SubgraphOp { error, .. } => Some(error),
            Self::Plan(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Model(e) => write!(f, "invalid model: {e}"),
            Self::Resolver(e) => write!(f, "cannot add the op to the resolver: {e}"),
            Self::UnsupportedOp {
                operator,
                op,
                version,
                custom_code,
                missing,
            } => {
                if custom_code.is_empty() {
                    write!(f, "operator {operator}: op {op:?} (version {version})")?;
                } else {
                    write!(
                        f,
                        "operator {operator}: custom op {:?} (version {version})",
                        custom_code.as_str()
                    )?;
                }
                write!(f, " is not supported by this resolver")?;
                if missing.count() > 1 {
                    write!(f, "; the resolver lacks {} ops: {missing}", missing.count())?;
                }
                Ok(())
            }
            Self::Op {
                operator,
                op,
                version,
                error,
            } => {
                write!(f, "operator {operator} ({op:?} v{version}): {error}")
            }
            #[cfg(feature = "subgraphs")]
            Self::SubgraphOp {
                subgraph,
                operator,
                op,
                version,
                error,
            } => {
                write!(
                    f,
                    "subgraph {subgraph}, operator {operator} ({op:?} v{version}): {error}"
                )
            }
            #[cfg(feature = "subgraphs")]
            Self::PreparedUnsupported { what } => write!(
                f,
                "prepared images of models with {what} are not supported yet: use \
                 Interpreter::new"
            ),
            Self::TensorReadBeforeWritten { operator, tensor } => write!(
                f,
                "operator {operator} reads tensor {tensor}, which is neither an input, a constant, \
                 nor written by an earlier operator"
            ),
            Self::TensorWrittenTwice { operator, tensor } => write!(
                f,
                "operator {operator} writes tensor {tensor}, which is a constant, a model input or \
                 already written"
            ),
            Self::BadGraphTensor { tensor } => {
                write!(
                    f,
                    "tensor {tensor} cannot be a model input/output (constant or unsized)"
                )
            }
            Self::ArenaTooSmall {
                needed,
                available,
                exact: true,
            } => {
                write!(f, "arena too small: needs {needed} bytes, has {available}")
            }
            Self::ArenaTooSmall {
                needed,
                available,
                exact: false,
            } => {
                write!(
                    f,
                    "arena too small: needs at least {needed} bytes, has {available}"
                )
            }
            Self::Plan(e) => write!(f, "memory planning failed: {e}"),
            Self::SizeOverflow => write!(f, "arena offsets overflow 32 bits"),
            Self::NoSuchIo { position, count } => {
                write!(f, "no input/output {position} (model has {count})")
            }
            Self::NoSuchOperator { index, count } => {
                write!(f, "no operator {index} (model has {count})")
            }
            Self::WrongElementType {
                tensor,
                dtype,
                requested,
            } => write!(
                f,
                "tensor {tensor} is {}, not {}",
                dtype.name(),
                requested.name()
            ),
            Self::WrongElementCount {
                tensor,
                expected,
                found,
            } => {
                write!(f, "tensor {tensor} has {expected} elements, {found} given")
            }
            Self::TooLarge { what } => write!(f, "model too large: {what}"),
            Self::BadPrepared { what } => write!(f, "bad prepared state: {what}"),
            Self::PreparedForOtherKernels { prepared, linked } => write!(
                f,
                "the prepared state was sized for {prepared}, but this build links {linked}: \
                 prepare it again for the linked kernels"
            ),
            Self::PreparedForAnotherModel => write!(
                f,
                "the prepared state was made for another model (length or fingerprint differs)"
            ),
            Self::PreparedOpMismatch { operator, op } => write!(
                f,
                "operator {operator} ({op:?}): the prepared state names a registration the \
                 resolver does not have at that position (or with other params); prepare again \
                 with this resolver"
            ),
            Self::Internal(what) => write!(f, "internal error (bug in microlite): {what}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Error;
    use core::error::Error as _;
    use microlite_arena::planner::PlanError;
    use microlite_kernels::KernelError;
    use microlite_model::{BuiltinOperator, ModelError};
    use microlite_ops::{OpError, ResolverError};
    use std::boxed::Box;
    use std::string::ToString;

    #[test]
    fn op_error_chains_through_op_error_to_the_kernel_error() {
        let kernel = KernelError::BadPermutation { position: 1 };
        let e = Error::Op {
            operator: 3,
            op: BuiltinOperator::TRANSPOSE,
            version: 1,
            error: OpError::Kernel(kernel),
        };
        let boxed: Box<dyn core::error::Error> = e.into();
        assert_eq!(
            boxed.to_string(),
            "operator 3 (TRANSPOSE v1): kernel rejected its arguments: transpose permutation \
             is invalid at position 1"
        );
        let op_error = boxed.source().and_then(|s| s.downcast_ref::<OpError>());
        assert_eq!(op_error, Some(&OpError::Kernel(kernel)));
        let kernel_error = boxed
            .source()
            .and_then(|s| s.source())
            .and_then(|s| s.downcast_ref::<KernelError>());
        assert_eq!(kernel_error, Some(&kernel));
        assert!(boxed
            .source()
            .and_then(|s| s.source())
            .and_then(|s| s.source())
            .is_none());
    }

    #[test]
    fn wrapped_errors_convert_and_are_the_source() {
        let resolver = ResolverError::Duplicate {
            op: BuiltinOperator::RESHAPE,
        };
        let e: Error = resolver.into();
        assert_eq!(e, Error::Resolver(resolver));
        assert_eq!(
            e.source().and_then(|s| s.downcast_ref::<ResolverError>()),
            Some(&resolver)
        );
        let model = ModelError::NoSubgraphs;
        let e: Error = model.into();
        assert_eq!(
            e.source().and_then(|s| s.downcast_ref::<ModelError>()),
            Some(&model)
        );
        let plan = PlanError::InvalidAlignment { align: 3 };
        let e: Error = plan.into();
        assert_eq!(
            e.source().and_then(|s| s.downcast_ref::<PlanError>()),
            Some(&plan)
        );
        assert!(Error::SizeOverflow.source().is_none());
    }
}
