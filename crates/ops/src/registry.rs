//! The op table: every op this crate has, declared once in its own module
//! with [`declare_ops!`], which gives the registration functions
//! (`ops::conv_2d()`, `ops::conv_2d_int8()`, `ops::eval_only::conv_2d()`),
//! the entry in [`crate::ops::TABLE`] (membership in
//! `OpResolver::with_all()`, the table `microlite ops` prints) and the
//! count [`crate::ops::ALL_COUNT`].
//!
//! The ops crate's build script finds the op modules (`src/ops/*.rs` that
//! invoke `declare_ops!`), so adding an op touches its module only; see
//! `docs/adding-an-op.md`.

use microlite_model::BuiltinOperator;

use crate::kernel::Registration;

/// One op's row in [`crate::ops::TABLE`].
#[derive(Debug, Clone, Copy)]
pub struct OpEntry {
    /// Its registration function's name in [`crate::ops`] (and in
    /// [`crate::ops::eval_only`]).
    pub name: &'static str,
    /// The builtin operator it implements (`CUSTOM` for a custom op).
    pub op: BuiltinOperator,
    /// For a custom op: the custom code it answers to (`"SignalWindow"`);
    /// `OpResolver::with_all()` adds it with `OpResolver::add_custom`.
    pub custom_code: Option<&'static str>,
    /// Its all-types registration.
    pub registration: fn() -> Registration,
    /// Its int8-only registration (`<name>_int8`), if it has one: links no
    /// float code, as TFLM's `Register_<OP>_INT8`.
    pub int8: Option<fn() -> Registration>,
    /// The tensor types it takes, as the op table prints them.
    pub types: &'static str,
    /// The operator versions (`OperatorCode.version`) the TFLite converter
    /// writes for models of these types, `[lowest, highest]`. Informative:
    /// TFLM runs an op whatever its version, and so does microlite.
    pub versions: [u8; 2],
}

impl OpEntry {
    /// The op's name as in the schema (`"CONV_2D"`), or a custom op's
    /// custom code (`"SignalWindow"`).
    pub fn op_name(&self) -> &'static str {
        match self.custom_code {
            Some(code) => code,
            None => self.op.variant_name().unwrap_or("UNKNOWN"),
        }
    }
}

/// Total rows of `parts`.
pub(crate) const fn count(parts: &[&[OpEntry]]) -> usize {
    let mut total = 0;
    let mut i = 0;
    while i < parts.len() {
        #[allow(clippy::indexing_slicing)] // const evaluation: checked at compile time
        let part = parts[i];
        total += part.len();
        i += 1;
    }
    total
}

/// The rows of `parts` in one array (`N` = [`count`] of them).
pub(crate) const fn concat<const N: usize>(parts: &[&[OpEntry]]) -> [OpEntry; N] {
    let mut out = [PLACEHOLDER; N];
    let (mut n, mut i) = (0, 0);
    while i < parts.len() {
        #[allow(clippy::indexing_slicing)] // const evaluation: checked at compile time
        let part = parts[i];
        let mut j = 0;
        while j < part.len() {
            #[allow(clippy::indexing_slicing)]
            {
                out[n] = part[j];
            }
            n += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

fn no_registration() -> Registration {
    Registration::of::<crate::ops::Reshape>(BuiltinOperator::RESHAPE)
}

/// Fills [`concat`]'s array before the rows are copied in.
const PLACEHOLDER: OpEntry = OpEntry {
    name: "",
    op: BuiltinOperator::ADD,
    custom_code: None,
    registration: no_registration,
    int8: None,
    types: "",
    versions: [0, 0],
};

/// `Some(f)` for an int8 registration function, `None` without one.
macro_rules! int8_entry {
    () => {
        None
    };
    ($f:ident) => {
        Some($f as fn() -> $crate::Registration)
    };
}
pub(crate) use int8_entry;

/// `Some(code)` for a custom op's code, `None` for a builtin.
macro_rules! custom_entry {
    () => {
        None
    };
    ($code:literal) => {
        Some($code)
    };
}
pub(crate) use custom_entry;

/// `Registration::$make::<$kernel>(op)`, answering to custom code `$code`
/// when there is one.
macro_rules! make_registration {
    ($make:ident, $kernel:ty, $op:ident) => {
        $crate::Registration::$make::<$kernel>(microlite_model::BuiltinOperator::$op)
    };
    ($make:ident, $kernel:ty, $op:ident, $code:literal) => {
        $crate::Registration::$make::<$kernel>(microlite_model::BuiltinOperator::$op)
            .with_custom_code($code)
    };
}
pub(crate) use make_registration;

/// Declares an op module's ops, one line each:
///
/// ```text
/// declare_ops! {
///     /// CONV_2D.
///     conv_2d => Conv2d, CONV_2D, "int8 (per-channel), float32", versions 1..=8,
///         int8 conv_2d_int8 => Conv2d<INT8>;
/// }
/// ```
///
/// `name => Kernel, OP, "types", versions LO..=HI` (the converter's op
/// versions for those types, [`OpEntry::versions`]; a custom op is
/// `name => Kernel, CUSTOM("Code"), ...`, its custom code in parentheses) gives
/// `pub fn name() -> Registration`
/// (re-exported as `ops::name`), its eval-only twin `ops::eval_only::name`
/// and the op's row in [`crate::ops::TABLE`]; the optional
/// `int8 name_int8 => Kernel<INT8>` adds the int8-only registration.
macro_rules! declare_ops {
    ($(
        $(#[$doc:meta])*
        $name:ident => $kernel:ty, $op:ident $(($code:literal))?, $types:literal,
        versions $lowest:literal ..= $highest:literal
        $(, int8 $int8:ident => $int8_kernel:ty)?;
    )*) => {
        $(
            $(#[$doc])*
            pub fn $name() -> $crate::Registration {
                $crate::registry::make_registration!(of, $kernel, $op $(, $code)?)
            }
            $(
                #[doc = concat!(
                    "[`", stringify!($name), "`] for int8 only: links no float code ",
                    "([`crate::type_set`]), as TFLM's `Register_", stringify!($op), "_INT8`."
                )]
                pub fn $int8() -> $crate::Registration {
                    $crate::Registration::of::<$int8_kernel>(microlite_model::BuiltinOperator::$op)
                }
            )?
        )*

        /// Eval-only twins of this module's registration functions
        /// (re-exported in `ops::eval_only`).
        pub mod eval_only {
            #[allow(unused_imports, clippy::wildcard_imports)]
            use super::*;
            $(
                #[doc = concat!("[`super::", stringify!($name), "`] without its prepare code.")]
                pub fn $name() -> $crate::Registration {
                    $crate::registry::make_registration!(eval_only, $kernel, $op $(, $code)?)
                }
                $(
                    #[doc = concat!("[`super::", stringify!($int8), "`] without its prepare code.")]
                    pub fn $int8() -> $crate::Registration {
                        $crate::Registration::eval_only::<$int8_kernel>(
                            microlite_model::BuiltinOperator::$op,
                        )
                    }
                )?
            )*
        }

        /// This module's rows of the op table.
        pub(super) const OPS: &[$crate::registry::OpEntry] = &[$(
            $crate::registry::OpEntry {
                name: stringify!($name),
                op: microlite_model::BuiltinOperator::$op,
                custom_code: $crate::registry::custom_entry!($($code)?),
                registration: $name,
                int8: $crate::registry::int8_entry!($($int8)?),
                types: $types,
                versions: [$lowest, $highest],
            },
        )*];
    };
}
pub(crate) use declare_ops;
