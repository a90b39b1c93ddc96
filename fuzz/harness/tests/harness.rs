//! The harness itself: seeds load, sites cover what they should, mutation is
//! deterministic and actually changes the model.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite::Model;
use microlite_fuzz_harness::seeds::SEEDS;
use microlite_fuzz_harness::sites::{collect, FieldKind};
use microlite_fuzz_harness::{mutated_model, AlignedBytes, Target};

#[test]
fn every_seed_verifies_and_has_patchable_fields() {
    for seed in &SEEDS {
        let bytes = AlignedBytes::copy_of(seed.bytes);
        let model =
            Model::from_bytes(bytes.as_slice()).unwrap_or_else(|e| panic!("{}: {e}", seed.name));
        let (sites, census) = collect(bytes.as_slice(), model.raw());
        assert!(
            census.tensors > 0 && census.buffers > 0 && census.opcodes > 0,
            "{}",
            seed.name
        );
        for kind in [
            FieldKind::Dim,
            FieldKind::TensorIndex,
            FieldKind::Scale,
            FieldKind::VectorLength,
        ] {
            if kind == FieldKind::Scale && seed.name.ends_with("float32") {
                continue;
            }
            assert!(
                sites.iter().any(|s| s.kind == kind),
                "{}: no {kind:?} site",
                seed.name
            );
        }
        for site in &sites {
            assert!(
                site.offset + site.kind.width() <= seed.bytes.len(),
                "{}: {site:?}",
                seed.name
            );
        }
    }
}

#[test]
fn sites_point_at_the_values_the_accessors_read() {
    let seed = SEEDS.iter().find(|s| s.name == "models/mlp_int8").unwrap();
    let bytes = AlignedBytes::copy_of(seed.bytes);
    let model = Model::from_bytes(bytes.as_slice()).unwrap();
    let (sites, _) = collect(bytes.as_slice(), model.raw());
    let read_i32 = |o: usize| i32::from_le_bytes(bytes.as_slice()[o..o + 4].try_into().unwrap());
    let dims: Vec<i32> = sites
        .iter()
        .filter(|s| s.kind == FieldKind::Dim)
        .map(|s| read_i32(s.offset))
        .collect();
    let expected: Vec<i32> = model
        .main_subgraph()
        .tensors()
        .flat_map(|t| t.raw().shape().unwrap().iter().collect::<Vec<_>>())
        .collect();
    assert_eq!(dims, expected);
    let scales: Vec<f32> = sites
        .iter()
        .filter(|s| s.kind == FieldKind::Scale)
        .map(|s| f32::from_bits(read_i32(s.offset) as u32))
        .collect();
    let expected: Vec<f32> = model
        .main_subgraph()
        .tensors()
        .filter_map(|t| t.quantization())
        .flat_map(|q| q.scales().collect::<Vec<_>>())
        .collect();
    assert_eq!(scales, expected);
}

#[test]
fn mutation_is_deterministic_and_changes_bytes() {
    let mut changed = 0;
    for i in 0..200u32 {
        let input: Vec<u8> = (0..64)
            .map(|k| (i.wrapping_mul(2_654_435_761).rotate_left(k) & 0xff) as u8)
            .collect();
        let a = mutated_model(&input);
        let b = mutated_model(&input);
        assert_eq!(a.bytes.as_slice(), b.bytes.as_slice());
        let seed = SEEDS.iter().find(|s| s.name == a.seed).unwrap();
        if a.bytes.as_slice() != seed.bytes {
            changed += 1;
        }
        Target::MutateModel.run(&input).unwrap();
    }
    assert!(
        changed > 150,
        "only {changed}/200 mutations changed the model"
    );
}

#[test]
fn kernel_diff_runs_every_kernel() {
    for selector in 0..=255u8 {
        let mut input = vec![selector];
        input.extend(
            (0..512u32).map(|k| (k.wrapping_mul(31).wrapping_add(u32::from(selector)) % 251) as u8),
        );
        Target::KernelDiff
            .run(&input)
            .unwrap_or_else(|m| panic!("{m}"));
    }
}
