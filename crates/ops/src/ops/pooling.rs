//! AVERAGE_POOL_2D and MAX_POOL_2D over NHWC tensors (float32, int8, int16), and
//! L2_POOL_2D (float32), as TFLM's reference kernels: Pool2DOptions give the
//! window, strides, SAME or VALID padding and a fused clamping activation.
//! With batch 1 average and max pooling offer to run in place, row by row
//! ([`super::row_streaming`]).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::padding::{compute_padding_height_width, Padding};
use microlite_kernels::pooling::{
    average_pool_f32, average_pool_int16, average_pool_int8, l2_pool_f32, max_pool_f32,
    max_pool_int16, max_pool_int8, PoolParams,
};
use microlite_kernels::quantization::{
    activation_range_f32, activation_range_i16, activation_range_i8,
};
use microlite_kernels::KernelError;
use microlite_model::schema::Padding as SchemaPadding;
use microlite_model::{Tensor, TensorType};

use super::row_streaming::{stream_rows, RowWindow, Rows};
use crate::activation::clamping_activation;
use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::affine;
use crate::shape_check::to_u32;
use crate::type_set::{self, covers, TypeSet, ALL, FLOAT32, INT16};
use microlite_kernels::binary64::F64;

crate::registry::declare_ops! {
    /// AVERAGE_POOL_2D.
    average_pool_2d => AveragePool2d, AVERAGE_POOL_2D, "int8, int16, float32", versions 1..=3,
        int8 average_pool_2d_int8 => AveragePool2d<{ crate::type_set::INT8 }>;
    /// MAX_POOL_2D.
    max_pool_2d => MaxPool2d, MAX_POOL_2D, "int8, int16, float32", versions 1..=3,
        int8 max_pool_2d_int8 => MaxPool2d<{ crate::type_set::INT8 }>;
    /// L2_POOL_2D.
    l2_pool_2d => L2Pool2d, L2_POOL_2D, "float32", versions 1..=1;
}

const FLOAT: u32 = 0;
const INT8: u32 = 1;
const INT16_KIND: u32 = 2;

/// Largest difference between input and output scales TFLM accepts for
/// quantized pooling (the values are pooled as raw integers).
const MAX_SCALE_DIFFERENCE: f64 = 1.0e-6;

/// Prepared parameters of either pooling op.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct PoolingParams {
    kind: u32,
    pool: PoolParams,
}

/// AVERAGE_POOL_2D.
///
/// `TYPES` ([`crate::type_set`]) selects the types whose code is linked.
pub struct AveragePool2d<const TYPES: TypeSet = ALL>;

/// MAX_POOL_2D.
///
/// `TYPES` ([`crate::type_set`]) selects the types whose code is linked.
pub struct MaxPool2d<const TYPES: TypeSet = ALL>;

/// L2_POOL_2D: float32 only, as TFLM.
pub struct L2Pool2d;

impl Kernel for L2Pool2d {
    type Params = PoolingParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<PoolingParams>, OpError> {
        let input = ctx.input(0)?;
        if input.dtype() != TensorType::Float32 {
            return Err(OpError::UnsupportedType {
                tensor: input.index(),
                dtype: input.dtype(),
            });
        }
        prepare_pool(ctx, FLOAT32).map(Prepared::new)
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &PoolingParams, _: &[u8]) -> Result<(), OpError> {
        l2_pool_f32(&p.pool, ctx.input::<f32>(0)?, ctx.output::<f32>()?).map_err(OpError::from)
    }
}

/// `kernel` if `TYPES` covers float32 (so that it is linked only then).
fn float_kernel<const TYPES: TypeSet>(kernel: PoolFn<f32>) -> Option<PoolFn<f32>> {
    covers(TYPES, FLOAT32).then_some(kernel)
}

impl<const TYPES: TypeSet> Kernel for AveragePool2d<TYPES> {
    type Params = PoolingParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<PoolingParams>, OpError> {
        prepare_pool(ctx, TYPES).map(with_row_offer)
    }

    fn rows(p: &PoolingParams) -> Option<Rows> {
        pool_rows(&p.pool)
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &PoolingParams, _: &[u8]) -> Result<(), OpError> {
        if ctx.in_place_input().is_some() || ctx.band().is_some() {
            let float = float_kernel::<TYPES>(average_pool_f32);
            return pool_rows_eval(ctx, p, float, average_pool_int8);
        }
        let result = if covers(TYPES, FLOAT32) && p.kind == FLOAT {
            average_pool_f32(&p.pool, ctx.input::<f32>(0)?, ctx.output::<f32>()?)
        } else if covers(TYPES, INT16) && p.kind == INT16_KIND {
            average_pool_int16(&p.pool, ctx.input::<i16>(0)?, ctx.output::<i16>()?)
        } else {
            average_pool_int8(&p.pool, ctx.input::<i8>(0)?, ctx.output::<i8>()?)
        };
        result.map_err(OpError::from)
    }
}

impl<const TYPES: TypeSet> Kernel for MaxPool2d<TYPES> {
    type Params = PoolingParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<PoolingParams>, OpError> {
        prepare_pool(ctx, TYPES).map(with_row_offer)
    }

    fn rows(p: &PoolingParams) -> Option<Rows> {
        pool_rows(&p.pool)
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &PoolingParams, _: &[u8]) -> Result<(), OpError> {
        if ctx.in_place_input().is_some() || ctx.band().is_some() {
            let float = float_kernel::<TYPES>(max_pool_f32);
            return pool_rows_eval(ctx, p, float, max_pool_int8);
        }
        let result = if covers(TYPES, FLOAT32) && p.kind == FLOAT {
            max_pool_f32(&p.pool, ctx.input::<f32>(0)?, ctx.output::<f32>()?)
        } else if covers(TYPES, INT16) && p.kind == INT16_KIND {
            max_pool_int16(&p.pool, ctx.input::<i16>(0)?, ctx.output::<i16>()?)
        } else {
            max_pool_int8(&p.pool, ctx.input::<i8>(0)?, ctx.output::<i8>()?)
        };
        result.map_err(OpError::from)
    }
}

// ------------------------------------------------------------------ in place

/// Vertical geometry for row streaming (batch 1 only).
fn pool_rows(pool: &PoolParams) -> Option<Rows> {
    let dim = |v: u32| v as usize;
    let (input, output) = (pool.input_shape, pool.output_shape);
    (input[0] == 1 && output[0] == 1).then(|| Rows {
        input_height: dim(input[1]),
        input_row: dim(input[2]).saturating_mul(dim(input[3])),
        output_height: dim(output[1]),
        output_row: dim(output[2]).saturating_mul(dim(output[3])),
        output_width: dim(output[2]),
        // Plain loops: single rows, the least scratch.
        chunk_pixels: 1,
        stride: dim(pool.stride_height),
        padding: dim(pool.padding_top),
        filter_height: dim(pool.filter_height),
        dilation: 1,
    })
}

/// Prepared params with the row-streaming in-place offer (batch 1; float32
/// and int8, the types real models pool in place).
fn with_row_offer(params: PoolingParams) -> Prepared<PoolingParams> {
    let element_size = match params.kind {
        FLOAT => 4,
        INT8 => 1,
        _ => return Prepared::new(params),
    };
    let mut prepared = Prepared::new(params);
    prepared.needs.in_place = pool_rows(&params.pool).and_then(|rows| rows.offer(element_size));
    prepared
}

type PoolFn<T> = fn(&PoolParams, &[T], &mut [T]) -> Result<(), KernelError>;

/// Pooling by rows: with the output over the input, row by row
/// ([`super::row_streaming`]), or the one band asked for
/// ([`EvalContext::band`]). `float` is `None` when the registration
/// covers no float32 (prepare then accepted no float model).
fn pool_rows_eval(
    ctx: &mut EvalContext<'_>,
    p: &PoolingParams,
    float: Option<PoolFn<f32>>,
    int8: PoolFn<i8>,
) -> Result<(), OpError> {
    let rows = pool_rows(&p.pool).ok_or(OpError::Internal("pooling by rows with batches"))?;
    let row_params = |window: &RowWindow, output_rows: usize| PoolParams {
        input_shape: [
            1,
            window.rows.len() as u32,
            p.pool.input_shape[2],
            p.pool.input_shape[3],
        ],
        output_shape: [
            1,
            output_rows as u32,
            p.pool.output_shape[2],
            p.pool.output_shape[3],
        ],
        padding_top: window.padding as u32,
        ..p.pool
    };
    if let Some(band) = ctx.band() {
        let window = rows.window(band.clone());
        let params = row_params(&window, band.len());
        return if p.kind == FLOAT {
            let float = float.ok_or(OpError::Internal("float pooling not registered"))?;
            let input = ctx.input::<f32>(0)?;
            float(&params, input, ctx.output::<f32>()?).map_err(OpError::from)
        } else {
            let input = ctx.input::<i8>(0)?;
            int8(&params, input, ctx.output::<i8>()?).map_err(OpError::from)
        };
    }
    let missing = OpError::Internal("in-place pooling without a shared region");
    if p.kind == FLOAT {
        let float = float.ok_or(OpError::Internal("float pooling not registered"))?;
        let (region, row) = ctx.in_place::<f32, f32>()?.ok_or(missing)?;
        stream_rows(&rows, region, row, |rp| {
            float(&row_params(&rp.window, rp.output_rows), rp.input, rp.output)
                .map_err(OpError::from)
        })
    } else {
        let (region, row) = ctx.in_place::<i8, i8>()?.ok_or(missing)?;
        stream_rows(&rows, region, row, |rp| {
            int8(&row_params(&rp.window, rp.output_rows), rp.input, rp.output)
                .map_err(OpError::from)
        })
    }
}

/// A strictly positive option value.
fn positive(field: &'static str, value: i32) -> Result<usize, OpError> {
    usize::try_from(value)
        .ok()
        .filter(|&v| v > 0)
        .ok_or(OpError::UnsupportedOption {
            field,
            value: i64::from(value),
        })
}

/// The dims of a rank-4 (NHWC) tensor.
fn nhwc(tensor: &Tensor<'_>) -> Result<[u32; 4], OpError> {
    let shape = tensor.shape();
    let dims = shape.to_array::<4>().ok_or(OpError::UnsupportedRank {
        tensor: tensor.index(),
        rank: shape.rank(),
        max: 4,
    })?;
    Ok([
        to_u32(dims[0])?,
        to_u32(dims[1])?,
        to_u32(dims[2])?,
        to_u32(dims[3])?,
    ])
}

/// Whether every output position along one axis has a window that overlaps
/// the input: window `k` covers `[k * stride - pad, k * stride - pad +
/// filter)`, so checking the first and the last window suffices.
fn windows_overlap_input(input: u32, output: u32, filter: u32, stride: u32, pad: u32) -> bool {
    let Some(last) = output.checked_sub(1) else {
        return true;
    };
    let first_end = i64::from(filter) - i64::from(pad);
    let last_start = i64::from(last) * i64::from(stride) - i64::from(pad);
    first_end > 0 && last_start < i64::from(input)
}

fn prepare_pool(ctx: &PrepareContext<'_>, types: TypeSet) -> Result<PoolingParams, OpError> {
    ctx.expect_io(1, 1, 1)?;
    // Absent options would mean zero strides and filter sizes: never valid.
    let options = ctx
        .operator()
        .raw()
        .builtin_options_as_pool2d_options()
        .ok_or(OpError::MissingOptions)?;
    let padding = match options.padding() {
        SchemaPadding::SAME => Padding::Same,
        SchemaPadding::VALID => Padding::Valid,
        other => {
            return Err(OpError::UnsupportedOption {
                field: "padding",
                value: i64::from(other.0),
            })
        }
    };
    let stride_h = positive("stride_h", options.stride_h())?;
    let stride_w = positive("stride_w", options.stride_w())?;
    let filter_h = positive("filter_height", options.filter_height())?;
    let filter_w = positive("filter_width", options.filter_width())?;
    let activation = clamping_activation(options.fused_activation_function())?;

    let input = ctx.input(0)?;
    type_set::require(types, &input)?;
    let output = ctx.output(0)?;
    let in_dims = nhwc(&input)?;
    let out_dims = nhwc(&output)?;
    let values = compute_padding_height_width(
        padding,
        stride_h,
        stride_w,
        1,
        1,
        in_dims[1] as usize,
        in_dims[2] as usize,
        filter_h,
        filter_w,
    )
    .ok_or(OpError::ShapeMismatch {
        tensor: input.index(),
        what: "pooling window does not fit the input",
    })?;
    let expected = [
        in_dims[0],
        to_u32(values.output_height)?,
        to_u32(values.output_width)?,
        in_dims[3],
    ];
    if out_dims != expected {
        return Err(OpError::ShapeMismatch {
            tensor: output.index(),
            what: "output shape differs from [batches, out_h, out_w, input channels]",
        });
    }
    let mut pool = PoolParams {
        input_shape: in_dims,
        output_shape: out_dims,
        filter_height: to_u32(filter_h)?,
        filter_width: to_u32(filter_w)?,
        stride_height: to_u32(stride_h)?,
        stride_width: to_u32(stride_w)?,
        padding_top: to_u32(values.height)?,
        padding_left: to_u32(values.width)?,
        quantized_activation_min: 0,
        quantized_activation_max: 0,
        float_activation_min: 0.0,
        float_activation_max: 0.0,
    };
    let rows_ok = windows_overlap_input(
        in_dims[1],
        out_dims[1],
        pool.filter_height,
        pool.stride_height,
        pool.padding_top,
    );
    let cols_ok = windows_overlap_input(
        in_dims[2],
        out_dims[2],
        pool.filter_width,
        pool.stride_width,
        pool.padding_left,
    );
    if !rows_ok || !cols_ok {
        return Err(OpError::ShapeMismatch {
            tensor: input.index(),
            what: "a pooling window lies entirely in the padding",
        });
    }
    let kind = match input.dtype() {
        TensorType::Float32 => {
            expect_type(&output, TensorType::Float32)?;
            (pool.float_activation_min, pool.float_activation_max) =
                activation_range_f32(activation);
            FLOAT
        }
        dtype @ (TensorType::Int8 | TensorType::Int16) => {
            expect_type(&output, dtype)?;
            let input_q = affine(&input)?;
            let output_q = affine(&output)?;
            let scale_difference =
                (F64::from_f32(input_q.scale) - F64::from_f32(output_q.scale)).abs();
            if scale_difference > F64::from_f64(MAX_SCALE_DIFFERENCE)
                || input_q.zero_point != output_q.zero_point
            {
                return Err(OpError::BadQuantization {
                    tensor: output.index(),
                    what: "pooling output quantization differs from the input's",
                });
            }
            let range = if dtype == TensorType::Int8 {
                activation_range_i8(activation, output_q.scale, output_q.zero_point)
            } else {
                activation_range_i16(activation, output_q.scale, output_q.zero_point)
            };
            (pool.quantized_activation_min, pool.quantized_activation_max) =
                range.map_err(|_| OpError::BadQuantization {
                    tensor: output.index(),
                    what: "activation range not representable",
                })?;
            if dtype == TensorType::Int8 {
                INT8
            } else {
                INT16_KIND
            }
        }
        other => {
            return Err(OpError::UnsupportedType {
                tensor: input.index(),
                dtype: other,
            })
        }
    };
    Ok(PoolingParams { kind, pool })
}

#[cfg(test)]
mod tests {
    use super::windows_overlap_input;

    #[test]
    fn window_overlap_checks_first_and_last_window() {
        // SAME, in 5, filter 3, stride 2: out 3, pad 1 -> windows [-1,2), [1,4), [3,6).
        assert!(windows_overlap_input(5, 3, 3, 2, 1));
        // Padding as large as the filter: the first window is all padding.
        assert!(!windows_overlap_input(5, 3, 3, 2, 3));
        // Too many outputs: the last window starts past the input.
        assert!(!windows_overlap_input(5, 4, 3, 2, 1));
        // No outputs: nothing to check.
        assert!(windows_overlap_input(0, 0, 3, 2, 0));
    }
}
