//! `microlite bench`: time repeated invokes on seeded random inputs (or on
//! inputs from `.npy` files).
//!
//! The inputs are written before every invoke, outside the timed region: an
//! input's memory may be reused by later operators (as in TFLM), so a
//! firmware has to write them every time too. Only `invoke` itself is timed,
//! without a profiler; `--per-op` adds a separate, profiled pass.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use microlite::model::TensorType;
use microlite::{Clock, Interpreter, Model, OpResolver, OpTimer, Options};
use microlite_kernels::optimized::Backend;
use serde::Serialize;

use crate::macs;
use microlite_host::model_file::aligned_arena;
use microlite_host::session;

/// Which int8 kernels `bench` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum KernelChoice {
    /// The fastest this CPU supports (AVX2 when detected, else portable).
    #[default]
    Auto,
    /// The readable reference kernels.
    Reference,
    /// The portable optimised kernels.
    Portable,
    /// The small general kernels bare-metal targets run with
    /// `small-kernels`.
    Compact,
    /// The microcontroller kernels bare-metal targets run by default
    /// (portable inner loops on the host).
    CortexM,
    /// The AVX2 kernels (an error when the CPU lacks AVX2).
    Avx2,
}

/// Arguments of `bench`.
pub struct BenchArgs {
    /// The .tflite file.
    pub model: PathBuf,
    /// Input .npy files in model-input order (empty: seeded random inputs).
    pub inputs: Vec<PathBuf>,
    /// Timed invokes.
    pub iterations: usize,
    /// Untimed invokes first.
    pub warmup: usize,
    /// Seed of the random inputs.
    pub seed: u64,
    /// The kernels to run.
    pub kernels: KernelChoice,
    /// Also time every operator, in a separate profiled pass.
    pub per_op: bool,
    /// In-place execution (`Options::in_place`).
    pub in_place: bool,
    /// Operator fusion (`Options::fuse`).
    pub fuse: bool,
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

/// Minimum, median and maximum of a set of timings, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Spread {
    /// Fastest.
    pub min: u64,
    /// Median (the lower middle value for an even count).
    pub median: u64,
    /// Slowest.
    pub max: u64,
}

impl Spread {
    /// The spread of `samples` (sorted in place); all zero when empty.
    pub fn of(samples: &mut [u64]) -> Self {
        samples.sort_unstable();
        let at = |i: usize| samples.get(i).copied().unwrap_or(0);
        let n = samples.len();
        Self {
            min: at(0),
            median: at(n.saturating_sub(1) / 2),
            max: at(n.saturating_sub(1)),
        }
    }
}

/// Giga multiply-accumulates per second of `macs` done in `ns` nanoseconds.
pub fn gmacs_per_second(macs: u64, ns: u64) -> f64 {
    if ns == 0 {
        0.0
    } else {
        macs as f64 / ns as f64
    }
}

#[derive(Serialize)]
struct OpReport {
    index: usize,
    op: &'static str,
    median_ns: u64,
    median_us: f64,
}

#[derive(Serialize)]
struct BenchReport {
    model: String,
    /// The kernels that ran: "reference", "portable" or "avx2".
    kernels: &'static str,
    /// "seeded" or "files".
    inputs: &'static str,
    seed: Option<u64>,
    iterations: usize,
    warmup: usize,
    /// Where the inputs are written: always outside the timed region.
    input_write: &'static str,
    /// Whether operators could run in place (`Options::in_place`).
    in_place: bool,
    /// Whether windowed pairs could run fused (`Options::fuse`).
    fuse: bool,
    min_ns: u64,
    median_ns: u64,
    max_ns: u64,
    min_us: f64,
    median_us: f64,
    max_us: f64,
    /// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED MACs of one invoke.
    macs: u64,
    /// `macs` per median invoke.
    gmacs_per_s: f64,
    arena_used_bytes: usize,
    /// Per-invoke times in run order (nanoseconds).
    samples_ns: Vec<u64>,
    /// Per-operator medians from the profiled pass (empty without --per-op).
    ops: Vec<OpReport>,
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

/// The backend `choice` names.
pub fn select_kernels(choice: KernelChoice) -> Result<Backend, String> {
    Ok(match choice {
        KernelChoice::Auto => Backend::detect(),
        KernelChoice::Reference => Backend::Reference,
        KernelChoice::Portable => Backend::Portable,
        KernelChoice::Compact => Backend::Compact,
        KernelChoice::CortexM => Backend::CortexM,
        KernelChoice::Avx2 => avx2_backend()?,
    })
}

fn avx2_backend() -> Result<Backend, String> {
    #[cfg(target_arch = "x86_64")]
    if let Some(token) = microlite_kernels::optimized::Avx2::detect() {
        return Ok(Backend::Avx2(token));
    }
    Err("--kernels avx2: this CPU has no AVX2".to_string())
}

/// The input bytes of every model input: from `args.inputs` when given
/// (dtype and shape checked), else seeded random.
fn input_bytes(
    args: &BenchArgs,
    interpreter: &Interpreter<'_, '_>,
) -> Result<Vec<Vec<u8>>, String> {
    let count = interpreter.input_count();
    if !args.inputs.is_empty() && args.inputs.len() != count {
        return Err(format!(
            "model has {count} inputs, {} --input files given",
            args.inputs.len()
        ));
    }
    let mut rng = SplitMix64(args.seed);
    let mut inputs = Vec::with_capacity(count);
    for k in 0..count {
        let view = interpreter.input(k).map_err(|e| e.to_string())?;
        let info = view.info();
        let bytes = match args.inputs.get(k) {
            Some(path) => {
                let array = microlite_host::golden::read_array(path)?;
                let shape: Vec<usize> = info.shape().iter().collect();
                if array.dtype != info.dtype() || array.shape != shape {
                    return Err(format!(
                        "{}: {} {:?} given, input {k} is {} {:?}",
                        path.display(),
                        array.dtype.name(),
                        array.shape,
                        info.dtype().name(),
                        shape
                    ));
                }
                array.bytes
            }
            None => {
                let mut bytes = vec![0u8; view.bytes().len()];
                fill_random(&mut bytes, info.dtype(), &mut rng);
                bytes
            }
        };
        inputs.push(bytes);
    }
    Ok(inputs)
}

fn write_inputs(interpreter: &mut Interpreter<'_, '_>, inputs: &[Vec<u8>]) -> Result<(), String> {
    for (k, bytes) in inputs.iter().enumerate() {
        let mut view = interpreter.input_mut(k).map_err(|e| e.to_string())?;
        let dst = view.bytes_mut();
        if dst.len() != bytes.len() {
            return Err(format!(
                "input {k}: {} bytes given, {} expected",
                bytes.len(),
                dst.len()
            ));
        }
        dst.copy_from_slice(bytes);
    }
    Ok(())
}

/// Per-operator median times from `iterations` profiled invokes.
fn profile_ops(
    interpreter: &mut Interpreter<'_, '_>,
    model: &Model<'_>,
    inputs: &[Vec<u8>],
    iterations: usize,
) -> Result<Vec<OpReport>, String> {
    let n_ops = model.main_subgraph().operator_count().min(MAX_PROFILED_OPS);
    let mut timer = OpTimer::<_, MAX_PROFILED_OPS>::new(NanoClock(Instant::now()));
    let mut per_op: Vec<Vec<u64>> = vec![Vec::with_capacity(iterations); n_ops];
    for _ in 0..iterations {
        write_inputs(interpreter, inputs)?;
        interpreter
            .invoke_profiled(&mut timer)
            .map_err(|e| e.to_string())?;
        for (i, _, ns) in timer.per_op() {
            if let Some(v) = per_op.get_mut(i) {
                v.push(ns);
            }
        }
    }
    let subgraph = model.main_subgraph();
    Ok(per_op
        .iter_mut()
        .enumerate()
        .filter(|(_, v)| !v.is_empty())
        .map(|(i, v)| {
            let median_ns = Spread::of(v).median;
            OpReport {
                index: i,
                op: subgraph.operator(i).map_or("?", |op| op.op_name()),
                median_ns,
                median_us: median_ns as f64 / 1e3,
            }
        })
        .collect())
}

/// Execute `bench`.
pub fn bench(args: &BenchArgs) -> Result<(), String> {
    let backend = select_kernels(args.kernels)?;
    let kernels = backend.effective().name();
    let file = session::load(&args.model)?;
    let model = Model::from_bytes(file.bytes()).map_err(|e| e.to_string())?;
    let resolver = OpResolver::with_all();
    let options = Options {
        backend,
        in_place: args.in_place,
        fuse: args.fuse,
        ..Options::default()
    };
    let needed = session::required_arena_bytes(&model, &resolver, options)
        .map_err(|e| format!("{}: {e}", args.model.display()))?;
    let mut arena = aligned_arena(needed);
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
    let mut interpreter = Interpreter::new(&model, &resolver, arena, options)
        .map_err(|e| format!("{}: {e}", args.model.display()))?;
    let inputs = input_bytes(args, &interpreter)?;

    let mut samples = Vec::with_capacity(args.iterations);
    for iteration in 0..args.warmup.saturating_add(args.iterations) {
        write_inputs(&mut interpreter, &inputs)?;
        let start = Instant::now();
        let result = interpreter.invoke();
        let elapsed = start.elapsed().as_nanos() as u64;
        result.map_err(|e| format!("{}: {e}", args.model.display()))?;
        if iteration >= args.warmup {
            samples.push(elapsed);
        }
    }
    let ops = if args.per_op {
        profile_ops(&mut interpreter, &model, &inputs, args.iterations)?
    } else {
        Vec::new()
    };
    let spread = Spread::of(&mut samples.clone());
    let subgraph = model.main_subgraph();
    let macs: u64 = subgraph
        .operators()
        .map(|op| macs::operator_macs(&subgraph, &op))
        .sum();
    let us = |ns: u64| ns as f64 / 1e3;
    let report = BenchReport {
        model: args.model.display().to_string(),
        kernels,
        inputs: if args.inputs.is_empty() {
            "seeded"
        } else {
            "files"
        },
        seed: args.inputs.is_empty().then_some(args.seed),
        iterations: args.iterations,
        warmup: args.warmup,
        input_write: "before every invoke, outside the timed region",
        in_place: args.in_place,
        fuse: args.fuse,
        min_ns: spread.min,
        median_ns: spread.median,
        max_ns: spread.max,
        min_us: us(spread.min),
        median_us: us(spread.median),
        max_us: us(spread.max),
        macs,
        gmacs_per_s: gmacs_per_second(macs, spread.median),
        arena_used_bytes: interpreter.arena_used_bytes(),
        samples_ns: samples,
        ops,
    };
    let mut out = std::io::stdout().lock();
    let text = if args.json {
        serde_json::to_string(&report).map_err(|e| e.to_string())? + "\n"
    } else {
        render_text(&report)
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))
}

fn render_text(report: &BenchReport) -> String {
    let mut text = format!(
        "{}: median {:.1} us, min {:.1} us, max {:.1} us over {} invokes ({} kernels{}{}); \
         {:.2} GMAC/s; arena {} bytes\n",
        report.model,
        report.median_us,
        report.min_us,
        report.max_us,
        report.iterations,
        report.kernels,
        if report.in_place { "" } else { ", no in-place" },
        if report.fuse { "" } else { ", no fusion" },
        report.gmacs_per_s,
        report.arena_used_bytes
    );
    for op in &report.ops {
        text += &format!(
            "  {:>4} {:<24} {:>10.1} us\n",
            op.index, op.op, op.median_us
        );
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn spread_of_odd_and_even_counts() {
        assert_eq!(
            Spread::of(&mut [5, 1, 3]),
            Spread {
                min: 1,
                median: 3,
                max: 5
            }
        );
        // Lower middle of an even count.
        assert_eq!(Spread::of(&mut [4, 1, 3, 2]).median, 2);
        assert_eq!(Spread::of(&mut []), Spread::default());
    }

    #[test]
    fn gmacs_is_macs_per_nanosecond() {
        assert_eq!(gmacs_per_second(3_000_000, 1_000_000), 3.0);
        assert_eq!(gmacs_per_second(5, 0), 0.0);
    }

    #[test]
    fn splitmix_matches_the_published_sequence() {
        // First outputs of SplitMix64 seeded with 0 (Steele, Lea, Flood 2014;
        // the values Java's SplittableRandom and Vigna's splitmix64.c give).
        let mut rng = SplitMix64(0);
        assert_eq!(rng.next(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next(), 0x6e78_9e6a_a1b9_65f4);
    }
}
