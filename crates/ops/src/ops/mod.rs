//! The ops microlite implements, one module each, and their registrations.

mod activations;
mod concatenation;
mod constant_i32;
mod conv;
mod conv_common;
mod depthwise_conv;
mod dequantize;
mod elementwise;
mod fully_connected;
mod mean;
mod pad;
mod pooling;
mod quantize;
mod reshape;
mod row_streaming;
mod softmax;
mod squeeze;
mod strided_slice;
mod transpose;
mod windowed_eval;

use microlite_model::BuiltinOperator;

use crate::kernel::Registration;
use crate::resolver::OpResolver;
use crate::type_set::INT8;

pub use activations::{
    Elu, EluParams, HardSwish, HardSwishParams, LeakyRelu, LeakyReluParams, Logistic, Relu, Relu6,
    Relu6Params, ReluParams, SigmoidParams, Tanh,
};
pub use concatenation::{Concatenation, ConcatenationParams, MAX_CONCAT_INPUTS};
pub use conv::Conv2d;
pub use conv_common::ConvParams;
pub use depthwise_conv::DepthwiseConv2d;
pub use dequantize::{Dequantize, DequantizeParams};
pub use elementwise::{Add, AddSubParams, Mul, MulParams, Sub};
pub use fully_connected::{FullyConnected, FullyConnectedParams};
pub use mean::{Mean, MeanParams};
pub use pad::{Pad, PadParams};
pub use pooling::{AveragePool2d, MaxPool2d, PoolingParams};
pub use quantize::{Quantize, QuantizeParams};
pub use reshape::{same_bytes_view, Reshape};
pub use softmax::{Softmax, SoftmaxParams};
pub use squeeze::{ExpandDims, Squeeze};
pub use strided_slice::{StridedSlice, StridedSliceParams};
pub use transpose::{Transpose, TransposeParams};

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

/// RELU.
pub fn relu() -> Registration {
    Registration::of::<Relu>(BuiltinOperator::RELU)
}

/// RELU6.
pub fn relu6() -> Registration {
    Registration::of::<Relu6>(BuiltinOperator::RELU6)
}

/// LEAKY_RELU.
pub fn leaky_relu() -> Registration {
    Registration::of::<LeakyRelu>(BuiltinOperator::LEAKY_RELU)
}

/// LOGISTIC.
pub fn logistic() -> Registration {
    Registration::of::<Logistic>(BuiltinOperator::LOGISTIC)
}

/// TANH.
pub fn tanh() -> Registration {
    Registration::of::<Tanh>(BuiltinOperator::TANH)
}

/// HARD_SWISH.
pub fn hard_swish() -> Registration {
    Registration::of::<HardSwish>(BuiltinOperator::HARD_SWISH)
}

/// ELU.
pub fn elu() -> Registration {
    Registration::of::<Elu>(BuiltinOperator::ELU)
}

/// CONCATENATION.
pub fn concatenation() -> Registration {
    Registration::of::<Concatenation>(BuiltinOperator::CONCATENATION)
}

/// PAD.
pub fn pad() -> Registration {
    Registration::of::<Pad>(BuiltinOperator::PAD)
}

/// PADV2 (same kernel as PAD, with the pad value as input 2).
pub fn padv2() -> Registration {
    Registration::of::<Pad>(BuiltinOperator::PADV2)
}

/// TRANSPOSE.
pub fn transpose() -> Registration {
    Registration::of::<Transpose>(BuiltinOperator::TRANSPOSE)
}

/// STRIDED_SLICE.
pub fn strided_slice() -> Registration {
    Registration::of::<StridedSlice>(BuiltinOperator::STRIDED_SLICE)
}

/// SQUEEZE.
pub fn squeeze() -> Registration {
    Registration::of::<Squeeze>(BuiltinOperator::SQUEEZE)
}

/// EXPAND_DIMS.
pub fn expand_dims() -> Registration {
    Registration::of::<ExpandDims>(BuiltinOperator::EXPAND_DIMS)
}

/// CONV_2D for int8 only: links no float code ([`crate::type_set`]), as
/// TFLM's `Register_CONV_2D_INT8`.
pub fn conv_2d_int8() -> Registration {
    Registration::of::<Conv2d<INT8>>(BuiltinOperator::CONV_2D)
}

/// DEPTHWISE_CONV_2D for int8 only.
pub fn depthwise_conv_2d_int8() -> Registration {
    Registration::of::<DepthwiseConv2d<INT8>>(BuiltinOperator::DEPTHWISE_CONV_2D)
}

/// FULLY_CONNECTED for int8 only.
pub fn fully_connected_int8() -> Registration {
    Registration::of::<FullyConnected<INT8>>(BuiltinOperator::FULLY_CONNECTED)
}

/// AVERAGE_POOL_2D for int8 only.
pub fn average_pool_2d_int8() -> Registration {
    Registration::of::<AveragePool2d<INT8>>(BuiltinOperator::AVERAGE_POOL_2D)
}

/// MAX_POOL_2D for int8 only.
pub fn max_pool_2d_int8() -> Registration {
    Registration::of::<MaxPool2d<INT8>>(BuiltinOperator::MAX_POOL_2D)
}

/// SOFTMAX for int8 input only (int8 or int16 output).
pub fn softmax_int8() -> Registration {
    Registration::of::<Softmax<INT8>>(BuiltinOperator::SOFTMAX)
}

/// ADD for int8 only.
pub fn add_int8() -> Registration {
    Registration::of::<Add<INT8>>(BuiltinOperator::ADD)
}

/// SUB for int8 only.
pub fn sub_int8() -> Registration {
    Registration::of::<Sub<INT8>>(BuiltinOperator::SUB)
}

/// MUL for int8 only.
pub fn mul_int8() -> Registration {
    Registration::of::<Mul<INT8>>(BuiltinOperator::MUL)
}

/// The ops with an int8-only registration (`<op>_int8()`, the op's name in
/// lower case plus `_int8`), for tools that write resolvers.
pub const INT8_REGISTRATIONS: [BuiltinOperator; 9] = [
    BuiltinOperator::CONV_2D,
    BuiltinOperator::DEPTHWISE_CONV_2D,
    BuiltinOperator::FULLY_CONNECTED,
    BuiltinOperator::AVERAGE_POOL_2D,
    BuiltinOperator::MAX_POOL_2D,
    BuiltinOperator::SOFTMAX,
    BuiltinOperator::ADD,
    BuiltinOperator::SUB,
    BuiltinOperator::MUL,
];

/// The int8-only registration of `op`, if it has one (see
/// [`INT8_REGISTRATIONS`]).
pub fn int8_registration(op: BuiltinOperator) -> Option<Registration> {
    Some(match op {
        BuiltinOperator::CONV_2D => conv_2d_int8(),
        BuiltinOperator::DEPTHWISE_CONV_2D => depthwise_conv_2d_int8(),
        BuiltinOperator::FULLY_CONNECTED => fully_connected_int8(),
        BuiltinOperator::AVERAGE_POOL_2D => average_pool_2d_int8(),
        BuiltinOperator::MAX_POOL_2D => max_pool_2d_int8(),
        BuiltinOperator::SOFTMAX => softmax_int8(),
        BuiltinOperator::ADD => add_int8(),
        BuiltinOperator::SUB => sub_int8(),
        BuiltinOperator::MUL => mul_int8(),
        _ => return None,
    })
}

/// The all-types registration of `op`, if this crate implements it.
pub fn registration(op: BuiltinOperator) -> Option<Registration> {
    all().into_iter().find(|r| r.op() == op)
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
        relu(),
        relu6(),
        leaky_relu(),
        logistic(),
        tanh(),
        hard_swish(),
        elu(),
        concatenation(),
        pad(),
        padv2(),
        transpose(),
        strided_slice(),
        squeeze(),
        expand_dims(),
    ]
}

/// Number of ops in [`all`].
pub const ALL_COUNT: usize = 27;

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
