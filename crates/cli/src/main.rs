//! The `microlite` command: inspect, run and bench `.tflite` models.

use microlite_cli::{bench, inspect, listen, op_table, run};
use microlite_host::session;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Run TensorFlow Lite models bit-exactly like TFLM.
#[derive(Parser)]
#[command(name = "microlite", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a model's structure: I/O, operators, op histogram, constant bytes, MACs.
    Inspect {
        /// The .tflite file.
        model: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the ops microlite implements: registration functions and types.
    Ops {
        /// Print a Markdown table.
        #[arg(long)]
        markdown: bool,
    },
    /// Invoke a model once on inputs from .npy files (zeros when none are given).
    Run {
        /// The .tflite file.
        model: PathBuf,
        /// Input .npy files (or `ARCHIVE.npz:MEMBER`) in model-input order;
        /// dtype and shape must match exactly.
        #[arg(long = "input")]
        inputs: Vec<PathBuf>,
        /// Write output_<k>.npy (and tensor_<t>.npy with --dump-tensors) here.
        #[arg(long)]
        output_dir: Option<PathBuf>,
        /// Also write every model input, operator output and variable
        /// tensor (state) of subgraph 0.
        #[arg(long, requires = "output_dir")]
        dump_tensors: bool,
        /// Each input file stacks N inputs along a new leading axis: invoke
        /// N times in sequence (a stateful model's state carries from one
        /// to the next); each output_<k>.npy stacks the N outputs the same
        /// way. With --dump-tensors, tensor_<t>.npy hold the last invoke's.
        #[arg(long)]
        batch: bool,
        /// Use an arena of exactly this many bytes (e.g. a target's budget)
        /// instead of the exact size the model needs.
        #[arg(long)]
        arena_bytes: Option<usize>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Time repeated invokes on seeded random inputs (inputs are written
    /// before every invoke, outside the timed region).
    Bench {
        /// The .tflite file.
        model: PathBuf,
        /// Input .npy files in model-input order (default: seeded random inputs).
        #[arg(long = "input")]
        inputs: Vec<PathBuf>,
        /// Timed invokes.
        #[arg(long, default_value_t = 100)]
        iterations: usize,
        /// Untimed invokes first.
        #[arg(long, default_value_t = 10)]
        warmup: usize,
        /// Seed for the random inputs.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Which int8 kernels to run.
        #[arg(long, value_enum, default_value_t = bench::KernelChoice::Auto)]
        kernels: bench::KernelChoice,
        /// Also time every operator (a separate, profiled pass).
        #[arg(long)]
        per_op: bool,
        /// Turn off in-place execution (`Options::in_place`): a larger arena,
        /// every operator writing a buffer of its own.
        #[arg(long)]
        no_in_place: bool,
        /// Turn off operator fusion (`Options::fuse`): a windowed op and the
        /// pool reading its output run one after the other, the tensor
        /// between them stored whole.
        #[arg(long)]
        no_fuse: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Run WAV files through an audio front end and a classifier (TFLM's
    /// micro_speech pipeline): scores after every window, then the label.
    Listen {
        /// The front-end model: one window of int16 samples in, one row of
        /// features out (e.g. audio_preprocessor_int8.tflite).
        #[arg(long)]
        frontend: PathBuf,
        /// The classifier: a stack of feature rows in, scores out (e.g.
        /// micro_speech_quantized.tflite).
        #[arg(long)]
        model: PathBuf,
        /// Labels, one per line in the classifier's output order.
        #[arg(long)]
        labels: Option<PathBuf>,
        /// A window starts every this many milliseconds.
        #[arg(long, default_value_t = 20)]
        stride_ms: u32,
        /// The sample rate the front end takes (WAVs must have it).
        #[arg(long, default_value_t = 16000)]
        sample_rate: u32,
        /// 16-bit mono PCM WAV files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print one JSON object per file.
        #[arg(long)]
        json: bool,
    },
}

fn inspect(model: &std::path::Path, json: bool) -> Result<(), String> {
    let file = session::load(model)?;
    let parsed = microlite::Model::from_bytes(file.bytes()).map_err(|e| e.to_string())?;
    let facts = inspect::facts(&parsed);
    if json {
        println!(
            "{}",
            serde_json::to_string(&facts).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", inspect::render_text(&facts));
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect { model, json } => inspect(&model, json),
        Command::Ops { markdown } => {
            print!("{}", op_table::render(markdown));
            Ok(())
        }
        Command::Run {
            model,
            inputs,
            output_dir,
            dump_tensors,
            batch,
            arena_bytes,
            json,
        } => run::run(&run::RunArgs {
            model,
            inputs,
            output_dir,
            dump_tensors,
            batch,
            arena_bytes,
            json,
        }),
        Command::Bench {
            model,
            inputs,
            iterations,
            warmup,
            seed,
            kernels,
            per_op,
            no_in_place,
            no_fuse,
            json,
        } => bench::bench(&bench::BenchArgs {
            model,
            inputs,
            iterations,
            warmup,
            seed,
            kernels,
            per_op,
            in_place: !no_in_place,
            fuse: !no_fuse,
            json,
        }),
        Command::Listen {
            frontend,
            model,
            labels,
            stride_ms,
            sample_rate,
            files,
            json,
        } => listen::listen(&listen::ListenArgs {
            frontend,
            model,
            labels,
            stride_ms,
            sample_rate,
            files,
            json,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {}", message.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
