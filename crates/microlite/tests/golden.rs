//! Conformance: every case under `reference-models/<suite>/` runs through
//! microlite and every operator output is compared with the golden tensor the
//! TFLM Python wheel produced (integers bit for bit, float32 within
//! 1e-5 + 1e-5·|ref|). A case's inputs and goldens are read from its
//! `arrays.npz`, or from loose `.npy` files in cases not yet packed
//! (`microlite_host::golden`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use microlite::kernels::Backend;
use microlite::model::TensorType;
use microlite::{Interpreter, Model, OpResolver, Options};
use microlite_host::golden::CaseArrays;
use microlite_host::model_file::{aligned_arena, AlignedFile};
use microlite_host::session;

fn reference_models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference-models")
}

/// One mismatching operator output.
struct Mismatch {
    operator: usize,
    op: String,
    tensor: usize,
    differing: usize,
    max_diff: f64,
}

fn compare(dtype: TensorType, got: &[u8], want: &[u8]) -> (usize, f64) {
    let mut differing = 0;
    let mut max_diff = 0f64;
    match dtype {
        TensorType::Float32 => {
            for (g, w) in got.chunks_exact(4).zip(want.chunks_exact(4)) {
                let g = f32::from_le_bytes(g.try_into().unwrap()) as f64;
                let w = f32::from_le_bytes(w.try_into().unwrap()) as f64;
                let diff = (g - w).abs();
                let within = diff <= 1e-5 + 1e-5 * w.abs();
                if !within {
                    differing += 1;
                    max_diff = max_diff.max(if diff.is_nan() { f64::INFINITY } else { diff });
                }
            }
        }
        TensorType::Int8 => {
            for (&g, &w) in got.iter().zip(want) {
                if g != w {
                    differing += 1;
                    max_diff = max_diff.max(((g as i8) as f64 - (w as i8) as f64).abs());
                }
            }
        }
        _ => {
            let size = dtype.element_size().unwrap_or(1);
            for (g, w) in got.chunks_exact(size).zip(want.chunks_exact(size)) {
                if g != w {
                    differing += 1;
                    max_diff = f64::NAN;
                }
            }
        }
    }
    (differing, max_diff)
}

/// Write the inputs of invoke `invoke` (`input_<k>.npy`; invoke 0 is the
/// case's own, invoke i >= 1 of a stateful case is under `invoke_<i>/`: a
/// sequence of invokes on one interpreter, the state carried).
fn set_inputs(
    interpreter: &mut Interpreter<'_, '_>,
    arrays: &CaseArrays,
    invoke: usize,
) -> Result<(), String> {
    for k in 0..interpreter.input_count() {
        let array = arrays.get_for_invoke(invoke, &format!("input_{k}.npy"))?;
        let mut input = interpreter.input_mut(k).map_err(|e| e.to_string())?;
        if array.dtype != input.info().dtype() {
            return Err(format!("input {k}: golden dtype differs from the model's"));
        }
        let bytes = input.bytes_mut();
        if bytes.len() != array.bytes.len() {
            return Err(format!("input {k}: golden size differs from the model's"));
        }
        bytes.copy_from_slice(&array.bytes);
    }
    Ok(())
}

/// Whether the model runs an initialisation subgraph with CALL_ONCE.
fn calls_once(model: &Model<'_>) -> bool {
    model.subgraphs().any(|s| {
        s.operators()
            .any(|op| op.builtin() == microlite::BuiltinOperator::CALL_ONCE)
    })
}

/// Whether tensor `t` of `subgraph` is a resource handle.
fn is_resource(subgraph: &microlite::model::Subgraph<'_>, t: usize) -> bool {
    subgraph
        .tensor(t)
        .is_some_and(|tensor| tensor.dtype() == microlite::TensorType::Resource)
}

/// Run one case directory; returns the mismatches (empty = exact).
fn run_case(dir: &Path, backend: Backend) -> Result<(usize, Vec<Mismatch>), String> {
    let file = AlignedFile::read(&dir.join("model.tflite"))?;
    let model = Model::from_bytes(file.bytes()).map_err(|e| e.to_string())?;
    let resolver = OpResolver::with_all();
    let options = Options {
        backend,
        preserve_all_tensors: true,
        ..Options::default()
    };
    let needed =
        session::required_arena_bytes(&model, &resolver, options).map_err(|e| e.to_string())?;
    let mut arena = aligned_arena(needed);
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
    let mut interpreter =
        Interpreter::new(&model, &resolver, arena, options).map_err(|e| e.to_string())?;
    let arrays = CaseArrays::open(dir)?;
    let subgraph = model.main_subgraph();
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for invoke in 0..arrays.invokes() {
        set_inputs(&mut interpreter, &arrays, invoke)?;
        interpreter.invoke().map_err(|e| e.to_string())?;
        // Every operator output, then every variable tensor with a golden
        // (the state the invoke left).
        let mut checks: Vec<(usize, String, usize)> = Vec::new();
        for op in subgraph.operators() {
            // A resource handle (VAR_HANDLE's output) has no data, no golden.
            for t in op.outputs().iter().filter(|&t| !is_resource(&subgraph, t)) {
                checks.push((op.index(), op.op_name().to_string(), t));
            }
        }
        for tensor in subgraph.tensors().filter(|t| t.is_variable()) {
            let t = tensor.index();
            if arrays.contains_for_invoke(invoke, &format!("tensor_{t}.npy")) {
                checks.push((subgraph.operator_count(), "variable tensor".into(), t));
            }
        }
        for (operator, op, t) in checks {
            let golden = arrays.get_for_invoke(invoke, &format!("tensor_{t}.npy"))?;
            let view = interpreter.tensor(t).map_err(|e| e.to_string())?;
            let dtype = view.info().dtype();
            if golden.dtype != dtype || golden.bytes.len() != view.bytes().len() {
                return Err(format!(
                    "tensor {t}: golden is {} with {} bytes, microlite has {} with {} bytes",
                    golden.dtype.name(),
                    golden.bytes.len(),
                    dtype.name(),
                    view.bytes().len()
                ));
            }
            compared += 1;
            let (differing, max_diff) = compare(dtype, view.bytes(), &golden.bytes);
            if differing > 0 {
                mismatches.push(Mismatch {
                    operator,
                    op: if invoke == 0 {
                        op
                    } else {
                        format!("{op}, invoke {invoke}")
                    },
                    tensor: t,
                    differing,
                    max_diff,
                });
            }
        }
    }
    compared += normal_mode_outputs(&arrays, &model, backend, &mut mismatches)?;
    Ok((compared, mismatches))
}

/// Compare the model outputs of a normal-mode run (memory sharing and
/// in-place execution active) with the goldens, over the case's invokes
/// run twice, inputs rewritten before each invoke and the state reset
/// between the two runs; returns the number compared.
fn normal_mode_outputs(
    arrays: &CaseArrays,
    model: &Model<'_>,
    backend: Backend,
    mismatches: &mut Vec<Mismatch>,
) -> Result<usize, String> {
    let resolver = OpResolver::with_all();
    let options = Options {
        backend,
        ..Options::default()
    };
    let needed =
        session::required_arena_bytes(model, &resolver, options).map_err(|e| e.to_string())?;
    let mut arena = aligned_arena(needed);
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
    let mut interpreter =
        Interpreter::new(model, &resolver, arena, options).map_err(|e| e.to_string())?;
    let mut compared = 0;
    // reset_state does not re-arm CALL_ONCE (as TFLM's Reset): a model
    // initialising variables that way gives the goldens once only.
    let runs = if calls_once(model) { 1 } else { 2 };
    for run in 0..runs {
        if run > 0 {
            interpreter.reset_state();
        }
        for invoke in 0..arrays.invokes() {
            set_inputs(&mut interpreter, arrays, invoke)?;
            interpreter.invoke().map_err(|e| e.to_string())?;
            for k in 0..interpreter.output_count() {
                let view = interpreter.output(k).map_err(|e| e.to_string())?;
                let t = view.info().index();
                let golden = arrays.get_for_invoke(invoke, &format!("tensor_{t}.npy"))?;
                let (differing, max_diff) =
                    compare(view.info().dtype(), view.bytes(), &golden.bytes);
                compared += 1;
                if differing > 0 || golden.bytes.len() != view.bytes().len() {
                    mismatches.push(Mismatch {
                        operator: model.main_subgraph().operator_count(),
                        op: format!(
                            "model output {k} in normal (in-place) mode, run {run}, invoke {invoke}"
                        ),
                        tensor: t,
                        differing,
                        max_diff,
                    });
                }
            }
        }
    }
    Ok(compared)
}

/// Every int8 kernel backend this machine runs (all must match the goldens).
fn backends() -> Vec<(&'static str, Backend)> {
    let mut all = vec![
        ("reference", Backend::Reference),
        ("portable", Backend::Portable),
        ("compact", Backend::Compact),
        ("cortex-m", Backend::CortexM),
    ];
    #[cfg(target_arch = "x86_64")]
    if let Some(token) = microlite::kernels::Avx2::detect() {
        all.push(("avx2", Backend::Avx2(token)));
    }
    all
}

/// Every suite under reference-models/: each folder holding case folders
/// (a case folder holds `model.tflite`).
fn suites() -> Vec<String> {
    let root = reference_models();
    let mut suites: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|dir| {
            std::fs::read_dir(dir)
                .map(|mut cases| cases.any(|c| c.unwrap().path().join("model.tflite").exists()))
                .unwrap_or(false)
        })
        .map(|dir| dir.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    suites.sort();
    suites
}

/// Run every case of `suite` on every backend; a report naming each
/// mismatch on failure.
fn run_suite(suite: &str) -> Result<(), String> {
    for (name, backend) in backends() {
        run_suite_on(suite, name, backend)?;
    }
    Ok(())
}

/// Run every case of `suite` on `backend` (`name` names it).
fn run_suite_on(suite: &str, name: &str, backend: Backend) -> Result<(), String> {
    let root = reference_models().join(suite);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .map_err(|e| format!("{}: {e}", root.display()))?
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("model.tflite").exists())
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in &cases {
        let case_name = case.file_name().unwrap().to_string_lossy().to_string();
        match run_case(case, backend) {
            Ok((n, mismatches)) => {
                compared += n;
                for m in mismatches {
                    failures.push(format!(
                        "{suite}/{case_name} ({name}): operator {} ({}) tensor {}: {} elements differ, max diff {}",
                        m.operator, m.op, m.tensor, m.differing, m.max_diff
                    ));
                }
            }
            Err(e) => failures.push(format!("{suite}/{case_name} ({name}): {e}")),
        }
    }
    println!(
        "{suite} ({name}): {} cases, {compared} operator outputs compared",
        cases.len()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        ))
    }
}

/// One test per suite, named `golden_<suite>`, run by libtest-mimic (the
/// usual test flags and filters work).
fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let tests = suites()
        .into_iter()
        .map(|suite| {
            libtest_mimic::Trial::test(format!("golden_{suite}"), move || {
                run_suite(&suite).map_err(Into::into)
            })
        })
        .collect();
    libtest_mimic::run(&args, tests).exit();
}
