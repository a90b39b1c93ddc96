//! BROADCAST_ARGS: the shape two 1-D int32 or int64 shape tensors broadcast
//! to, as TFLM. Incompatible extents fail the invoke
//! ([`microlite_kernels::KernelError::InvalidValue`]; TFLM aborts).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::broadcast_args::broadcast_args as broadcast_shapes;
use microlite_model::TensorType;

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};

crate::registry::declare_ops! {
    /// BROADCAST_ARGS.
    broadcast_args => BroadcastArgs, BROADCAST_ARGS, "int32, int64", versions 1..=1;
}

/// Prepared BROADCAST_ARGS parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct BroadcastArgsParams {
    /// Nonzero for int64.
    wide: u32,
}

/// BROADCAST_ARGS.
pub struct BroadcastArgs;

impl Kernel for BroadcastArgs {
    type Params = BroadcastArgsParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<BroadcastArgsParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (a, b, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        if !matches!(a.dtype(), TensorType::Int32 | TensorType::Int64) {
            return Err(OpError::UnsupportedType {
                tensor: a.index(),
                dtype: a.dtype(),
            });
        }
        expect_type(&b, a.dtype())?;
        expect_type(&output, a.dtype())?;
        for t in [&a, &b, &output] {
            if t.shape().rank() != 1 {
                return Err(OpError::ShapeMismatch {
                    tensor: t.index(),
                    what: "shapes must be vectors",
                });
            }
        }
        Ok(Prepared::new(BroadcastArgsParams {
            wide: u32::from(a.dtype() == TensorType::Int64),
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &BroadcastArgsParams, _: &[u8]) -> Result<(), OpError> {
        if p.wide != 0 {
            let (a, b) = (ctx.input::<i64>(0)?, ctx.input::<i64>(1)?);
            broadcast_shapes(a, b, ctx.output::<i64>()?)?;
        } else {
            let (a, b) = (ctx.input::<i32>(0)?, ctx.input::<i32>(1)?);
            broadcast_shapes(a, b, ctx.output::<i32>()?)?;
        }
        Ok(())
    }
}
