//! Operator registrations for microlite: for each op, parse options →
//! prepare (every check, every precomputed parameter) → eval, and the
//! fixed-capacity [`OpResolver`] a firmware fills with the ops it needs.
#![no_std]
#![forbid(unsafe_code)]
// Untrusted models must not be able to push any index out of bounds.
#![deny(clippy::indexing_slicing)]

#[cfg(test)]
extern crate std;

mod activation;
mod binary_broadcast;
mod context;
mod error;
mod head_frame;
mod kernel;
pub mod ops;
mod per_channel;
mod quant_params;
mod registry;
mod resolver;
mod shape_check;
mod tensor_slot;
pub mod type_set;

pub use activation::{clamping_activation, fused_activation};
pub use context::{
    expect_type, EvalContext, FrameParts, InPlaceRegion, PrepareContext, SharedBytes,
    MAX_FRAME_INPUTS, MAX_OP_INPUTS, MAX_OP_OUTPUTS, MAX_VARIABLE_INPUTS,
};
pub use error::OpError;
pub use head_frame::HeadFrame;
pub use kernel::{
    ChunkLayout, ChunkSink, InPlaceOffer, Kernel, LayoutOnly, Needs, Prepared, Registration,
    PARAMS_ALIGN,
};
pub use per_channel::{per_channel_tables, PerChannelTables};
pub use quant_params::{
    affine, filter_scale, filter_scales, integer_range, symmetric, AffineQuant,
};
pub use registry::OpEntry;
pub use resolver::{position_in, OpLookup, OpResolver, ResolverError};
pub use shape_check::{dim, to_u32};
pub use tensor_slot::{span, TensorHome, TensorSlot};
