//! The `listen` verb: a WAV file through an audio front-end model and a
//! classifier, as TFLM's micro_speech example does (its `evaluate.py`).
//!
//! The front end turns each window of samples (its input length, e.g. 480
//! samples = 30 ms at 16 kHz) into one row of features; windows start every
//! `stride` samples. The classifier reads `frames` rows at once (its input
//! length over the feature row's). Rows fill a zeroed feature stack one per
//! window and the classifier runs after each, printing its scores (as
//! `evaluate.py` prints per frame); once the stack is full, later windows
//! slide it up by one row. The final label is the classifier's argmax on the
//! last full stack (on a 1 s clip: the 49 rows of TFLM's micro_speech test).
//! The front end's state (noise estimates) is reset at the start of each
//! file, as `evaluate.py` does.

use std::path::{Path, PathBuf};

use microlite::{Interpreter, Model, OpResolver, Options, TensorType};
use microlite_host::model_file::aligned_arena;
use microlite_host::session;
use serde::Serialize;

/// What `listen` was asked to do.
#[derive(Debug, Clone)]
pub struct ListenArgs {
    /// The front-end model (samples in, one feature row out).
    pub frontend: PathBuf,
    /// The classifier (a stack of feature rows in, scores out).
    pub model: PathBuf,
    /// One label per line, in the classifier's output order.
    pub labels: Option<PathBuf>,
    /// Window start every this many milliseconds.
    pub stride_ms: u32,
    /// The sample rate the front end expects.
    pub sample_rate: u32,
    /// The WAV files.
    pub files: Vec<PathBuf>,
    /// Print one JSON object per file.
    pub json: bool,
}

/// The outcome for one file.
#[derive(Debug, Clone, Serialize)]
pub struct Heard {
    /// The file.
    pub file: String,
    /// Dequantized classifier scores after each window.
    pub frames: Vec<Vec<f32>>,
    /// Scores on the last full stack (or the last window's, when the file
    /// is too short to fill it).
    pub scores: Vec<f32>,
    /// The label of the highest score.
    pub label: String,
}

/// 16-bit mono PCM samples of a WAV file at `sample_rate` Hz, or an error
/// naming what the file is instead.
pub fn read_wav(path: &Path, sample_rate: u32) -> Result<Vec<i16>, String> {
    let reader = hound::WavReader::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let spec = reader.spec();
    let pcm16 = spec.sample_format == hound::SampleFormat::Int && spec.bits_per_sample == 16;
    if spec.channels != 1 || spec.sample_rate != sample_rate || !pcm16 {
        let format = match spec.sample_format {
            hound::SampleFormat::Int => "integer PCM",
            hound::SampleFormat::Float => "float",
        };
        return Err(format!(
            "{}: listen takes {sample_rate} Hz mono 16-bit integer PCM WAV; this file is \
             {} Hz, {} channel(s), {}-bit {format}",
            path.display(),
            spec.sample_rate,
            spec.channels,
            spec.bits_per_sample
        ));
    }
    reader
        .into_samples::<i16>()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// A model loaded with an exact arena.
struct Loaded {
    file: microlite_host::model_file::AlignedFile,
    arena: Vec<u128>,
    needed: usize,
}

fn load(
    path: &Path,
    resolver: &OpResolver<{ microlite::ops::ALL_COUNT }>,
) -> Result<Loaded, String> {
    let file = session::load(path)?;
    let model = Model::from_bytes(file.bytes()).map_err(|e| e.to_string())?;
    let needed = session::required_arena_bytes(&model, resolver, Options::default())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Loaded {
        arena: aligned_arena(needed),
        file,
        needed,
    })
}

/// Labels from `path` (one per line), or `label <k>`.
fn labels(path: Option<&Path>, count: usize) -> Result<Vec<String>, String> {
    let Some(path) = path else {
        return Ok((0..count).map(|k| format!("label {k}")).collect());
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let labels: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if labels.len() != count {
        return Err(format!(
            "{}: {} labels for a classifier with {count} outputs",
            path.display(),
            labels.len()
        ));
    }
    Ok(labels)
}

/// How a feature row is written into the classifier's input.
#[derive(Debug, Clone, Copy)]
enum RowCopy {
    /// Same element type: bytes copied.
    Bytes { row_bytes: usize },
    /// Float features into an int8 classifier: `x / scale + zero_point`,
    /// truncated to int8 as `evaluate.py`'s `astype(np.int8)`.
    QuantizeInt8 { scale: f32, zero_point: i32 },
}

/// Execute `listen`.
pub fn listen(args: &ListenArgs) -> Result<(), String> {
    let resolver = OpResolver::with_all();
    let mut front = load(&args.frontend, &resolver)?;
    let mut back = load(&args.model, &resolver)?;
    let front_model = Model::from_bytes(front.file.bytes()).map_err(|e| e.to_string())?;
    let back_model = Model::from_bytes(back.file.bytes()).map_err(|e| e.to_string())?;
    let front_arena: &mut [u8] = bytemuck::cast_slice_mut(&mut front.arena);
    let back_arena: &mut [u8] = bytemuck::cast_slice_mut(&mut back.arena);
    let mut frontend = Interpreter::new(
        &front_model,
        &resolver,
        &mut front_arena[..front.needed],
        Options::default(),
    )
    .map_err(|e| format!("{}: {e}", args.frontend.display()))?;
    let mut classifier = Interpreter::new(
        &back_model,
        &resolver,
        &mut back_arena[..back.needed],
        Options::default(),
    )
    .map_err(|e| format!("{}: {e}", args.model.display()))?;

    let window = {
        let input = frontend.input(0).map_err(|e| e.to_string())?;
        if input.info().dtype() != TensorType::Int16 {
            return Err(format!(
                "{}: the front end's input must be int16 samples, not {:?}",
                args.frontend.display(),
                input.info().dtype()
            ));
        }
        input.bytes().len() / 2
    };
    let stride = usize::try_from(u64::from(args.stride_ms) * u64::from(args.sample_rate) / 1000)
        .map_err(|e| e.to_string())?;
    if stride == 0 {
        return Err("--stride-ms gives a stride of 0 samples".into());
    }
    let (row_dtype, row_len, row_bytes) = {
        let out = frontend.output(0).map_err(|e| e.to_string())?;
        let dtype = out.info().dtype();
        let bytes = out.bytes().len();
        let size = dtype.element_size().unwrap_or(1).max(1);
        (dtype, bytes / size, bytes)
    };
    let (stack_dtype, stack_len, copy) = {
        let input = classifier.input(0).map_err(|e| e.to_string())?;
        let info = input.info();
        let dtype = info.dtype();
        let len = input.bytes().len() / dtype.element_size().unwrap_or(1).max(1);
        let copy = match (row_dtype, dtype) {
            (a, b) if a == b => RowCopy::Bytes { row_bytes },
            (TensorType::Float32, TensorType::Int8) => RowCopy::QuantizeInt8 {
                scale: info
                    .scale()
                    .ok_or("the classifier's int8 input has no scale")?,
                zero_point: i32::try_from(info.zero_point().unwrap_or(0))
                    .map_err(|e| e.to_string())?,
            },
            (a, b) => {
                return Err(format!(
                    "front-end features are {a:?}, the classifier takes {b:?}"
                ))
            }
        };
        (dtype, len, copy)
    };
    if row_len == 0 || stack_len % row_len != 0 {
        return Err(format!(
            "the classifier's input ({stack_len} elements) is not a whole number of \
             feature rows ({row_len} elements)"
        ));
    }
    let frames = stack_len / row_len;
    let (out_scale, out_zero, out_count, out_dtype) = {
        let out = classifier.output(0).map_err(|e| e.to_string())?;
        let info = out.info();
        let dtype = info.dtype();
        let count = out.bytes().len() / dtype.element_size().unwrap_or(1).max(1);
        (
            info.scale().unwrap_or(1.0),
            info.zero_point().unwrap_or(0),
            count,
            dtype,
        )
    };
    let names = labels(args.labels.as_deref(), out_count)?;
    let stack_element = stack_dtype.element_size().unwrap_or(1).max(1);

    for path in &args.files {
        let samples = read_wav(path, args.sample_rate)?;
        frontend.reset_state();
        // The stack the classifier reads, zeroed, as bytes.
        let mut stack = vec![0u8; stack_len * stack_element];
        let mut filled = 0usize;
        let mut heard = Heard {
            file: path.display().to_string(),
            frames: Vec::new(),
            scores: Vec::new(),
            label: String::new(),
        };
        let mut start = 0usize;
        while start + window <= samples.len() {
            frontend
                .input_mut(0)
                .and_then(|mut input| input.copy_from(&samples[start..start + window]))
                .map_err(|e| e.to_string())?;
            frontend
                .invoke()
                .map_err(|e| format!("{}: {e}", args.frontend.display()))?;
            let row_at = if filled < frames {
                filled += 1;
                filled - 1
            } else {
                // Full: slide up one row, the new one last.
                let row = row_len * stack_element;
                stack.copy_within(row.., 0);
                frames - 1
            };
            let out = frontend.output(0).map_err(|e| e.to_string())?;
            write_row(
                &mut stack,
                row_at,
                row_len,
                stack_element,
                copy,
                out.bytes(),
            )?;
            classifier
                .input_mut(0)
                .map(|mut input| input.bytes_mut().copy_from_slice(&stack))
                .map_err(|e| e.to_string())?;
            classifier
                .invoke()
                .map_err(|e| format!("{}: {e}", args.model.display()))?;
            let scores = dequantized(&classifier, out_dtype, out_scale, out_zero)?;
            if !args.json {
                let text: Vec<String> = scores.iter().map(|s| format!("{s:.4}")).collect();
                println!("frame {}: [{}]", heard.frames.len(), text.join(", "));
            }
            heard.scores.clone_from(&scores);
            heard.frames.push(scores);
            start += stride;
        }
        if heard.frames.is_empty() {
            return Err(format!(
                "{}: shorter than one window ({window} samples)",
                path.display()
            ));
        }
        let best =
            heard.scores.iter().enumerate().fold(
                0,
                |best, (k, s)| if *s > heard.scores[best] { k } else { best },
            );
        heard.label = names.get(best).cloned().unwrap_or_default();
        if args.json {
            println!(
                "{}",
                serde_json::to_string(&heard).map_err(|e| e.to_string())?
            );
        } else {
            println!(
                "{}: {} ({:.2})",
                heard.file, heard.label, heard.scores[best]
            );
        }
    }
    Ok(())
}

/// Writes feature row `row` of the stack from the front end's output.
fn write_row(
    stack: &mut [u8],
    row: usize,
    row_len: usize,
    element: usize,
    copy: RowCopy,
    features: &[u8],
) -> Result<(), String> {
    let at = row * row_len * element;
    let target = stack
        .get_mut(at..at + row_len * element)
        .ok_or("feature row beyond the stack")?;
    match copy {
        RowCopy::Bytes { row_bytes } => {
            target.copy_from_slice(features.get(..row_bytes).ok_or("feature row")?);
        }
        RowCopy::QuantizeInt8 { scale, zero_point } => {
            let values: &[f32] = bytemuck::try_cast_slice(features).map_err(|e| e.to_string())?;
            for (byte, x) in target.iter_mut().zip(values) {
                // numpy: float32 division, add, then a C cast to int8.
                let q = (x / scale + zero_point as f32) as i64;
                *byte = (q as i8) as u8;
            }
        }
    }
    Ok(())
}

/// The classifier's output 0 as f32: `scale * (q - zero_point)` for int8
/// (computed in f32, as `evaluate.py`), as is for float32.
fn dequantized(
    classifier: &Interpreter<'_, '_>,
    dtype: TensorType,
    scale: f32,
    zero_point: i64,
) -> Result<Vec<f32>, String> {
    let out = classifier.output(0).map_err(|e| e.to_string())?;
    match dtype {
        TensorType::Float32 => Ok(out.as_slice::<f32>().map_err(|e| e.to_string())?.to_vec()),
        TensorType::Int8 => Ok(out
            .as_slice::<i8>()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|&q| scale * (f32::from(q) - zero_point as f32))
            .collect()),
        other => Err(format!(
            "classifier output type {other:?} is not int8 or float32"
        )),
    }
}
