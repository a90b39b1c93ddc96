//! Prints, per seed model, how many patchable fields of each kind it has;
//! with `--dump INPUT OUT`, writes the model `mutate_model` builds from the
//! fuzz input file INPUT to OUT (to inspect or replay a finding elsewhere).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use microlite::Model;
use microlite_fuzz_harness::seeds::SEEDS;
use microlite_fuzz_harness::sites::collect;
use microlite_fuzz_harness::{mutated_model, AlignedBytes};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "--dump" {
        let input = std::fs::read(&args[2]).unwrap();
        let mutated = mutated_model(&input);
        println!("seed {}", mutated.seed);
        for (site, value) in &mutated.patches {
            println!("  @{:#x} {:?} <- {:02x?}", site.offset, site.kind, value);
        }
        std::fs::write(&args[3], mutated.bytes.as_slice()).unwrap();
        return;
    }
    for seed in &SEEDS {
        let bytes = AlignedBytes::copy_of(seed.bytes);
        let model = Model::from_bytes(bytes.as_slice()).unwrap();
        let (sites, census) = collect(bytes.as_slice(), model.raw());
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for site in &sites {
            let name = format!("{:?}", site.kind);
            let name = name.split('(').next().unwrap_or_default().to_string();
            *counts.entry(name).or_default() += 1;
        }
        println!("{} {census:?}\n    {counts:?}", seed.name);
    }
}
