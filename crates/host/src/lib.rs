//! Host-side helpers around microlite (with `std`): model files read into
//! 16-byte aligned memory, `.npy` reading and writing, and the exact arena
//! a model needs, and the arrays of golden case folders. The `microlite` command and the library's conformance
//! tests (golden suites, shared models) share them.

pub mod golden;
pub mod model_file;
pub mod npy_io;
pub mod session;
