//! Every proper prefix of every real model is rejected without panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use microlite_model::Model;

/// Under Miri only every `STRIDE`-th prefix is tried.
const STRIDE: usize = if cfg!(miri) { 997 } else { 1 };

#[test]
fn every_prefix_of_every_model_is_rejected() {
    let Some(files) = common::all_model_files() else {
        return;
    };
    let started = std::time::Instant::now();
    let mut prefixes = 0usize;
    for (path, file) in &files {
        let bytes = file.bytes();
        assert!(
            Model::from_bytes(bytes).is_ok(),
            "{} should load",
            path.display()
        );
        for n in (0..bytes.len()).step_by(STRIDE) {
            if let Ok(model) = Model::from_bytes(&bytes[..n]) {
                panic!(
                    "{}: prefix of {n}/{} bytes accepted: {model:?}",
                    path.display(),
                    bytes.len()
                );
            }
            prefixes += 1;
        }
    }
    println!(
        "{prefixes} prefixes of {} models rejected in {:?}",
        files.len(),
        started.elapsed()
    );
}
