//! Criterion benchmarks for microlite. No benchmarks exist yet: kernels and
//! whole-model benches arrive with the interpreter (issue 3) and the optimised
//! kernels (issue 6).
