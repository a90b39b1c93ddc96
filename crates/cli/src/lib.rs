//! The library behind the `microlite` command: model loading, `.npy` I/O
//! and the `inspect`, `run` and `bench` verbs. Also used by the conformance
//! tests in `tests/`.

pub mod bench;
pub mod inspect;
pub mod macs;
pub mod model_file;
pub mod npy_io;
pub mod run;
pub mod session;
