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
pub use row_streaming::{RowWindow, Rows};
pub use softmax::{Softmax, SoftmaxParams};
pub use squeeze::{ExpandDims, Squeeze};
pub use strided_slice::{StridedSlice, StridedSliceParams};
pub use transpose::{Transpose, TransposeParams};

/// Declares each registration function once, and its eval-only twin of
/// the same name in [`eval_only`].
macro_rules! registrations {
    ($($(#[$doc:meta])* $name:ident => $kernel:ty, $op:ident;)*) => {
        $(
            $(#[$doc])*
            pub fn $name() -> Registration {
                Registration::of::<$kernel>(BuiltinOperator::$op)
            }
        )*

        /// Eval-only twins of every registration function, same names
        /// ([`Registration::eval_only`]): no prepare code is linked, for
        /// firmware whose interpreter state was prepared ahead of time
        /// (`Interpreter::from_prepared`, written by `microlite-build`).
        pub mod eval_only {
            #[allow(clippy::wildcard_imports)]
            use super::*;
            $(
                #[doc = concat!("[`super::", stringify!($name), "`] without its prepare code.")]
                pub fn $name() -> Registration {
                    Registration::eval_only::<$kernel>(BuiltinOperator::$op)
                }
            )*
        }
    };
}

registrations! {
    /// CONV_2D.
    conv_2d => Conv2d, CONV_2D;
    /// DEPTHWISE_CONV_2D.
    depthwise_conv_2d => DepthwiseConv2d, DEPTHWISE_CONV_2D;
    /// DEQUANTIZE.
    dequantize => Dequantize, DEQUANTIZE;
    /// FULLY_CONNECTED.
    fully_connected => FullyConnected, FULLY_CONNECTED;
    /// QUANTIZE.
    quantize => Quantize, QUANTIZE;
    /// RESHAPE.
    reshape => Reshape, RESHAPE;
    /// ADD.
    add => Add, ADD;
    /// AVERAGE_POOL_2D.
    average_pool_2d => AveragePool2d, AVERAGE_POOL_2D;
    /// MAX_POOL_2D.
    max_pool_2d => MaxPool2d, MAX_POOL_2D;
    /// MEAN.
    mean => Mean, MEAN;
    /// MUL.
    mul => Mul, MUL;
    /// SOFTMAX.
    softmax => Softmax, SOFTMAX;
    /// SUB.
    sub => Sub, SUB;
    /// RELU.
    relu => Relu, RELU;
    /// RELU6.
    relu6 => Relu6, RELU6;
    /// LEAKY_RELU.
    leaky_relu => LeakyRelu, LEAKY_RELU;
    /// LOGISTIC.
    logistic => Logistic, LOGISTIC;
    /// TANH.
    tanh => Tanh, TANH;
    /// HARD_SWISH.
    hard_swish => HardSwish, HARD_SWISH;
    /// ELU.
    elu => Elu, ELU;
    /// CONCATENATION.
    concatenation => Concatenation, CONCATENATION;
    /// PAD.
    pad => Pad, PAD;
    /// PADV2 (same kernel as PAD, with the pad value as input 2).
    padv2 => Pad, PADV2;
    /// TRANSPOSE.
    transpose => Transpose, TRANSPOSE;
    /// STRIDED_SLICE.
    strided_slice => StridedSlice, STRIDED_SLICE;
    /// SQUEEZE.
    squeeze => Squeeze, SQUEEZE;
    /// EXPAND_DIMS.
    expand_dims => ExpandDims, EXPAND_DIMS;
    /// CONV_2D for int8 only: links no float code ([`crate::type_set`]), as
    /// TFLM's `Register_CONV_2D_INT8`.
    conv_2d_int8 => Conv2d<INT8>, CONV_2D;
    /// DEPTHWISE_CONV_2D for int8 only.
    depthwise_conv_2d_int8 => DepthwiseConv2d<INT8>, DEPTHWISE_CONV_2D;
    /// FULLY_CONNECTED for int8 only.
    fully_connected_int8 => FullyConnected<INT8>, FULLY_CONNECTED;
    /// AVERAGE_POOL_2D for int8 only.
    average_pool_2d_int8 => AveragePool2d<INT8>, AVERAGE_POOL_2D;
    /// MAX_POOL_2D for int8 only.
    max_pool_2d_int8 => MaxPool2d<INT8>, MAX_POOL_2D;
    /// SOFTMAX for int8 input only (int8 or int16 output).
    softmax_int8 => Softmax<INT8>, SOFTMAX;
    /// ADD for int8 only.
    add_int8 => Add<INT8>, ADD;
    /// SUB for int8 only.
    sub_int8 => Sub<INT8>, SUB;
    /// MUL for int8 only.
    mul_int8 => Mul<INT8>, MUL;
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
