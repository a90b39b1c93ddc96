//! Fixtures for the criterion benchmarks:
//!
//! - [`layers`]: single int8 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED
//!   layers at the shapes of the MLPerf Tiny models, on every kernel backend
//!   (`benches/int8_kernels.rs`);
//! - [`models`]: whole models (the third-party models in `../shared/models`
//!   and some of the project's `reference-models/`), one `invoke` at a time
//!   (`benches/models.rs`).
//!
//! Both report throughput in multiply-accumulates (criterion's
//! `Throughput::Elements`), so criterion's "elem/s" reads as MAC/s.

pub mod layers;
pub mod models;
mod rng;

pub use layers::{backends, Fixture, Layer, Op, LAYERS};
