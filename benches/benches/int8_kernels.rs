//! Int8 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED layers of the MLPerf
//! Tiny models on every backend (reference, portable, AVX2), throughput in
//! MACs (`Throughput::Elements`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use microlite_benches::{backends, Fixture, LAYERS};

fn int8_layers(c: &mut Criterion) {
    for &layer in LAYERS {
        let mut fixture = Fixture::new(layer);
        let mut group = c.benchmark_group(layer.name);
        group.throughput(Throughput::Elements(fixture.macs()));
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(1));
        for (name, backend) in backends() {
            group.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| fixture.run(black_box(backend)).unwrap());
            });
        }
        group.finish();
    }
}

criterion_group!(benches, int8_layers);
criterion_main!(benches);
