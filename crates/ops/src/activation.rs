//! Mapping the schema's fused activation to the kernels' enum.

use microlite_kernels::activation::FusedActivation;
use microlite_model::schema::ActivationFunctionType;

use crate::error::OpError;

/// The kernels' activation for a schema value; values outside the schema
/// are rejected.
pub fn fused_activation(value: ActivationFunctionType) -> Result<FusedActivation, OpError> {
    Ok(match value {
        ActivationFunctionType::NONE => FusedActivation::None,
        ActivationFunctionType::RELU => FusedActivation::Relu,
        ActivationFunctionType::RELU_N1_TO_1 => FusedActivation::ReluN1To1,
        ActivationFunctionType::RELU6 => FusedActivation::Relu6,
        ActivationFunctionType::TANH => FusedActivation::Tanh,
        ActivationFunctionType::SIGN_BIT => FusedActivation::SignBit,
        other => {
            return Err(OpError::UnsupportedOption {
                field: "fused_activation_function",
                value: i64::from(other.0),
            })
        }
    })
}

/// Like [`fused_activation`], but only the clamping activations (NONE, RELU,
/// RELU_N1_TO_1, RELU6) that the fused kernels apply.
pub fn clamping_activation(value: ActivationFunctionType) -> Result<FusedActivation, OpError> {
    match fused_activation(value)? {
        FusedActivation::Tanh | FusedActivation::SignBit => Err(OpError::UnsupportedOption {
            field: "fused_activation_function",
            value: i64::from(value.0),
        }),
        other => Ok(other),
    }
}
