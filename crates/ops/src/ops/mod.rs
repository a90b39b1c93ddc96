//! The ops microlite implements, one module each, and their registrations.

mod conv;
mod conv_common;
mod depthwise_conv;
mod dequantize;
mod elementwise;
mod fully_connected;
mod mean;
mod pooling;
mod quantize;
mod reshape;
mod softmax;

use microlite_model::BuiltinOperator;

use crate::kernel::Registration;
use crate::resolver::OpResolver;

pub use conv::Conv2d;
pub use conv_common::ConvParams;
pub use depthwise_conv::DepthwiseConv2d;
pub use dequantize::{Dequantize, DequantizeParams};
pub use elementwise::{Add, AddSubParams, Mul, MulParams, Sub};
pub use fully_connected::{FullyConnected, FullyConnectedParams};
pub use mean::{Mean, MeanParams};
pub use pooling::{AveragePool2d, MaxPool2d, PoolingParams};
pub use quantize::{Quantize, QuantizeParams};
pub use reshape::{same_bytes_view, Reshape};
pub use softmax::{Softmax, SoftmaxParams};

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

/// ADD.
pub fn add() -> Registration {
    Registration::of::<Add>(BuiltinOperator::ADD)
}

/// AVERAGE_POOL_2D.
pub fn average_pool_2d() -> Registration {
    Registration::of::<AveragePool2d>(BuiltinOperator::AVERAGE_POOL_2D)
}

/// MAX_POOL_2D.
pub fn max_pool_2d() -> Registration {
    Registration::of::<MaxPool2d>(BuiltinOperator::MAX_POOL_2D)
}

/// MEAN.
pub fn mean() -> Registration {
    Registration::of::<Mean>(BuiltinOperator::MEAN)
}

/// MUL.
pub fn mul() -> Registration {
    Registration::of::<Mul>(BuiltinOperator::MUL)
}

/// SOFTMAX.
pub fn softmax() -> Registration {
    Registration::of::<Softmax>(BuiltinOperator::SOFTMAX)
}

/// SUB.
pub fn sub() -> Registration {
    Registration::of::<Sub>(BuiltinOperator::SUB)
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
        softmax(),
        average_pool_2d(),
        max_pool_2d(),
        add(),
        sub(),
        mul(),
        mean(),
    ]
}

/// Number of ops in [`all`].
pub const ALL_COUNT: usize = 13;

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
