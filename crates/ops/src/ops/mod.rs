//! The ops microlite implements, one module each, and their registrations.

mod conv;
mod conv_common;
mod depthwise_conv;
mod dequantize;
mod fully_connected;
mod quantize;
mod reshape;

use microlite_model::BuiltinOperator;

use crate::kernel::Registration;
use crate::resolver::OpResolver;

pub use conv::Conv2d;
pub use conv_common::ConvParams;
pub use depthwise_conv::DepthwiseConv2d;
pub use dequantize::{Dequantize, DequantizeParams};
pub use fully_connected::{FullyConnected, FullyConnectedParams};
pub use quantize::{Quantize, QuantizeParams};
pub use reshape::{same_bytes_view, Reshape};

/// CONV_2D.
pub fn conv_2d() -> Registration {
    Registration::of::<Conv2d>(BuiltinOperator::CONV_2D)
}

/// DEPTHWISE_CONV_2D.
pub fn depthwise_conv_2d() -> Registration {
    Registration::of::<DepthwiseConv2d>(BuiltinOperator::DEPTHWISE_CONV_2D)
}

/// DEQUANTIZE.
pub fn dequantize() -> Registration {
    Registration::of::<Dequantize>(BuiltinOperator::DEQUANTIZE)
}

/// FULLY_CONNECTED.
pub fn fully_connected() -> Registration {
    Registration::of::<FullyConnected>(BuiltinOperator::FULLY_CONNECTED)
}

/// QUANTIZE.
pub fn quantize() -> Registration {
    Registration::of::<Quantize>(BuiltinOperator::QUANTIZE)
}

/// RESHAPE.
pub fn reshape() -> Registration {
    Registration::of::<Reshape>(BuiltinOperator::RESHAPE)
}

/// Every registration this crate has.
pub fn all() -> [Registration; ALL_COUNT] {
    [
        fully_connected(),
        reshape(),
        quantize(),
        dequantize(),
        conv_2d(),
        depthwise_conv_2d(),
    ]
}

/// Number of ops in [`all`].
pub const ALL_COUNT: usize = 6;

impl OpResolver<ALL_COUNT> {
    /// A resolver with every op this crate implements.
    pub fn with_all() -> Self {
        let mut resolver = Self::new();
        for registration in all() {
            // Each op appears once in `all()` and the capacity equals its
            // length, so adding cannot fail.
            let _ = resolver.add(registration);
        }
        resolver
    }
}
