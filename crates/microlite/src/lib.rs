//! microlite runs TensorFlow Lite models the way TensorFlow Lite Micro does:
//! the same `.tflite` files, the same output bits, and one caller-supplied
//! arena with no heap.
//!
//! ```
//! use microlite::{ops, Arena, Error, Interpreter, Model, OpResolver, Options};
//!
//! fn main() -> Result<(), Error> {
//!     // A model embedded at a 16-byte aligned address (`include_model!`).
//!     let model = Model::from_bytes(microlite::model::include_model!(concat!(
//!         env!("CARGO_MANIFEST_DIR"),
//!         "/../../reference-models/models/mlp_int8/model.tflite"
//!     )))?;
//!     let mut resolver = OpResolver::<1>::new(); // the ops the model uses
//!     resolver.add(ops::fully_connected())?;
//!     let mut arena = Arena::<1024>::new(); // 16-byte aligned too
//!     let mut interpreter = Interpreter::new(&model, &resolver, &mut arena, Options::default())?;
//!     interpreter.input_mut(0)?.copy_from::<i8>(&[0; 32])?; // before every invoke
//!     interpreter.invoke()?;
//!     let scores = interpreter.output(0)?.as_slice::<i8>()?;
//!     assert_eq!(scores.len(), 4);
//!     Ok(())
//! }
//! ```
//!
//! Errors: a bad model or bad use never panics; it gives a typed [`Error`]
//! (wrapping [`ModelError`], [`ResolverError`] or [`OpError`] where they
//! apply) that names the culprit: operator, tensor, buffer, field, and for
//! sizes the bytes needed. `?` converts every error of this API into
//! [`Error`], and [`Error`] implements `core::error::Error` (so `?` also
//! works into `Box<dyn std::error::Error>`), its `source()` giving the
//! wrapped error.
//! Every error class and every variant, with the test proving each, is listed
//! in `docs/errors.md` in the repository.
#![no_std]
#![forbid(unsafe_code)]
// Untrusted models must not be able to push any index out of bounds.
#![deny(clippy::indexing_slicing)]

#[cfg(test)]
extern crate std;

/// The README's "Using the library" example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExample;

mod arena;
mod error;
mod fusion;
mod head_split;
mod in_place;
mod interpreter;
mod layout;
mod lifetimes;
mod planning;
mod prepared;
mod profiler;
mod tensor_view;

pub use arena::Arena;
pub use error::{Error, MissingOp, MissingOps, OpCode};
pub use interpreter::{ArenaUsage, Interpreter, Options};
pub use microlite_model::{BuiltinOperator, Model, ModelError, TensorType};
pub use microlite_ops::{ops, OpError, OpLookup, OpResolver, Registration, ResolverError};

/// What an op implements, for custom ops registered from outside
/// ([`Registration::custom`], [`OpResolver::add_custom`]): the three-step
/// [`Kernel`](kernel::Kernel) (prepare, fill, eval) and the contexts it sees.
pub mod kernel {
    pub use microlite_ops::{
        expect_type, EvalContext, InPlaceOffer, Kernel, Needs, PrepareContext, Prepared,
        MAX_FRAME_INPUTS, MAX_OP_INPUTS, MAX_OP_OUTPUTS, MAX_VARIABLE_INPUTS,
    };
}
pub use planning::PlanSearch;
pub use prepared::{Prepared, PreparedBytes};
pub use profiler::{Clock, NoProfiler, OpTimer, Profiler};
pub use tensor_view::{Element, TensorInfo, TensorView, TensorViewMut};

/// The verified model view (re-export of `microlite-model`).
pub use microlite_model as model;

/// Which int8 kernels an interpreter runs ([`Options::backend`]; all give
/// the same bits), and on x86-64 the AVX2 capability token. With the `std`
/// feature AVX2 is detected at run time; on `no_std` x86-64 hosts pass
/// `Backend::Avx2(unsafe { Avx2::new_unchecked() })` in the options.
pub mod kernels {
    #[cfg(target_arch = "x86_64")]
    pub use microlite_kernels::optimized::Avx2;
    pub use microlite_kernels::optimized::Backend;
}
