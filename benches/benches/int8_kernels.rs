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

/// The int8 ADDs of ic01 (two same-shape inputs) on every backend,
/// throughput in elements.
fn int8_add(c: &mut Criterion) {
    use microlite_kernels::elementwise::{prepare_add_int8, BinaryQuantization};
    use microlite_kernels::optimized::elementwise::add_int8_same_shape;
    let q = prepare_add_int8(&BinaryQuantization {
        input1_scale: 0.071,
        input1_zero_point: -3,
        input2_scale: 0.043,
        input2_zero_point: 11,
        output_scale: 0.09,
        output_zero_point: -128,
        activation_min: -128,
        activation_max: 127,
    })
    .unwrap();
    for (name, len) in [("ic01_add3", 32 * 32 * 16), ("ic01_add11", 8 * 8 * 64)] {
        let a: Vec<i8> = (0..len).map(|i| (i * 37 % 251) as i8).collect();
        let b: Vec<i8> = (0..len).map(|i| (i * 91 % 241) as i8).collect();
        let mut out = vec![0i8; len];
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(len as u64));
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(1));
        for (backend_name, backend) in backends() {
            group.bench_function(BenchmarkId::from_parameter(backend_name), |bencher| {
                bencher.iter(|| {
                    add_int8_same_shape(black_box(backend), &q, &a, &b, &mut out).unwrap()
                });
            });
        }
        group.finish();
    }
}

criterion_group!(benches, int8_layers, int8_add);
criterion_main!(benches);
