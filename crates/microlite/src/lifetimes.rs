//! Buffer lifetimes: which operators each tensor must survive, computed from
//! the graph, with aliased outputs (RESHAPE, SQUEEZE) folded into the tensor
//! whose bytes they share.

use bytemuck::{Pod, Zeroable};
use microlite_model::Subgraph;

use crate::error::Error;

/// Marks "no tensor" in [`TensorLife::root`] and "never" in uses.
pub const NONE: u32 = u32::MAX;

/// Per-tensor planning facts, kept in temporary arena memory while planning.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct TensorLife {
    /// First operator index at which the bytes must exist (`NONE` = unused).
    pub first: u32,
    /// Last operator index at which the bytes must exist.
    pub last: u32,
    /// The tensor whose bytes this one shares (itself if it owns them).
    pub root: u32,
    /// [`WRITTEN`], [`CONSTANT`] and [`VARIABLE`] bits.
    pub flags: u32,
}

/// [`TensorLife::flags`]: written by an operator or given as a model input.
const WRITTEN: u32 = 1;
/// [`TensorLife::flags`]: constant data in the model.
const CONSTANT: u32 = 2;
/// [`TensorLife::flags`]: a variable tensor (state kept across invokes, as
/// TFLM's `is_variable`): written before the first operator, it lives
/// through every operator and from one invoke to the next.
const VARIABLE: u32 = 4;

impl TensorLife {
    const UNUSED: Self = Self {
        first: NONE,
        last: 0,
        root: NONE,
        flags: 0,
    };

    /// Whether the tensor has constant data in the model.
    pub fn is_constant(&self) -> bool {
        self.flags & CONSTANT != 0
    }

    /// Whether the tensor is a variable that some operator reads: it gets
    /// head bytes of its own for the interpreter's whole life.
    pub fn is_variable(&self) -> bool {
        self.flags & VARIABLE != 0 && self.is_used()
    }

    fn is_written(&self) -> bool {
        self.flags & WRITTEN != 0
    }

    fn touch(&mut self, at: u32) {
        if self.first == NONE || at < self.first {
            self.first = at;
        }
        if at > self.last {
            self.last = at;
        }
    }

    /// True when some operator or the caller uses the tensor.
    pub fn is_used(&self) -> bool {
        self.first != NONE
    }
}

/// Fill `lives` (one per tensor of `subgraph`). `aliases(i)` tells whether
/// operator `i`'s output shares input 0's bytes, `fused(i)` whether it runs
/// fused with operator `i + 1` ([`crate::fusion`]): then its inputs live
/// through `i + 1` and its output, read only by `i + 1`, gets no bytes. With
/// `keep_all`, every used tensor lives until the end (for debugging dumps).
pub fn compute(
    subgraph: &Subgraph<'_>,
    lives: &mut [TensorLife],
    aliases: impl Fn(usize) -> bool,
    fused: impl Fn(usize) -> bool,
    keep_all: bool,
) -> Result<(), Error> {
    // Constness once per tensor (it reads the model's buffer table).
    for (t, (life, tensor)) in lives.iter_mut().zip(subgraph.tensors()).enumerate() {
        *life = TensorLife::UNUSED;
        if tensor.is_variable() {
            // Its state exists before any operator runs (TFLM ignores
            // a variable's buffer data and zeroes it at start).
            life.flags = VARIABLE | WRITTEN;
            life.root = t as u32;
        } else if tensor.is_constant() {
            life.flags = CONSTANT;
        }
    }
    let n_ops = u32::try_from(subgraph.operator_count()).map_err(|_| Error::SizeOverflow)?;
    let end = n_ops;
    for t in subgraph.inputs().iter() {
        let life = lives.get_mut(t).ok_or(Error::Internal("input index"))?;
        if life.is_constant() {
            return Err(Error::BadGraphTensor { tensor: t });
        }
        life.touch(0);
        life.flags |= WRITTEN;
        life.root = t as u32;
    }
    let mut band_tensor = None;
    for (i, op) in subgraph.operators().enumerate() {
        let at = i as u32;
        let fused_with_next = fused(i);
        // The intermediate tensor of a fused pair, read by this operator.
        let band = band_tensor.take();
        for t in op.inputs().iter() {
            let life = lives
                .get_mut(t)
                .ok_or(Error::Internal("operator input index"))?;
            let constant = life.is_constant();
            if !constant && !life.is_written() {
                return Err(Error::TensorReadBeforeWritten {
                    operator: i,
                    tensor: t,
                });
            }
            if constant && life.root == NONE {
                life.root = t as u32;
            }
            if band == Some(t) {
                continue;
            }
            life.touch(at);
            if fused_with_next {
                life.touch(at + 1);
            }
        }
        let alias_root = if aliases(i) {
            let input = op
                .input(0)
                .ok_or(Error::Internal("aliasing op without input 0"))?;
            Some(
                lives
                    .get(input)
                    .ok_or(Error::Internal("alias input index"))?
                    .root,
            )
        } else {
            None
        };
        for t in op.outputs().iter() {
            let life = lives
                .get_mut(t)
                .ok_or(Error::Internal("operator output index"))?;
            if life.is_constant() || life.is_written() {
                return Err(Error::TensorWrittenTwice {
                    operator: i,
                    tensor: t,
                });
            }
            life.flags |= WRITTEN;
            life.root = alias_root.unwrap_or(t as u32);
            if fused_with_next {
                band_tensor = Some(t);
                continue;
            }
            life.touch(at);
        }
    }
    for t in subgraph.outputs().iter() {
        let life = lives.get_mut(t).ok_or(Error::Internal("output index"))?;
        if !life.is_written() && !life.is_constant() {
            return Err(Error::TensorReadBeforeWritten {
                operator: n_ops as usize,
                tensor: t,
            });
        }
        if life.root == NONE {
            life.root = t as u32;
        }
        life.touch(end);
    }
    for life in lives.iter_mut().filter(|l| l.is_variable()) {
        life.touch(0);
        life.touch(end);
    }
    if keep_all {
        for life in lives.iter_mut().filter(|l| l.is_used()) {
            life.last = end;
        }
    }
    // Fold aliases into their roots: a root must live as long as any view.
    for t in 0..lives.len() {
        let Some(life) = lives.get(t).copied() else {
            break;
        };
        if !life.is_used() || life.root == t as u32 || life.root == NONE {
            continue;
        }
        let root = lives
            .get_mut(life.root as usize)
            .ok_or(Error::Internal("alias root"))?;
        root.touch(life.first);
        root.touch(life.last);
    }
    Ok(())
}
