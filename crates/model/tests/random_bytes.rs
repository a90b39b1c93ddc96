//! Arbitrary and mutated inputs never make verification or the views panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::builder::ModelSpec;
use common::Aligned;
use microlite_model::Model;
use proptest::prelude::*;

fn check(bytes: &[u8]) {
    let file = Aligned::new(bytes);
    if let Ok(model) = Model::from_bytes(file.bytes()) {
        common::walk(&model);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 8 } else { 2000 }))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        check(&bytes);
    }

    #[test]
    fn random_bytes_with_identifier_never_panic(
        mut bytes in proptest::collection::vec(any::<u8>(), 8..1024),
        root in 0u32..1024,
    ) {
        bytes[..4].copy_from_slice(&root.to_le_bytes());
        bytes[4..8].copy_from_slice(b"TFL3");
        check(&bytes);
    }

    #[test]
    fn mutated_models_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = ModelSpec::valid().build();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        check(&bytes);
    }
}

/// Mutates a real model byte by byte (deterministically, every byte once)
/// and walks whatever still verifies.
#[test]
fn every_single_byte_corruption_of_a_real_model_is_handled() {
    let Some(_) = common::shared_models() else {
        return;
    };
    let original =
        std::fs::read(common::shared_models_dir().join("hello_world_int8.tflite")).unwrap();
    let mut accepted = 0;
    let stride = if cfg!(miri) { 101 } else { 1 };
    for i in (0..original.len()).step_by(stride) {
        for value in [0x00, 0xff, original[i] ^ 0x80] {
            let mut bytes = original.clone();
            bytes[i] = value;
            let file = Aligned::new(&bytes);
            if let Ok(model) = Model::from_bytes(file.bytes()) {
                common::walk(&model);
                accepted += 1;
            }
        }
    }
    println!("{accepted} corrupted variants still verified and were walked");
}
