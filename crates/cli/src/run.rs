//! `microlite run`: one invoke with inputs from `.npy` files, or with
//! `--batch`, one invoke per entry of stacked inputs.

use std::path::{Path, PathBuf};

use microlite::{Interpreter, Model, OpResolver, Options};
use serde::Serialize;

use microlite_host::model_file::aligned_arena;
use microlite_host::{npy_io, session};

/// Arguments of `run`.
pub struct RunArgs {
    /// The .tflite file.
    pub model: PathBuf,
    /// Input .npy files in model-input order (empty: zeros).
    pub inputs: Vec<PathBuf>,
    /// Where to write outputs and dumped tensors.
    pub output_dir: Option<PathBuf>,
    /// Write every model input, operator output and variable tensor.
    pub dump_tensors: bool,
    /// Each input file stacks N inputs along a new leading axis: invoke N
    /// times in sequence and stack the outputs the same way (dumped
    /// tensors are the last invoke's).
    pub batch: bool,
    /// Arena size in bytes; `None` sizes it exactly.
    pub arena_bytes: Option<usize>,
    /// Print JSON.
    pub json: bool,
}

#[derive(Serialize)]
struct OutputReport {
    index: usize,
    tensor: usize,
    dtype: &'static str,
    shape: Vec<usize>,
    path: Option<String>,
}

#[derive(Serialize)]
struct RunReport {
    model: String,
    arena_used_bytes: usize,
    outputs: Vec<OutputReport>,
    dumped_tensors: usize,
}

fn write_tensor(interpreter: &Interpreter<'_, '_>, t: usize, path: &Path) -> Result<(), String> {
    let view = interpreter.tensor(t).map_err(|e| e.to_string())?;
    let shape: Vec<usize> = view.info().shape().iter().collect();
    npy_io::write(path, view.info().dtype(), &shape, view.bytes())
}

/// Execute `run`.
pub fn run(args: &RunArgs) -> Result<(), String> {
    let file = session::load(&args.model)?;
    let model = Model::from_bytes(file.bytes()).map_err(|e| e.to_string())?;
    let resolver = OpResolver::with_all();
    let options = Options {
        preserve_all_tensors: args.dump_tensors,
        ..Options::default()
    };
    let needed = match args.arena_bytes {
        // The arena's bookkeeping is 32-bit: larger arenas cannot be used.
        Some(bytes) if u32::try_from(bytes).is_err() => {
            return Err(format!(
                "--arena-bytes {bytes} exceeds the 4 GiB an arena can use"
            ));
        }
        Some(bytes) => bytes,
        None => session::required_arena_bytes(&model, &resolver, options)
            .map_err(|e| format!("{}: {e}", args.model.display()))?,
    };
    let mut arena = aligned_arena(needed);
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
    let arena = &mut arena[..needed];
    let mut interpreter = Interpreter::new(&model, &resolver, arena, options)
        .map_err(|e| format!("{}: {e}", args.model.display()))?;

    let count = interpreter.input_count();
    if !args.inputs.is_empty() && args.inputs.len() != count {
        return Err(format!(
            "model has {count} inputs, {} --input files given",
            args.inputs.len()
        ));
    }
    let arrays = args
        .inputs
        .iter()
        .map(|path| microlite_host::golden::read_array(path))
        .collect::<Result<Vec<_>, _>>()?;
    let entries = check_inputs(&interpreter, &args.inputs, &arrays, args.batch)?;
    // Outputs of every entry, concatenated per model output.
    let mut stacked: Vec<Vec<u8>> = vec![Vec::new(); interpreter.output_count()];
    for entry in 0..entries {
        for k in 0..count {
            let mut input = interpreter.input_mut(k).map_err(|e| e.to_string())?;
            let bytes = input.bytes_mut();
            match arrays.get(k) {
                Some(array) => {
                    let len = bytes.len();
                    let from = array
                        .bytes
                        .get(entry * len..(entry + 1) * len)
                        .ok_or("input file shorter than its shape")?;
                    bytes.copy_from_slice(from);
                }
                None => bytes.fill(0),
            }
        }
        interpreter
            .invoke()
            .map_err(|e| format!("{}: {e}", args.model.display()))?;
        if args.batch {
            for (k, out) in stacked.iter_mut().enumerate() {
                let view = interpreter.output(k).map_err(|e| e.to_string())?;
                out.extend_from_slice(view.bytes());
            }
        }
    }

    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut outputs = Vec::new();
    for k in 0..interpreter.output_count() {
        let view = interpreter.output(k).map_err(|e| e.to_string())?;
        let info = *view.info();
        let path = match &args.output_dir {
            Some(dir) => {
                let path = dir.join(format!("output_{k}.npy"));
                match stacked.get(k).filter(|_| args.batch) {
                    Some(bytes) => {
                        let mut shape = vec![entries];
                        shape.extend(info.shape().iter());
                        npy_io::write(&path, info.dtype(), &shape, bytes)?;
                    }
                    None => write_tensor(&interpreter, info.index(), &path)?,
                }
                Some(path.display().to_string())
            }
            None => None,
        };
        outputs.push(OutputReport {
            index: k,
            tensor: info.index(),
            dtype: info.dtype().name(),
            shape: info.shape().iter().collect(),
            path,
        });
    }
    let mut dumped = 0;
    if args.dump_tensors {
        let dir = args
            .output_dir
            .as_ref()
            .ok_or("--dump-tensors needs --output-dir")?;
        let subgraph = model.main_subgraph();
        let mut tensors: Vec<usize> = subgraph.inputs().iter().collect();
        for op in subgraph.operators() {
            tensors.extend(op.outputs().iter());
        }
        // And the state: variable tensors as the last invoke left them.
        tensors.extend(
            subgraph
                .tensors()
                .filter(|t| t.is_variable())
                .map(|t| t.index()),
        );
        // Resource handles (VAR_HANDLE's output) hold no data.
        tensors.retain(|&t| {
            subgraph
                .tensor(t)
                .is_some_and(|tensor| tensor.dtype() != microlite::TensorType::Resource)
        });
        tensors.sort_unstable();
        tensors.dedup();
        for t in tensors {
            write_tensor(&interpreter, t, &dir.join(format!("tensor_{t}.npy")))?;
            dumped += 1;
        }
    }
    let report = RunReport {
        model: args.model.display().to_string(),
        arena_used_bytes: interpreter.arena_used_bytes(),
        outputs,
        dumped_tensors: dumped,
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).map_err(|e| e.to_string())?
        );
    } else {
        println!("arena_used_bytes: {}", report.arena_used_bytes);
        for o in &report.outputs {
            let view = interpreter.output(o.index).map_err(|e| e.to_string())?;
            println!(
                "output {} (tensor {}): {} {:?}{}",
                o.index,
                o.tensor,
                o.dtype,
                o.shape,
                o.path
                    .as_ref()
                    .map(|p| format!(" -> {p}"))
                    .unwrap_or_default()
            );
            println!("  {}", preview(view.info().dtype(), view.bytes()));
        }
    }
    Ok(())
}

/// Check every input array's dtype and shape against the model input (with
/// a leading entry axis when `batch`); returns the number of invokes.
fn check_inputs(
    interpreter: &Interpreter<'_, '_>,
    paths: &[PathBuf],
    arrays: &[npy_io::NpyArray],
    batch: bool,
) -> Result<usize, String> {
    let mut entries = if batch && arrays.is_empty() { 0 } else { 1 };
    for (k, (path, array)) in paths.iter().zip(arrays).enumerate() {
        let info = *interpreter.input(k).map_err(|e| e.to_string())?.info();
        let shape: Vec<usize> = info.shape().iter().collect();
        let (n, rest) = match (batch, array.shape.split_first()) {
            (true, Some((&n, rest))) => (n, rest),
            (true, None) => (0, &array.shape[..]),
            (false, _) => (1, &array.shape[..]),
        };
        if array.dtype != info.dtype() || rest != shape.as_slice() || (batch && n == 0) {
            let want = if batch { "N, " } else { "" };
            return Err(format!(
                "{}: input {k} must be {} [{want}{}], file holds {} {:?}",
                path.display(),
                info.dtype().name(),
                shape
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                array.dtype.name(),
                array.shape
            ));
        }
        if k > 0 && n != entries {
            return Err(format!(
                "{}: holds {n} entries, input 0 holds {entries}",
                path.display()
            ));
        }
        entries = n;
    }
    if entries == 0 {
        return Err("--batch needs --input files".into());
    }
    Ok(entries)
}

/// The first few values of a tensor, for the text report.
fn preview(dtype: microlite::model::TensorType, bytes: &[u8]) -> String {
    use microlite::model::TensorType as T;
    const N: usize = 16;
    let values: Vec<String> = match dtype {
        T::Int8 => bytes
            .iter()
            .take(N)
            .map(|&b| (b as i8).to_string())
            .collect(),
        T::UInt8 => bytes.iter().take(N).map(|b| b.to_string()).collect(),
        T::Float32 => bytes
            .chunks_exact(4)
            .take(N)
            .map(|c| bytemuck::pod_read_unaligned::<f32>(c).to_string())
            .collect(),
        T::Int32 => bytes
            .chunks_exact(4)
            .take(N)
            .map(|c| bytemuck::pod_read_unaligned::<i32>(c).to_string())
            .collect(),
        _ => vec![format!("({} bytes)", bytes.len())],
    };
    format!(
        "[{}{}]",
        values.join(", "),
        if values.len() == N { ", ..." } else { "" }
    )
}
