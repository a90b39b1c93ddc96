//! What an op sees: [`PrepareContext`] (the model's view of the operator and
//! its tensors) and [`EvalContext`] (the bytes of its inputs, output and
//! scratch for one invoke).

use core::mem::size_of;
use core::ops::Range;

use bytemuck::Pod;
use microlite_kernels::optimized::Backend;
use microlite_model::{Model, Operator, Subgraph, Tensor, TensorType};

use crate::error::OpError;

/// Most inputs an operator may have in this runtime, but for ops evaluated
/// in a head frame (several outputs or state), which may have
/// [`MAX_FRAME_INPUTS`].
pub const MAX_OP_INPUTS: usize = 16;

/// Most inputs an operator evaluated in a head frame may have (TFLM's
/// UNIDIRECTIONAL_SEQUENCE_LSTM has 24); inputs from [`MAX_OP_INPUTS`] on
/// are kept in its [`FrameParts`].
pub const MAX_FRAME_INPUTS: usize = 24;

/// Most variable-tensor inputs a [`crate::Kernel::STATEFUL`] operator may
/// update in one eval.
pub const MAX_VARIABLE_INPUTS: usize = 4;

/// Most outputs an operator may have in this runtime (SPLIT, SPLIT_V and
/// UNPACK into more pieces are refused at prepare).
pub const MAX_OP_OUTPUTS: usize = 16;

/// The operator being prepared, with its subgraph and the kernels that
/// will run it.
#[derive(Clone, Copy)]
pub struct PrepareContext<'m> {
    subgraph: Subgraph<'m>,
    op: Operator<'m>,
    backend: Backend,
    /// The whole model, for ops that call other subgraphs (IF, WHILE,
    /// CALL_ONCE) and check them.
    model: Option<Model<'m>>,
}

impl<'m> PrepareContext<'m> {
    /// Context for operator `op` of `subgraph`, to run on `backend` (its
    /// scratch sizes and chunking depend on the kernels).
    pub fn new(subgraph: Subgraph<'m>, op: Operator<'m>, backend: Backend) -> Self {
        Self {
            subgraph,
            op,
            backend,
            model: None,
        }
    }

    /// This context with the whole model, which ops calling other
    /// subgraphs ([`crate::Kernel::CALLS_SUBGRAPHS`]) check against.
    pub fn with_model(self, model: Model<'m>) -> Self {
        Self {
            model: Some(model),
            ..self
        }
    }

    /// The whole model, when the interpreter gave it
    /// ([`PrepareContext::with_model`]).
    pub fn model(&self) -> Option<&Model<'m>> {
        self.model.as_ref()
    }

    /// The kernels the operator will run on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The operator.
    pub fn operator(&self) -> &Operator<'m> {
        &self.op
    }

    /// The subgraph the operator belongs to.
    pub fn subgraph(&self) -> &Subgraph<'m> {
        &self.subgraph
    }

    /// Check the input count (absent optional inputs count).
    fn expect_inputs(&self, min: usize, max: usize) -> Result<(), OpError> {
        let found = self.op.inputs().len();
        if found < min || found > max {
            return Err(OpError::InputCount { min, max, found });
        }
        Ok(())
    }

    /// Check the input count (absent optional inputs count) and the output count.
    pub fn expect_io(&self, min_in: usize, max_in: usize, outputs: usize) -> Result<(), OpError> {
        self.expect_inputs(min_in, max_in)?;
        let found = self.op.outputs().len();
        if found != outputs {
            return Err(OpError::OutputCount {
                expected: outputs,
                found,
            });
        }
        Ok(())
    }

    /// Check the input count, and that there are between 1 and
    /// [`MAX_OP_OUTPUTS`] outputs; returns the output count.
    pub fn expect_io_outputs(&self, min_in: usize, max_in: usize) -> Result<usize, OpError> {
        self.expect_inputs(min_in, max_in)?;
        let outputs = self.op.outputs().len();
        if outputs == 0 || outputs > MAX_OP_OUTPUTS {
            return Err(OpError::TooManyOutputs {
                found: outputs,
                max: MAX_OP_OUTPUTS,
            });
        }
        Ok(outputs)
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

/// Where, in an in-place operator's shared region, its overwritten input
/// and its output lie (byte offsets and lengths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedBytes {
    /// The operator input whose memory the output reuses.
    pub input: usize,
    /// Offset of that input in the region.
    pub input_at: usize,
    /// Length of that input.
    pub input_len: usize,
    /// Offset of the output in the region.
    pub output_at: usize,
    /// Length of the output.
    pub output_len: usize,
}

impl SharedBytes {
    fn input_range(&self) -> Option<Range<usize>> {
        Some(self.input_at..self.input_at.checked_add(self.input_len)?)
    }

    fn output_range(&self) -> Option<Range<usize>> {
        Some(self.output_at..self.output_at.checked_add(self.output_len)?)
    }
}

/// An in-place operator's shared memory as elements of `T`: the input
/// (still intact on entry) and the output ranges within one slice.
pub struct InPlaceRegion<'a, T> {
    /// The whole region (input and output together).
    pub data: &'a mut [T],
    /// Element range of the overwritten input in `data`.
    pub input: Range<usize>,
    /// Element range of the output in `data`.
    pub output: Range<usize>,
}

/// An in-place region and the scratch buffer ([`EvalContext::in_place`]).
pub type RegionAndScratch<'a, T, S> = (InPlaceRegion<'a, T>, &'a mut [S]);

/// The bytes one operator works on during one invoke. Built by the
/// interpreter, whose planner guarantees the output and scratch never overlap
/// a live input, except the one input an in-place grant lets the output
/// share ([`EvalContext::in_place`]).
pub struct EvalContext<'h> {
    backend: Backend,
    inputs: [Option<&'h [u8]>; MAX_OP_INPUTS],
    /// The output, or with `shared` the whole shared region.
    output: &'h mut [u8],
    /// What an operator evaluated in a head frame has besides (one
    /// pointer, so the common context stays small).
    frame: Option<&'h mut FrameParts<'h>>,
    scratch: &'h mut [u8],
    shared: Option<SharedBytes>,
    /// Output rows of a band evaluation ([`EvalContext::new_band`]).
    band: Option<Range<usize>>,
}

/// The parts of a head frame ([`crate::HeadFrame`]) an operator's context
/// holds besides its output 0 and scratch.
#[derive(Default)]
pub struct FrameParts<'h> {
    /// Outputs 1 and up (`more_outputs[k - 1]` is output `k`).
    pub more_outputs: &'h mut [&'h mut [u8]],
    /// Variable-tensor inputs a stateful op updates, by input position;
    /// taken once each ([`EvalContext::take_variable_input`]).
    pub variables: &'h mut [(usize, &'h mut [u8])],
    /// The op's own state bytes ([`crate::Needs::state_bytes`]).
    pub state: &'h mut [u8],
    /// Inputs [`MAX_OP_INPUTS`] and up (`None`: absent).
    pub more_inputs: [Option<&'h [u8]>; MAX_FRAME_INPUTS - MAX_OP_INPUTS],
}

/// Elements per stack chunk when an elementwise op streams in place.
const STREAM_CHUNK: usize = 256;

impl<'h> EvalContext<'h> {
    /// Context over the given input bytes (`None` = absent optional input),
    /// output bytes and scratch bytes, running `backend`'s kernels.
    pub fn new(
        backend: Backend,
        inputs: [Option<&'h [u8]>; MAX_OP_INPUTS],
        output: &'h mut [u8],
        scratch: &'h mut [u8],
    ) -> Self {
        Self {
            backend,
            inputs,
            output,
            frame: None,
            scratch,
            shared: None,
            band: None,
        }
    }

    /// This context with the parts of a head frame: outputs 1 and up, the
    /// variable inputs and the state. Not with an in-place region.
    pub fn with_frame(self, frame: &'h mut FrameParts<'h>) -> Self {
        Self {
            frame: Some(frame),
            ..self
        }
    }

    /// Input `k`, a variable tensor, as mutable elements of `T`: for a
    /// [`crate::Kernel::STATEFUL`] op, once per eval. Its bytes persist
    /// across invokes; the interpreter sets them to 0 (an int8 tensor to its
    /// zero point) at start and at `Interpreter::reset_state`, as TFLM's
    /// `ResetVariableTensors`.
    pub fn take_variable_input<T: Pod>(&mut self, k: usize) -> Result<&'h mut [T], OpError> {
        let bytes = self
            .frame
            .as_mut()
            .and_then(|frame| frame.variables.iter_mut().find(|(at, _)| *at == k))
            .map(|(_, bytes)| core::mem::take(bytes))
            .ok_or(OpError::Internal("variable input absent or taken"))?;
        bytemuck::try_cast_slice_mut(bytes)
            .map_err(|_| OpError::Internal("variable input misaligned for its dtype"))
    }

    /// The op's state ([`crate::Needs::state_bytes`]) as mutable elements
    /// of `T`, once per eval (then empty).
    pub fn take_state<T: Pod>(&mut self) -> Result<&'h mut [T], OpError> {
        let state = match self.frame.as_mut() {
            Some(frame) => core::mem::take(&mut frame.state),
            None => &mut [],
        };
        bytemuck::try_cast_slice_mut(state).map_err(|_| OpError::Internal("state bytes misaligned"))
    }

    /// The kernels to run.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Context for one band of a windowed op ([`crate::Kernel::rows`]):
    /// compute only output rows `rows`. Input 0 holds exactly the input
    /// rows their windows read (`Rows::window(rows)`), the output exactly
    /// those output rows; the other inputs are whole.
    pub fn new_band(
        backend: Backend,
        inputs: [Option<&'h [u8]>; MAX_OP_INPUTS],
        output: &'h mut [u8],
        scratch: &'h mut [u8],
        rows: Range<usize>,
    ) -> Self {
        Self {
            band: Some(rows),
            ..Self::new(backend, inputs, output, scratch)
        }
    }

    /// The output rows to compute, for a band evaluation.
    pub fn band(&self) -> Option<Range<usize>> {
        self.band.clone()
    }

    /// Context for an in-place grant: input `shared.input` and the output
    /// both live in `region`, where `shared` says; the other inputs are
    /// given as in [`EvalContext::new`] (the shared input's entry is
    /// ignored).
    pub fn new_in_place(
        backend: Backend,
        mut inputs: [Option<&'h [u8]>; MAX_OP_INPUTS],
        region: &'h mut [u8],
        shared: SharedBytes,
        scratch: &'h mut [u8],
    ) -> Result<Self, OpError> {
        let fits = |r: Option<Range<usize>>| r.is_some_and(|r| r.end <= region.len());
        if !fits(shared.input_range()) || !fits(shared.output_range()) {
            return Err(OpError::Internal(
                "in-place ranges beyond the shared region",
            ));
        }
        let entry = inputs
            .get_mut(shared.input)
            .ok_or(OpError::Internal("in-place input position"))?;
        *entry = None;
        Ok(Self {
            backend,
            inputs,
            output: region,
            frame: None,
            scratch,
            shared: Some(shared),
            band: None,
        })
    }

    /// The input whose memory the output reuses, when in place.
    pub fn in_place_input(&self) -> Option<usize> {
        self.shared.map(|s| s.input)
    }

    /// Raw bytes of input `k`.
    pub fn input_bytes(&self, k: usize) -> Result<&'h [u8], OpError> {
        if self.in_place_input() == Some(k) {
            return Err(OpError::Internal(
                "input shares the output's memory: read it through in_place",
            ));
        }
        self.input_entry(k)
            .ok_or(OpError::Internal("input prepared as present is absent"))
    }

    /// Input `k`'s bytes, `None` when absent.
    fn input_entry(&self, k: usize) -> Option<&'h [u8]> {
        match self.inputs.get(k) {
            Some(entry) => *entry,
            None => self
                .frame
                .as_ref()
                .and_then(|frame| frame.more_inputs.get(k.checked_sub(MAX_OP_INPUTS)?))
                .copied()
                .flatten(),
        }
    }

    /// Input `k` viewed as elements of `T`.
    pub fn input<T: Pod>(&self, k: usize) -> Result<&'h [T], OpError> {
        cast(self.input_bytes(k)?)
    }

    /// Optional input `k` viewed as elements of `T`.
    pub fn optional_input<T: Pod>(&self, k: usize) -> Result<Option<&'h [T]>, OpError> {
        match self.input_entry(k) {
            Some(bytes) => cast(bytes).map(Some),
            None => Ok(None),
        }
    }

    fn output_bytes(&mut self) -> Result<&mut [u8], OpError> {
        match self.shared {
            None => Ok(&mut *self.output),
            Some(shared) => shared
                .output_range()
                .and_then(|r| self.output.get_mut(r))
                .ok_or(OpError::Internal("in-place output range")),
        }
    }

    /// The output viewed as elements of `T`.
    pub fn output<T: Pod>(&mut self) -> Result<&mut [T], OpError> {
        bytemuck::try_cast_slice_mut(self.output_bytes()?)
            .map_err(|_| OpError::Internal("output bytes misaligned for its dtype"))
    }

    /// Output `k` viewed as elements of `T` (output 0 is
    /// [`EvalContext::output`]).
    pub fn output_at<T: Pod>(&mut self, k: usize) -> Result<&mut [T], OpError> {
        let bytes = match k.checked_sub(1) {
            None => self.output_bytes()?,
            Some(more) => self
                .frame
                .as_mut()
                .and_then(|frame| frame.more_outputs.get_mut(more))
                .map(|b| &mut **b)
                .ok_or(OpError::Internal("output position"))?,
        };
        bytemuck::try_cast_slice_mut(bytes)
            .map_err(|_| OpError::Internal("output bytes misaligned for its dtype"))
    }

    /// The output and the scratch buffer at once.
    pub fn output_and_scratch<T: Pod, S: Pod>(&mut self) -> Result<(&mut [T], &mut [S]), OpError> {
        let output = match self.shared {
            None => &mut *self.output,
            Some(shared) => shared
                .output_range()
                .and_then(|r| self.output.get_mut(r))
                .ok_or(OpError::Internal("in-place output range"))?,
        };
        let out = bytemuck::try_cast_slice_mut(output)
            .map_err(|_| OpError::Internal("output bytes misaligned for its dtype"))?;
        let scratch = bytemuck::try_cast_slice_mut(self.scratch)
            .map_err(|_| OpError::Internal("scratch bytes misaligned"))?;
        Ok((out, scratch))
    }

    /// When in place: the shared region as elements of `T` (input and
    /// output of the same element type) and the scratch buffer.
    pub fn in_place<T: Pod, S: Pod>(
        &mut self,
    ) -> Result<Option<RegionAndScratch<'_, T, S>>, OpError> {
        let Some(shared) = self.shared else {
            return Ok(None);
        };
        let size = size_of::<T>().max(1);
        let elements = |at: usize, len: usize| {
            (at.is_multiple_of(size) && len.is_multiple_of(size))
                .then(|| at / size..(at + len) / size)
        };
        let input = elements(shared.input_at, shared.input_len);
        let output = elements(shared.output_at, shared.output_len);
        let data = bytemuck::try_cast_slice_mut(&mut *self.output).ok();
        let scratch = bytemuck::try_cast_slice_mut(&mut *self.scratch).ok();
        match (data, input, output, scratch) {
            (Some(data), Some(input), Some(output), Some(scratch)) => Ok(Some((
                InPlaceRegion {
                    data,
                    input,
                    output,
                },
                scratch,
            ))),
            _ => Err(OpError::Internal("in-place region misaligned")),
        }
    }

    /// Apply an elementwise kernel to input `k`: `f(input, output)` where
    /// `output[i]` depends on `input[i]` only. With separate buffers `f`
    /// runs once; in place (output over input `k`, starting no later than
    /// it, elements no larger) it runs chunk by chunk on a stack copy of the
    /// input, which gives the same bits.
    pub fn map_elements<I: Pod, O: Pod, E>(
        &mut self,
        k: usize,
        mut f: impl FnMut(&[I], &mut [O]) -> Result<(), E>,
    ) -> Result<Result<(), E>, OpError> {
        let Some(shared) = self.shared.filter(|s| s.input == k) else {
            let input = self.input::<I>(k)?;
            return Ok(f(input, self.output::<O>()?));
        };
        let (in_size, out_size) = (size_of::<I>(), size_of::<O>());
        if out_size > in_size || shared.output_at > shared.input_at {
            return Err(OpError::Internal("in-place elementwise layout"));
        }
        let count = shared.input_len / in_size.max(1);
        if count.checked_mul(out_size) != Some(shared.output_len) {
            return Err(OpError::Internal("in-place elementwise lengths"));
        }
        let mut chunk = [I::zeroed(); STREAM_CHUNK];
        let mut done = 0;
        while done < count {
            let n = (count - done).min(STREAM_CHUNK);
            let from = shared.input_at + done * in_size;
            let to = shared.output_at + done * out_size;
            let buffer = chunk
                .get_mut(..n)
                .ok_or(OpError::Internal("stream chunk"))?;
            let source = self
                .output
                .get(from..from + n * in_size)
                .ok_or(OpError::Internal("in-place input range"))?;
            bytemuck::try_cast_slice_mut::<I, u8>(buffer)
                .map_err(|_| OpError::Internal("stream chunk"))?
                .copy_from_slice(source);
            // Output element j ends at or before input element j: writing
            // elements done..done+n leaves every input element from done+n
            // on intact.
            let target = self
                .output
                .get_mut(to..to + n * out_size)
                .and_then(|b| bytemuck::try_cast_slice_mut::<u8, O>(b).ok())
                .ok_or(OpError::Internal("in-place output range"))?;
            if let Err(e) = f(buffer, target) {
                return Ok(Err(e));
            }
            done += n;
        }
        Ok(Ok(()))
    }

    /// Apply a same-shape binary elementwise kernel `f(input0, input1,
    /// output)` (`output[i]` depends on `input0[i]` and `input1[i]` only,
    /// all of one element type). With separate buffers `f` runs once; in
    /// place (output over input 0 or 1, starting no later than it) it runs
    /// chunk by chunk on a stack copy of the overwritten input's chunk,
    /// which gives the same bits.
    pub fn map_pairs<T: Pod, E>(
        &mut self,
        mut f: impl FnMut(&[T], &[T], &mut [T]) -> Result<(), E>,
    ) -> Result<Result<(), E>, OpError> {
        let Some(shared) = self.shared.filter(|s| s.input < 2) else {
            let (a, b) = (self.input::<T>(0)?, self.input::<T>(1)?);
            return Ok(f(a, b, self.output::<T>()?));
        };
        let size = size_of::<T>().max(1);
        let other = self.input::<T>(1 - shared.input)?;
        let count = other.len();
        let lengths_ok = count.checked_mul(size) == Some(shared.input_len)
            && shared.input_len == shared.output_len;
        if !lengths_ok || shared.output_at > shared.input_at {
            return Err(OpError::Internal("in-place elementwise layout"));
        }
        let mut chunk = [T::zeroed(); STREAM_CHUNK];
        let mut done = 0;
        while done < count {
            let n = (count - done).min(STREAM_CHUNK);
            let (from, to) = (
                shared.input_at + done * size,
                shared.output_at + done * size,
            );
            let buffer = chunk
                .get_mut(..n)
                .ok_or(OpError::Internal("stream chunk"))?;
            let source = self
                .output
                .get(from..from + n * size)
                .ok_or(OpError::Internal("in-place input range"))?;
            bytemuck::try_cast_slice_mut::<T, u8>(buffer)
                .map_err(|_| OpError::Internal("stream chunk"))?
                .copy_from_slice(source);
            let paired = other
                .get(done..done + n)
                .ok_or(OpError::Internal("in-place other input"))?;
            // Output element j starts at or before input element j: writing
            // elements done..done+n leaves every input element from done+n
            // on intact.
            let target = self
                .output
                .get_mut(to..to + n * size)
                .and_then(|b| bytemuck::try_cast_slice_mut::<u8, T>(b).ok())
                .ok_or(OpError::Internal("in-place output range"))?;
            let (a, b) = if shared.input == 0 {
                (&*buffer, paired)
            } else {
                (paired, &*buffer)
            };
            if let Err(e) = f(a, b, target) {
                return Ok(Err(e));
            }
            done += n;
        }
        Ok(Ok(()))
    }
}

fn cast<T: Pod>(bytes: &[u8]) -> Result<&[T], OpError> {
    bytemuck::try_cast_slice(bytes).map_err(|_| OpError::Internal("input bytes misaligned"))
}
