//! The library behind the `microlite` command: the `inspect`, `run`,
//! `bench` and `listen` verbs (model files, `.npy` I/O and arena sizing come from
//! `microlite-host`).

pub mod bench;
pub mod inspect;
pub mod listen;
pub mod macs;
pub mod op_table;
pub mod run;
