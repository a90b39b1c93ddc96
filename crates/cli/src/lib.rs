//! The library behind the `microlite` command: the `inspect`, `run` and
//! `bench` verbs (model files, `.npy` I/O and arena sizing come from
//! `microlite-host`).

pub mod bench;
pub mod inspect;
pub mod macs;
pub mod op_table;
pub mod run;
