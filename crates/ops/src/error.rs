//! Errors an operator reports from prepare (and, for broken invariants, eval).

use core::fmt;
use microlite_kernels::KernelError;
use microlite_model::TensorType;

/// Why an operator cannot run. The interpreter wraps this with the operator
/// index, op name and version (see `microlite::Error::Op`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OpError {
    /// The operator has a number of inputs the op does not accept.
    InputCount {
        /// Smallest accepted count.
        min: usize,
        /// Largest accepted count.
        max: usize,
        /// Count in the model.
        found: usize,
    },
    /// The operator has a number of outputs the op does not accept.
    OutputCount {
        /// Accepted count.
        expected: usize,
        /// Count in the model.
        found: usize,
    },
    /// A required input is absent (index -1 in the model).
    MissingInput {
        /// Input position.
        position: usize,
    },
    /// A tensor has a dtype this op (or this combination) does not support.
    UnsupportedType {
        /// Tensor index in the subgraph.
        tensor: usize,
        /// Its dtype.
        dtype: TensorType,
    },
    /// A tensor's dtype is one the op supports, but the registration in
    /// the resolver covers fewer types (e.g. `ops::conv_2d_int8()` given a
    /// float32 model): register the all-types op (`ops::conv_2d()`).
    TypeNotRegistered {
        /// Tensor index in the subgraph.
        tensor: usize,
        /// Its dtype.
        dtype: TensorType,
    },
    /// A tensor that must be constant (e.g. weights) is not.
    NotConstant {
        /// Tensor index in the subgraph.
        tensor: usize,
    },
    /// A tensor's rank is outside what the op supports.
    UnsupportedRank {
        /// Tensor index in the subgraph.
        tensor: usize,
        /// The rank found.
        rank: usize,
        /// Largest supported rank.
        max: usize,
    },
    /// Tensor shapes are inconsistent with each other or with the options.
    ShapeMismatch {
        /// Tensor index in the subgraph whose shape is wrong.
        tensor: usize,
        /// What was being checked.
        what: &'static str,
    },
    /// A quantized tensor lacks quantization parameters, or they do not fit
    /// the op (e.g. a non-zero filter zero point, an output scale the op
    /// requires, a rescaling multiplier out of range). Bad scales, zero
    /// points and per-channel counts have their own variants below.
    BadQuantization {
        /// Tensor index in the subgraph.
        tensor: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// A scale is zero, negative, NaN or infinite.
    BadScale {
        /// Tensor index in the subgraph.
        tensor: usize,
        /// Position of the scale in the tensor's scale list (0 when
        /// per-tensor; the output channel when per-channel).
        channel: usize,
        /// The scale found.
        scale: f32,
    },
    /// A zero point lies outside the range of the tensor's dtype.
    ZeroPointOutOfRange {
        /// Tensor index in the subgraph.
        tensor: usize,
        /// The zero point found.
        zero_point: i64,
        /// Smallest value of the dtype.
        min: i32,
        /// Largest value of the dtype.
        max: i32,
    },
    /// A per-channel quantized tensor has neither one scale nor one per
    /// channel.
    ChannelCountMismatch {
        /// Tensor index in the subgraph.
        tensor: usize,
        /// Scales in the model.
        scales: usize,
        /// Channels of the tensor along its channel axis.
        channels: usize,
    },
    /// The builtin options table is missing or of the wrong type.
    MissingOptions,
    /// A custom op's options (the FlexBuffer map in
    /// `Operator.custom_options`) are missing, malformed, lack an option or
    /// give it a value of the wrong kind.
    BadCustomOptions {
        /// The option (`""` for the options as a whole).
        field: &'static str,
        /// What is wrong.
        what: &'static str,
    },
    /// An option has a value this op does not support.
    UnsupportedOption {
        /// Option field name as in the schema.
        field: &'static str,
        /// The value found.
        value: i64,
    },
    /// A size computation overflowed.
    SizeOverflow {
        /// What was being sized.
        what: &'static str,
    },
    /// The op has more inputs than this runtime's fixed input table holds.
    TooManyInputs {
        /// Inputs in the model.
        found: usize,
        /// Capacity.
        max: usize,
    },
    /// The op has no outputs, or more than this runtime's fixed output
    /// table holds.
    TooManyOutputs {
        /// Outputs in the model.
        found: usize,
        /// Capacity.
        max: usize,
    },
    /// A kernel rejected its arguments; the [`KernelError`] says why and
    /// names the buffer, parameter or kernel. From prepare, a parameter the
    /// kernel's prepare refuses where no variant above names the tensor
    /// better; from eval (after prepare accepted the operator) it indicates a
    /// bug in microlite, never a bad model.
    Kernel(KernelError),
    /// An internal invariant established by prepare did not hold at eval
    /// (a layout, size or registration invariant of microlite's own, not a
    /// kernel's). This indicates a bug in microlite, never a bad model.
    Internal(&'static str),
    /// The registration is eval-only (made for prepared state computed
    /// ahead of time) and cannot prepare.
    EvalOnly,
    /// An option names a subgraph the model does not have (IF, WHILE,
    /// CALL_ONCE), or the main subgraph.
    BadSubgraph {
        /// Option field name as in the schema.
        field: &'static str,
        /// The subgraph index found.
        index: i64,
        /// Subgraphs in the model.
        count: usize,
    },
    /// The operator's inputs or outputs do not match, in number, those of
    /// a subgraph it calls.
    SubgraphIoCount {
        /// The called subgraph.
        subgraph: usize,
        /// `"inputs"` or `"outputs"`.
        what: &'static str,
        /// Count the subgraph has.
        expected: usize,
        /// Count the operator gives.
        found: usize,
    },
    /// A tensor the operator passes to (or takes from) a subgraph it calls
    /// differs in dtype or shape from the subgraph's tensor.
    SubgraphTensorMismatch {
        /// The called subgraph.
        subgraph: usize,
        /// Tensor index in the operator's subgraph.
        tensor: usize,
        /// Tensor index in the called subgraph.
        callee_tensor: usize,
    },
    /// Subgraphs call one another in a cycle, or nest deeper than this
    /// runtime allows.
    SubgraphNesting {
        /// The subgraph where the nesting limit was hit.
        subgraph: usize,
        /// Most nesting levels allowed.
        max: usize,
    },
    /// The op calls other subgraphs (IF, WHILE, CALL_ONCE) or uses
    /// resource variables, which this build of microlite leaves out: enable
    /// its `subgraphs` feature.
    SubgraphsDisabled,
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::InputCount { min, max, found } if min == max => {
                write!(f, "expects {min} inputs, model gives {found}")
            }
            Self::InputCount { min, max, found } => {
                write!(f, "expects {min} to {max} inputs, model gives {found}")
            }
            Self::OutputCount { expected, found } => {
                write!(f, "expects {expected} outputs, model gives {found}")
            }
            Self::MissingInput { position } => write!(f, "required input {position} is absent"),
            Self::UnsupportedType { tensor, dtype } => {
                write!(f, "tensor {tensor} has unsupported dtype {}", dtype.name())
            }
            Self::TypeNotRegistered { tensor, dtype } => write!(
                f,
                "tensor {tensor} has dtype {}, which this op's registration does not cover \
                 (registered for fewer types, e.g. ops::conv_2d_int8(); register the \
                 all-types op, e.g. ops::conv_2d())",
                dtype.name()
            ),
            Self::NotConstant { tensor } => write!(f, "tensor {tensor} must be constant"),
            Self::UnsupportedRank { tensor, rank, max } => {
                write!(
                    f,
                    "tensor {tensor} has rank {rank}; at most {max} is supported"
                )
            }
            Self::ShapeMismatch { tensor, what } => {
                write!(f, "tensor {tensor} has an inconsistent shape: {what}")
            }
            Self::BadQuantization { tensor, what } => {
                write!(f, "tensor {tensor} has bad quantization: {what}")
            }
            Self::BadScale {
                tensor,
                channel,
                scale,
            } => write!(
                f,
                "tensor {tensor} has bad quantization: scale #{channel} is {scale}, must be \
                 finite and positive"
            ),
            Self::ZeroPointOutOfRange {
                tensor,
                zero_point,
                min,
                max,
            } => write!(
                f,
                "tensor {tensor} has bad quantization: zero point {zero_point} is outside its \
                 dtype's range [{min}, {max}]"
            ),
            Self::ChannelCountMismatch {
                tensor,
                scales,
                channels,
            } => write!(
                f,
                "tensor {tensor} has bad quantization: {scales} per-channel scales for \
                 {channels} channels"
            ),
            Self::MissingOptions => write!(f, "builtin options are missing or of the wrong type"),
            Self::BadCustomOptions { field: "", what } => {
                write!(f, "custom options: {what}")
            }
            Self::BadCustomOptions { field, what } => {
                write!(f, "custom option {field}: {what}")
            }
            Self::UnsupportedOption { field, value } => {
                write!(f, "option {field} = {value} is not supported")
            }
            Self::SizeOverflow { what } => write!(f, "size of {what} overflows"),
            Self::TooManyInputs { found, max } => {
                write!(f, "{found} inputs; at most {max} are supported")
            }
            Self::TooManyOutputs { found, max } => {
                write!(f, "{found} outputs; between 1 and {max} are supported")
            }
            Self::Kernel(e) => write!(f, "kernel rejected its arguments: {e}"),
            Self::Internal(what) => write!(f, "internal error (bug in microlite): {what}"),
            Self::BadSubgraph {
                field,
                index,
                count,
            } => write!(
                f,
                "option {field} names subgraph {index}; the model has subgraphs 1 to {} \
                 besides the main one",
                count.saturating_sub(1)
            ),
            Self::SubgraphIoCount {
                subgraph,
                what,
                expected,
                found,
            } => write!(
                f,
                "subgraph {subgraph} has {expected} {what}, the operator gives {found}"
            ),
            Self::SubgraphTensorMismatch {
                subgraph,
                tensor,
                callee_tensor,
            } => write!(
                f,
                "tensor {tensor} differs in dtype or shape from tensor {callee_tensor} of \
                 subgraph {subgraph}"
            ),
            Self::SubgraphNesting { subgraph, max } => write!(
                f,
                "subgraph {subgraph} calls subgraphs in a cycle or nested over {max} levels"
            ),
            Self::SubgraphsDisabled => write!(
                f,
                "the op calls subgraphs or uses resource variables: this build of microlite \
                 leaves them out (enable its `subgraphs` feature)"
            ),
            Self::EvalOnly => write!(
                f,
                "the registration is eval-only (ops::eval_only) and cannot prepare: use \
                 Interpreter::from_prepared, or register the op with ops::<op>()"
            ),
        }
    }
}

impl From<KernelError> for OpError {
    fn from(e: KernelError) -> Self {
        Self::Kernel(e)
    }
}

impl core::error::Error for OpError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Kernel(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OpError;
    use core::error::Error;
    use microlite_kernels::KernelError;
    use std::boxed::Box;
    use std::string::ToString;

    #[test]
    fn op_error_boxes_and_chains_to_the_kernel_cause() {
        let cause = KernelError::LengthMismatch {
            buffer: "output",
            expected: 4,
            actual: 3,
        };
        let e: OpError = cause.into();
        assert_eq!(e, OpError::Kernel(cause));
        let boxed: Box<dyn Error> = e.into();
        assert_eq!(
            boxed.to_string(),
            "kernel rejected its arguments: output buffer holds 3 elements but its shape needs 4"
        );
        let source = boxed.source().and_then(|s| s.downcast_ref::<KernelError>());
        assert_eq!(source, Some(&cause));
        assert!(OpError::MissingOptions.source().is_none());
    }

    #[test]
    fn resolver_error_boxes() {
        use crate::{ops, OpResolver, ResolverError};
        let mut resolver = OpResolver::<1>::new();
        let added: Result<(), Box<dyn Error>> = (|| {
            resolver.add(ops::reshape())?;
            resolver.add(ops::reshape())?;
            Ok(())
        })();
        let e = added.err();
        let resolver_error = e.as_deref().and_then(|e| e.downcast_ref::<ResolverError>());
        assert!(
            matches!(resolver_error, Some(ResolverError::Duplicate { .. })),
            "{e:?}"
        );
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("op RESHAPE is already registered")
        );
    }
}
