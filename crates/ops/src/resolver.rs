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
    /// A custom op was added without a custom code
    /// ([`OpResolver::add_custom`] gives it one).
    CustomWithoutCode,
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
            Self::CustomWithoutCode => write!(
                f,
                "a custom op needs its custom code: add it with OpResolver::add_custom"
            ),
        }
    }
}

impl core::error::Error for ResolverError {}

/// The registrations an interpreter runs, by position. Implemented by
/// [`OpResolver`]; the interpreter only needs this trait (and, through
/// [`position_in`], to find an op: firmware that runs state prepared ahead
/// of time only looks registrations up by position).
pub trait OpLookup {
    /// The registration at `position` (`None` past the last one).
    fn get(&self, position: usize) -> Option<&Registration>;

    /// Position of the registration for `op` (for `CUSTOM`: the one whose
    /// custom code is `custom_code`), if registered.
    fn position(&self, op: BuiltinOperator, custom_code: Option<&str>) -> Option<usize>
    where
        Self: Sized,
    {
        position_in(self, op, custom_code)
    }

    /// The registration for builtin `op`, if registered.
    fn find(&self, op: BuiltinOperator) -> Option<&Registration>
    where
        Self: Sized,
    {
        self.position(op, None).and_then(|p| self.get(p))
    }
}

/// [`OpLookup::position`] for any lookup, `dyn` ones included.
pub fn position_in(
    lookup: &dyn OpLookup,
    op: BuiltinOperator,
    custom_code: Option<&str>,
) -> Option<usize> {
    (0..)
        .map_while(|k| lookup.get(k).map(|r| (k, r)))
        .find(|(_, r)| r.serves(op, custom_code))
        .map(|(k, _)| k)
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

    /// Register a builtin op. Adding past capacity or adding the same op
    /// twice is an error; custom ops go in with [`OpResolver::add_custom`]
    /// ([`ResolverError::CustomWithoutCode`] here).
    pub fn add(&mut self, registration: Registration) -> Result<(), ResolverError> {
        let op = registration.op();
        if op == BuiltinOperator::CUSTOM {
            return Err(ResolverError::CustomWithoutCode);
        }
        // Builtin ops by code only: firmware that adds no custom op links
        // no string comparison.
        if self.registrations().any(|r| r.op() == op) {
            return Err(ResolverError::Duplicate { op });
        }
        self.push(registration)
    }

    fn push(&mut self, registration: Registration) -> Result<(), ResolverError> {
        let op = registration.op();
        let slot = self
            .entries
            .get_mut(self.len)
            .ok_or(ResolverError::Full { capacity: N, op })?;
        *slot = Some(registration);
        self.len += 1;
        Ok(())
    }

    /// Register a custom op: operators whose opcode is `CUSTOM` with custom
    /// code `code` run `registration` (made with
    /// [`Registration::custom`]), as TFLM's `AddCustom`.
    ///
    /// ```
    /// use microlite_ops::{ops, OpLookup, OpResolver};
    /// use microlite_model::BuiltinOperator;
    /// let mut resolver = OpResolver::<2>::new();
    /// resolver.add_custom("Identity", ops::reshape()).unwrap();
    /// assert!(resolver.position(BuiltinOperator::CUSTOM, Some("Identity")).is_some());
    /// assert!(resolver.position(BuiltinOperator::CUSTOM, Some("Other")).is_none());
    /// ```
    pub fn add_custom(
        &mut self,
        code: &'static str,
        registration: Registration,
    ) -> Result<(), ResolverError> {
        let registration = registration.with_custom_code(code);
        if self.position(BuiltinOperator::CUSTOM, Some(code)).is_some() {
            return Err(ResolverError::Duplicate {
                op: BuiltinOperator::CUSTOM,
            });
        }
        self.push(registration)
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
    fn get(&self, position: usize) -> Option<&Registration> {
        self.entries.get(position).and_then(Option::as_ref)
    }
}
