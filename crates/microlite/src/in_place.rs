//! Granting in-place offers: when an operator's output may reuse the memory
//! of one of its inputs.
//!
//! An op offers ([`InPlaceOffer`]) to overwrite some of its inputs. The
//! interpreter grants the first offered input `k` for which it is safe:
//!
//! * the op has exactly one output, which owns its bytes (not a view) and
//!   has no offline offset;
//! * input `k` is present and not constant, and its buffer (its root, with
//!   RESHAPE/SQUEEZE views folded in) has no offline offset;
//! * that buffer's last use is this op: no later reader, not a model
//!   output, no view of it alive later;
//! * no other input of the op lives in the same buffer.
//!
//! The planner then may let the two buffers overlap on the offer's terms
//! (`microlite_arena::planner::InPlace`); whether they actually do is known
//! only after planning.

use microlite_arena::planner::OfflinePlan;
use microlite_model::Subgraph;
use microlite_ops::InPlaceOffer;

use crate::error::Error;
use crate::lifetimes::{TensorLife, NONE};

/// The input of operator `i` whose memory its output may reuse, if `offer`
/// can be granted (see the module docs).
pub fn grant(
    subgraph: &Subgraph<'_>,
    lives: &[TensorLife],
    i: usize,
    offer: Option<InPlaceOffer>,
    offline: Option<&OfflinePlan<'_>>,
) -> Result<Option<usize>, Error> {
    let Some(offer) = offer.filter(|o| o.inputs != 0) else {
        return Ok(None);
    };
    let op = subgraph
        .operator(i)
        .ok_or(Error::Internal("operator index"))?;
    let has_offline = |t: usize| offline.is_some_and(|p| p.offset_for_tensor(t).is_some());
    let life = |t: usize| lives.get(t).copied().ok_or(Error::Internal("tensor life"));
    let outputs = op.outputs();
    let Some(out) = outputs.get(0).filter(|_| outputs.len() == 1) else {
        return Ok(None);
    };
    let out_life = life(out)?;
    if out_life.root as usize != out || has_offline(out) {
        return Ok(None);
    }
    let inputs = op.inputs();
    let root_of = |k: usize| -> Result<Option<u32>, Error> {
        match op.input(k) {
            Some(t) => {
                let l = life(t)?;
                Ok((!l.is_constant()).then_some(l.root))
            }
            None => Ok(None),
        }
    };
    for k in (0..inputs.len()).filter(|&k| offer.offers(k)) {
        let Some(root) = root_of(k)?.filter(|&r| r != NONE) else {
            continue;
        };
        let root_life = life(root as usize)?;
        let in_head = root_life.root == root && !root_life.is_constant();
        let dies_here = in_head && root_life.last as usize == i;
        if !dies_here || has_offline(root as usize) {
            continue;
        }
        let mut shared_with_other_input = false;
        for j in (0..inputs.len()).filter(|&j| j != k) {
            if root_of(j)? == Some(root) {
                shared_with_other_input = true;
            }
        }
        if !shared_with_other_input {
            return Ok(Some(k));
        }
    }
    Ok(None)
}
