//! Whole-model `invoke` of every model in `../shared/models` (skipped with
//! the reason when that folder is missing) and of some of the project's
//! reference models, on the reference kernels and on the fastest backend this
//! CPU has. Throughput is in MACs (`Throughput::Elements`), so criterion's
//! "elem/s" reads as MAC/s. Inputs are written before every invoke, outside
//! the timed region (an input's memory may be reused, as in TFLM).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use microlite_benches::backends;
use microlite_benches::models::{reference_models, shared_models, ModelFile};
use microlite_kernels::optimized::Backend;

fn bench_model(c: &mut Criterion, file: &ModelFile) {
    let mut group = c.benchmark_group(format!("invoke/{}", file.name()));
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_secs(2));
    group.sample_size(20);
    let all = backends();
    // The reference kernels and the fastest backend (the last one listed).
    let chosen: Vec<(&str, Backend)> = all.first().into_iter().chain(all.last()).copied().collect();
    for (name, backend) in chosen {
        file.with_session(backend, |session| {
            if session.macs() > 0 {
                group.throughput(Throughput::Elements(session.macs()));
            }
            group.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        session.write_inputs().unwrap();
                        let start = Instant::now();
                        session.invoke().unwrap();
                        total += start.elapsed();
                    }
                    total
                });
            });
        })
        .unwrap();
    }
    group.finish();
}

fn invoke_models(c: &mut Criterion) {
    match shared_models() {
        Ok(files) => files.iter().for_each(|f| bench_model(c, f)),
        Err(reason) => eprintln!("skipping the shared-model benches: {reason}"),
    }
    for file in reference_models().unwrap() {
        bench_model(c, &file);
    }
}

criterion_group!(benches, invoke_models);
criterion_main!(benches);
