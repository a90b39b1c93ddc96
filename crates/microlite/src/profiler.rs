//! Per-operator profiling hook that works in `no_std`: the caller supplies
//! the clock.
//!
//! Hooks get the op as a [`BuiltinOperator`]; its name
//! (`op.variant_name()`) costs flash only in programs that ask for it.

use microlite_model::BuiltinOperator;

/// Called around every operator's eval by [`crate::Interpreter::invoke_profiled`].
pub trait Profiler {
    /// Whether the hooks are called at all; `false` lets the interpreter
    /// skip them and the opcode lookup they take.
    const LISTENS: bool = true;
    /// Operator `index` (op `op`) is about to run.
    fn begin_op(&mut self, index: usize, op: BuiltinOperator);
    /// Operator `index` finished.
    fn end_op(&mut self, index: usize, op: BuiltinOperator);
}

/// A monotonic tick source (cycle counter, SysTick, `std::time::Instant`...).
pub trait Clock {
    /// The current tick count.
    fn now(&mut self) -> u64;
}

/// A [`Profiler`] that records the ticks each of the first `N` operators
/// took in the most recent invoke.
#[derive(Debug, Clone)]
pub struct OpTimer<C, const N: usize> {
    clock: C,
    started: u64,
    ticks: [u64; N],
    ops: [BuiltinOperator; N],
    seen: usize,
}

impl<C: Clock, const N: usize> OpTimer<C, N> {
    /// A timer reading `clock`.
    pub fn new(clock: C) -> Self {
        Self {
            clock,
            started: 0,
            ticks: [0; N],
            ops: [BuiltinOperator::ADD; N],
            seen: 0,
        }
    }

    /// Ticks per operator of the last invoke, with ops (at most `N`).
    pub fn per_op(&self) -> impl Iterator<Item = (usize, BuiltinOperator, u64)> + '_ {
        self.ops
            .iter()
            .zip(self.ticks.iter())
            .take(self.seen)
            .enumerate()
            .map(|(i, (op, t))| (i, *op, *t))
    }

    /// The clock, e.g. to read the total time.
    pub fn clock_mut(&mut self) -> &mut C {
        &mut self.clock
    }
}

impl<C: Clock, const N: usize> Profiler for OpTimer<C, N> {
    fn begin_op(&mut self, _index: usize, _op: BuiltinOperator) {
        self.started = self.clock.now();
    }

    fn end_op(&mut self, index: usize, op: BuiltinOperator) {
        let elapsed = self.clock.now().saturating_sub(self.started);
        if let (Some(t), Some(name)) = (self.ticks.get_mut(index), self.ops.get_mut(index)) {
            *t = elapsed;
            *name = op;
            self.seen = self.seen.max(index + 1);
        }
    }
}

/// A profiler that does nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProfiler;

impl Profiler for NoProfiler {
    const LISTENS: bool = false;
    #[inline(always)]
    fn begin_op(&mut self, _index: usize, _op: BuiltinOperator) {}
    #[inline(always)]
    fn end_op(&mut self, _index: usize, _op: BuiltinOperator) {}
}
