//! Verified, zero-copy view of TensorFlow Lite (`.tflite`) models.
//!
//! [`Model::from_bytes`] checks a whole model file once (flatbuffer structure,
//! identifier, schema version, every index, shape and buffer size, quantization
//! parameter counts) without copying it. Afterwards the typed views —
//! [`Model`], [`Subgraph`], [`Tensor`], [`Operator`] — read straight from the
//! file bytes and never fail or panic.
//!
//! The file must start at a 16-byte aligned address; see
//! [`AlignedModelBytes`], [`include_model!`] and [`aligned_window`].
//!
//! The schema bindings ([`schema`], generated from `schema/schema.fbs` by
//! `schema/generate_rust.py`) read builtin operator options
//! (`op.raw().builtin_options_as_conv2d_options()`) through the small
//! bounds-checked reader in [`flat`].
//!
//! The crate is `#![no_std]`, uses no `alloc` and no `unsafe`, and depends on
//! no other crate: firmware links it without a global allocator.
#![no_std]
#![forbid(unsafe_code)]
// Untrusted models must not be able to push any index out of bounds.
#![deny(clippy::indexing_slicing)]

#[cfg(test)]
extern crate std;

mod aligned;
mod buffer;
mod error;
pub mod flat;
pub mod flexbuffers;
mod index_list;
mod model;
mod operator;
mod quantization;
#[path = "generated/schema.rs"]
#[allow(missing_docs)]
pub mod schema;
mod shape;
mod subgraph;
mod tensor;
mod tensor_type;
mod verify;

pub use aligned::{aligned_window, AlignedModelBytes};
pub use error::{
    FieldName, FlatbufferError, FlatbufferErrorKind, IndexSite, ModelError, UnionSite,
};
pub use index_list::{Slots, TensorIndexList};
pub use model::Model;
pub use operator::{resolve_builtin_code, Operator};
pub use quantization::Quantization;
pub use schema::BuiltinOperator;
pub use shape::{Shape, ShapeIter};
pub use subgraph::Subgraph;
pub use tensor::Tensor;
pub use tensor_type::TensorType;
