//! `microlite bench`: time repeated invokes on seeded random inputs.

use std::path::PathBuf;
use std::time::Instant;

use microlite::model::TensorType;
use microlite::{Clock, Interpreter, Model, OpResolver, OpTimer, Options};
use serde::Serialize;

use crate::model_file::aligned_arena;
use crate::session;

/// Arguments of `bench`.
pub struct BenchArgs {
    /// The .tflite file.
    pub model: PathBuf,
    /// Timed invokes.
    pub iterations: usize,
    /// Untimed invokes first.
    pub warmup: usize,
    /// Seed of the random inputs.
    pub seed: u64,
    /// Print JSON.
    pub json: bool,
}

/// Most operators whose times are recorded.
const MAX_PROFILED_OPS: usize = 1024;

struct NanoClock(Instant);

impl Clock for NanoClock {
    fn now(&mut self) -> u64 {
        self.0.elapsed().as_nanos() as u64
    }
}

/// SplitMix64: a tiny seeded generator for reproducible bench inputs.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[derive(Serialize)]
struct OpReport {
    index: usize,
    op: &'static str,
    median_us: f64,
}

#[derive(Serialize)]
struct BenchReport {
    model: String,
    iterations: usize,
    warmup: usize,
    min_us: f64,
    median_us: f64,
    max_us: f64,
    arena_used_bytes: usize,
    ops: Vec<OpReport>,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn fill_random(bytes: &mut [u8], dtype: TensorType, rng: &mut SplitMix64) {
    match dtype {
        TensorType::Float32 => {
            for c in bytes.chunks_exact_mut(4) {
                let unit = (rng.next() >> 40) as f32 / (1u64 << 24) as f32;
                c.copy_from_slice(&(unit * 2.0 - 1.0).to_le_bytes());
            }
        }
        _ => bytes.iter_mut().for_each(|b| *b = rng.next() as u8),
    }
}

/// Execute `bench`.
pub fn bench(args: &BenchArgs) -> Result<(), String> {
    let file = session::load(&args.model)?;
    let model = Model::from_bytes(file.bytes()).map_err(|e| e.to_string())?;
    let resolver = OpResolver::with_all();
    let options = Options::default();
    let needed = session::required_arena_bytes(&model, &resolver, options)
        .map_err(|e| format!("{}: {e}", args.model.display()))?;
    let mut arena = aligned_arena(needed);
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
    let mut interpreter = Interpreter::new(&model, &resolver, arena, options)
        .map_err(|e| format!("{}: {e}", args.model.display()))?;

    // Inputs may share memory with dead activations, so keep a copy and
    // write them before every invoke, as a firmware would.
    let mut rng = SplitMix64(args.seed);
    let mut inputs = Vec::new();
    for k in 0..interpreter.input_count() {
        let view = interpreter.input(k).map_err(|e| e.to_string())?;
        let mut bytes = vec![0u8; view.bytes().len()];
        fill_random(&mut bytes, view.info().dtype(), &mut rng);
        inputs.push(bytes);
    }
    let n_ops = model.main_subgraph().operator_count().min(MAX_PROFILED_OPS);
    let mut timer = OpTimer::<_, MAX_PROFILED_OPS>::new(NanoClock(Instant::now()));
    let mut totals = Vec::with_capacity(args.iterations);
    let mut per_op: Vec<Vec<f64>> = vec![Vec::with_capacity(args.iterations); n_ops];
    for iteration in 0..args.warmup + args.iterations {
        for (k, bytes) in inputs.iter().enumerate() {
            interpreter
                .input_mut(k)
                .map_err(|e| e.to_string())?
                .bytes_mut()
                .copy_from_slice(bytes);
        }
        let start = Instant::now();
        interpreter
            .invoke_profiled(&mut timer)
            .map_err(|e| e.to_string())?;
        let elapsed = start.elapsed().as_secs_f64() * 1e6;
        if iteration >= args.warmup {
            totals.push(elapsed);
            for (i, _, ns) in timer.per_op() {
                if let Some(v) = per_op.get_mut(i) {
                    v.push(ns as f64 / 1e3);
                }
            }
        }
    }
    let min_us = totals.iter().copied().fold(f64::INFINITY, f64::min);
    let max_us = totals.iter().copied().fold(0.0, f64::max);
    let median_us = median(&mut totals);
    let subgraph = model.main_subgraph();
    let ops = per_op
        .iter_mut()
        .enumerate()
        .filter(|(_, v)| !v.is_empty())
        .map(|(i, v)| OpReport {
            index: i,
            op: subgraph.operator(i).map_or("?", |op| op.op_name()),
            median_us: median(v),
        })
        .collect();
    let report = BenchReport {
        model: args.model.display().to_string(),
        iterations: args.iterations,
        warmup: args.warmup,
        min_us,
        median_us,
        max_us,
        arena_used_bytes: interpreter.arena_used_bytes(),
        ops,
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).map_err(|e| e.to_string())?
        );
    } else {
        println!(
            "{}: median {:.1} us, min {:.1} us, max {:.1} us over {} invokes; arena {} bytes",
            report.model, median_us, min_us, max_us, args.iterations, report.arena_used_bytes
        );
        for op in &report.ops {
            println!("  {:>4} {:<24} {:>10.1} us", op.index, op.op, op.median_us);
        }
    }
    Ok(())
}
