//! What an op sees: [`PrepareContext`] (the model's view of the operator and
//! its tensors) and [`EvalContext`] (the bytes of its inputs, output and
//! scratch for one invoke).

use bytemuck::Pod;
use microlite_model::{Operator, Subgraph, Tensor, TensorType};

use crate::error::OpError;

/// Most inputs an operator may have in this runtime.
pub const MAX_OP_INPUTS: usize = 16;

/// The operator being prepared, with its subgraph.
#[derive(Clone, Copy)]
pub struct PrepareContext<'m> {
    subgraph: Subgraph<'m>,
    op: Operator<'m>,
}

impl<'m> PrepareContext<'m> {
    /// Context for operator `op` of `subgraph`.
    pub fn new(subgraph: Subgraph<'m>, op: Operator<'m>) -> Self {
        Self { subgraph, op }
    }

    /// The operator.
    pub fn operator(&self) -> &Operator<'m> {
        &self.op
    }

    /// The subgraph the operator belongs to.
    pub fn subgraph(&self) -> &Subgraph<'m> {
        &self.subgraph
    }

    /// Check the input count (absent optional inputs count) and the output count.
    pub fn expect_io(&self, min_in: usize, max_in: usize, outputs: usize) -> Result<(), OpError> {
        let found = self.op.inputs().len();
        if found < min_in || found > max_in {
            return Err(OpError::InputCount {
                min: min_in,
                max: max_in,
                found,
            });
        }
        let found = self.op.outputs().len();
        if found != outputs {
            return Err(OpError::OutputCount {
                expected: outputs,
                found,
            });
        }
        Ok(())
    }

    /// Input `k`, which must be present.
    pub fn input(&self, k: usize) -> Result<Tensor<'m>, OpError> {
        self.optional_input(k)
            .ok_or(OpError::MissingInput { position: k })
    }

    /// Input `k`, or `None` when it is absent (-1) or beyond the input list.
    pub fn optional_input(&self, k: usize) -> Option<Tensor<'m>> {
        self.op.input(k).and_then(|t| self.subgraph.tensor(t))
    }

    /// Output `k`.
    pub fn output(&self, k: usize) -> Result<Tensor<'m>, OpError> {
        self.op
            .output(k)
            .and_then(|t| self.subgraph.tensor(t))
            .ok_or(OpError::OutputCount {
                expected: k + 1,
                found: self.op.outputs().len(),
            })
    }
}

/// Require `tensor` to have dtype `want`.
pub fn expect_type(tensor: &Tensor<'_>, want: TensorType) -> Result<(), OpError> {
    if tensor.dtype() == want {
        Ok(())
    } else {
        Err(OpError::UnsupportedType {
            tensor: tensor.index(),
            dtype: tensor.dtype(),
        })
    }
}

/// The bytes one operator works on during one invoke. Built by the
/// interpreter, whose planner guarantees the output and scratch never overlap
/// a live input.
pub struct EvalContext<'h> {
    inputs: [Option<&'h [u8]>; MAX_OP_INPUTS],
    output: &'h mut [u8],
    scratch: &'h mut [u8],
}

impl<'h> EvalContext<'h> {
    /// Context over the given input bytes (`None` = absent optional input),
    /// output bytes and scratch bytes.
    pub fn new(
        inputs: [Option<&'h [u8]>; MAX_OP_INPUTS],
        output: &'h mut [u8],
        scratch: &'h mut [u8],
    ) -> Self {
        Self {
            inputs,
            output,
            scratch,
        }
    }

    /// Raw bytes of input `k`.
    pub fn input_bytes(&self, k: usize) -> Result<&'h [u8], OpError> {
        self.inputs
            .get(k)
            .copied()
            .flatten()
            .ok_or(OpError::Internal("input prepared as present is absent"))
    }

    /// Input `k` viewed as elements of `T`.
    pub fn input<T: Pod>(&self, k: usize) -> Result<&'h [T], OpError> {
        cast(self.input_bytes(k)?)
    }

    /// Optional input `k` viewed as elements of `T`.
    pub fn optional_input<T: Pod>(&self, k: usize) -> Result<Option<&'h [T]>, OpError> {
        match self.inputs.get(k).copied().flatten() {
            Some(bytes) => cast(bytes).map(Some),
            None => Ok(None),
        }
    }

    /// The output viewed as elements of `T`.
    pub fn output<T: Pod>(&mut self) -> Result<&mut [T], OpError> {
        bytemuck::try_cast_slice_mut(self.output)
            .map_err(|_| OpError::Internal("output bytes misaligned for its dtype"))
    }

    /// The output and the scratch buffer at once.
    pub fn output_and_scratch<T: Pod, S: Pod>(&mut self) -> Result<(&mut [T], &mut [S]), OpError> {
        let out = bytemuck::try_cast_slice_mut(self.output)
            .map_err(|_| OpError::Internal("output bytes misaligned for its dtype"))?;
        let scratch = bytemuck::try_cast_slice_mut(self.scratch)
            .map_err(|_| OpError::Internal("scratch bytes misaligned"))?;
        Ok((out, scratch))
    }
}

fn cast<T: Pod>(bytes: &[u8]) -> Result<&[T], OpError> {
    bytemuck::try_cast_slice(bytes).map_err(|_| OpError::Internal("input bytes misaligned"))
}
