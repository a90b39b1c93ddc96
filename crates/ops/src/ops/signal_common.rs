//! What TFLM's signal library ops (custom ops `Signal*`) share at prepare:
//! their options, a FlexBuffer map in `Operator.custom_options`, read by
//! key (TFLM reads the same map's values by their sorted-key position),
//! and their tensor checks.

use microlite_model::flexbuffers::{root_map, FlexMap};
use microlite_model::{Tensor, TensorType};

use crate::context::{expect_type, PrepareContext};
use crate::error::OpError;

/// The operator's options map.
pub(crate) fn options<'m>(ctx: &PrepareContext<'m>) -> Result<FlexMap<'m>, OpError> {
    let bytes = ctx
        .operator()
        .custom_options()
        .ok_or(OpError::BadCustomOptions {
            field: "",
            what: "missing (a FlexBuffer map is expected)",
        })?;
    root_map(bytes).map_err(|_| OpError::BadCustomOptions {
        field: "",
        what: "not a well-formed FlexBuffer map",
    })
}

fn value<'m>(
    map: &FlexMap<'m>,
    field: &'static str,
) -> Result<microlite_model::flexbuffers::FlexValue<'m>, OpError> {
    map.get(field)
        .map_err(|_| OpError::BadCustomOptions {
            field,
            what: "malformed",
        })?
        .ok_or(OpError::BadCustomOptions {
            field,
            what: "missing",
        })
}

/// Integer option `field` (an int, uint or bool that fits in int32).
pub(crate) fn option_i32(map: &FlexMap<'_>, field: &'static str) -> Result<i32, OpError> {
    value(map, field)?
        .as_i64()
        .and_then(|v| i32::try_from(v).ok())
        .ok_or(OpError::BadCustomOptions {
            field,
            what: "not an integer that fits in int32",
        })
}

/// Integer option `field` within `range`.
pub(crate) fn option_in(
    map: &FlexMap<'_>,
    field: &'static str,
    range: core::ops::Range<i64>,
) -> Result<i32, OpError> {
    let v = option_i32(map, field)?;
    if range.contains(&i64::from(v)) {
        Ok(v)
    } else {
        Err(OpError::UnsupportedOption {
            field,
            value: i64::from(v),
        })
    }
}

/// Boolean option `field`.
pub(crate) fn option_bool(map: &FlexMap<'_>, field: &'static str) -> Result<bool, OpError> {
    value(map, field)?
        .as_bool()
        .ok_or(OpError::BadCustomOptions {
            field,
            what: "not a boolean",
        })
}

/// `tensor` has dtype `dtype` and rank `rank`.
pub(crate) fn expect(tensor: &Tensor<'_>, dtype: TensorType, rank: usize) -> Result<(), OpError> {
    expect_type(tensor, dtype)?;
    if tensor.shape().rank() != rank {
        return Err(OpError::ShapeMismatch {
            tensor: tensor.index(),
            what: if rank == 0 {
                "must be a scalar"
            } else {
                "must be 1-D"
            },
        });
    }
    Ok(())
}

/// `tensor` has `count` elements.
pub(crate) fn expect_count(
    tensor: &Tensor<'_>,
    count: usize,
    what: &'static str,
) -> Result<(), OpError> {
    if tensor.element_count() == count {
        Ok(())
    } else {
        Err(OpError::ShapeMismatch {
            tensor: tensor.index(),
            what,
        })
    }
}
