//! [`OpResolver`]: the fixed-capacity table of ops a firmware links in.

use core::fmt;

use microlite_model::BuiltinOperator;

use crate::kernel::Registration;

/// Why an op could not be added to a resolver.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolverError {
    /// The resolver already holds `capacity` registrations.
    Full {
        /// The resolver's capacity.
        capacity: usize,
        /// The op that did not fit.
        op: BuiltinOperator,
    },
    /// The op is already registered.
    Duplicate {
        /// The op registered twice.
        op: BuiltinOperator,
    },
}

impl fmt::Display for ResolverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Full { capacity, op } => write!(
                f,
                "op resolver is full ({capacity} ops); cannot add {}",
                op.variant_name().unwrap_or("UNKNOWN")
            ),
            Self::Duplicate { op } => {
                write!(
                    f,
                    "op {} is already registered",
                    op.variant_name().unwrap_or("UNKNOWN")
                )
            }
        }
    }
}

/// Looks up the registration for a builtin op. Implemented by
/// [`OpResolver`]; the interpreter only needs this trait.
pub trait OpLookup {
    /// Position of the registration for `op`, if registered.
    fn position(&self, op: BuiltinOperator) -> Option<usize>;
    /// The registration at `position`.
    fn get(&self, position: usize) -> Option<&Registration>;
    /// The registration for `op`, if registered.
    fn find(&self, op: BuiltinOperator) -> Option<&Registration> {
        self.position(op).and_then(|p| self.get(p))
    }
}

/// A table of at most `N` op registrations, with no heap.
///
/// ```
/// use microlite_ops::{ops, OpResolver, ResolverError};
/// let mut resolver = OpResolver::<1>::new();
/// resolver.add(ops::reshape()).unwrap();
/// assert!(matches!(resolver.add(ops::reshape()), Err(ResolverError::Duplicate { .. })));
/// ```
#[derive(Debug, Clone)]
pub struct OpResolver<const N: usize> {
    entries: [Option<Registration>; N],
    len: usize,
}

impl<const N: usize> Default for OpResolver<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> OpResolver<N> {
    /// An empty resolver.
    pub const fn new() -> Self {
        Self {
            entries: [None; N],
            len: 0,
        }
    }

    /// Register an op. Adding past capacity or adding the same op twice is an error.
    pub fn add(&mut self, registration: Registration) -> Result<(), ResolverError> {
        let op = registration.op();
        if self.find(op).is_some() {
            return Err(ResolverError::Duplicate { op });
        }
        let slot = self
            .entries
            .get_mut(self.len)
            .ok_or(ResolverError::Full { capacity: N, op })?;
        *slot = Some(registration);
        self.len += 1;
        Ok(())
    }

    /// Number of registered ops.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no op is registered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The registered ops, in registration order.
    pub fn registrations(&self) -> impl Iterator<Item = &Registration> {
        self.entries.iter().flatten()
    }
}

impl<const N: usize> OpLookup for OpResolver<N> {
    fn position(&self, op: BuiltinOperator) -> Option<usize> {
        self.entries.iter().flatten().position(|r| r.op() == op)
    }

    fn get(&self, position: usize) -> Option<&Registration> {
        self.entries.get(position).and_then(Option::as_ref)
    }
}
