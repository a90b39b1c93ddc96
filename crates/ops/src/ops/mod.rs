//! The ops microlite implements, one module each, and the op table.
//!
//! Every `src/ops/*.rs` file is a module of this one (the build script
//! lists them); an op module declares its ops with `declare_ops!`, which
//! makes its registration functions (`ops::conv_2d()`,
//! `ops::conv_2d_int8()`, `ops::eval_only::conv_2d()`) and its rows of
//! [`TABLE`]. The other files are shared machinery (convolution windows,
//! row streaming).

use microlite_model::BuiltinOperator;

use crate::kernel::Registration;
use crate::registry::{concat, count, OpEntry};
use crate::resolver::OpResolver;

include!(concat!(env!("OUT_DIR"), "/op_modules.rs"));

pub use conv_common::ConvParams;
pub use row_streaming::{RowWindow, Rows};

/// Number of ops in [`TABLE`] (and in [`all`]).
pub const ALL_COUNT: usize = count(PARTS);

/// Every op this crate has, by op module name, each with its registration
/// functions and the types it takes.
pub const TABLE: [OpEntry; ALL_COUNT] = concat(PARTS);

/// The all-types registration of builtin `op`, if this crate implements it
/// (custom ops: [`custom_registration`]).
pub fn registration(op: BuiltinOperator) -> Option<Registration> {
    TABLE
        .iter()
        .find(|entry| entry.op == op && entry.custom_code.is_none())
        .map(|entry| (entry.registration)())
}

/// The int8-only registration of `op`, if it has one ([`OpEntry::int8`]).
pub fn int8_registration(op: BuiltinOperator) -> Option<Registration> {
    TABLE
        .iter()
        .find(|entry| entry.op == op && entry.custom_code.is_none())
        .and_then(|entry| entry.int8)
        .map(|make| make())
}

/// The registration of the custom op with custom code `code` (TFLM's
/// signal library: `"SignalRfft"`, ...), if this crate implements it.
pub fn custom_registration(code: &str) -> Option<Registration> {
    TABLE
        .iter()
        .find(|entry| entry.custom_code == Some(code))
        .map(|entry| (entry.registration)())
}

/// Every registration this crate has, in [`TABLE`]'s order.
pub fn all() -> [Registration; ALL_COUNT] {
    TABLE.map(|entry| (entry.registration)())
}

impl OpResolver<ALL_COUNT> {
    /// A resolver with every op this crate implements (the custom ops by
    /// their custom codes).
    pub fn with_all() -> Self {
        let mut resolver = Self::new();
        for registration in all() {
            // Each op appears once in `all()` and the capacity equals its
            // length, so adding cannot fail.
            let _ = match registration.custom_code() {
                Some(code) => resolver.add_custom(code, registration),
                None => resolver.add(registration),
            };
        }
        resolver
    }
}
