//! Whole-model fixtures: a `.tflite` file loaded into aligned memory, and a
//! ready-to-invoke [`Session`] (interpreter, exact arena, inputs).
//!
//! The third-party models come from `../shared/models` beside the project
//! ([`shared_models`] says why it has none when that folder is missing); the
//! project's own models come from `reference-models/` with their golden
//! inputs ([`reference_models`]).

use std::path::{Path, PathBuf};

use microlite::kernels::Backend;
use microlite::model::TensorType;
use microlite::{Error, Interpreter, Model, OpResolver, Options};
use microlite_cli::macs;
use microlite_host::golden::CaseArrays;
use microlite_host::model_file::{aligned_arena, AlignedFile};
use microlite_host::session;

use crate::rng::Rng;

/// The third-party models benchmarked (every model in `../shared/models`).
pub const SHARED_MODELS: &[&str] = &[
    "kws01_dscnn_int8",
    "vww01_mobilenet_96_int8",
    "ic01_resnet8_int8",
    "ad01_fc_autoencoder_int8",
    "person_detect",
    "micro_speech_quantized",
    "hello_world_int8",
    "hello_world_float",
    "magic_wand_float",
    "simple_add_int8",
];

/// The project's reference models benchmarked (folders under
/// `reference-models/` holding `model.tflite` and golden inputs `input_<k>.npy`,
/// in `arrays.npz` or loose).
pub const REFERENCE_MODELS: &[&str] = &[
    "models/mlp_int8",
    "blocks/ds_cnn_int8",
    "blocks/mobilenet_int8",
    "blocks/resnet_int8",
    "blocks/mobilenet_float32",
];

/// Where the third-party models live: `../shared/models` beside the project.
pub fn shared_models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models")
}

/// Where the project's reference models live.
pub fn reference_models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../reference-models")
}

/// Every model of [`SHARED_MODELS`], or why there are none (folder missing).
pub fn shared_models() -> Result<Vec<ModelFile>, String> {
    let dir = shared_models_dir();
    if !dir.is_dir() {
        return Err(format!("{} not found", dir.display()));
    }
    SHARED_MODELS
        .iter()
        .map(|name| ModelFile::load(name, &dir.join(format!("{name}.tflite")), Vec::new()))
        .collect()
}

/// Every model of [`REFERENCE_MODELS`], with its golden inputs.
pub fn reference_models() -> Result<Vec<ModelFile>, String> {
    let dir = reference_models_dir();
    REFERENCE_MODELS
        .iter()
        .map(|case| {
            let case_dir = dir.join(case);
            let inputs = CaseArrays::open(&case_dir)?
                .inputs(0)?
                .into_iter()
                .map(|array| array.bytes)
                .collect();
            let name = case.rsplit('/').next().unwrap_or(case);
            ModelFile::load(name, &case_dir.join("model.tflite"), inputs)
        })
        .collect()
}

/// A model file in 16-byte aligned memory, with optional input files.
pub struct ModelFile {
    name: String,
    file: AlignedFile,
    /// Input bytes (model-input order) replacing the seeded random inputs.
    input_bytes: Vec<Vec<u8>>,
}

impl ModelFile {
    /// Read and verify `path`; `input_bytes` (model-input order) replace the
    /// seeded random inputs when given.
    pub fn load(name: &str, path: &Path, input_bytes: Vec<Vec<u8>>) -> Result<Self, String> {
        Ok(Self {
            name: name.to_string(),
            file: session::load(path)?,
            input_bytes,
        })
    }

    /// Short name (file stem or case folder).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Builds the interpreter in an arena of the exact size and runs `f` with it.
    pub fn with_session<R>(
        &self,
        backend: Backend,
        f: impl FnOnce(&mut Session<'_, '_>) -> R,
    ) -> Result<R, String> {
        let culprit = |e: Error| format!("{}: {e}", self.name);
        let model = Model::from_bytes(self.file.bytes()).map_err(|e| e.to_string())?;
        let resolver = OpResolver::with_all();
        let options = Options {
            backend,
            ..Options::default()
        };
        let needed = session::required_arena_bytes(&model, &resolver, options).map_err(culprit)?;
        let mut arena = aligned_arena(needed);
        let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
        let interpreter = Interpreter::new(&model, &resolver, arena, options).map_err(culprit)?;
        let subgraph = model.main_subgraph();
        let macs = subgraph
            .operators()
            .map(|op| macs::operator_macs(&subgraph, &op))
            .sum();
        let inputs = self.inputs(&interpreter)?;
        let mut session = Session {
            interpreter,
            inputs,
            macs,
        };
        Ok(f(&mut session))
    }

    fn inputs(&self, interpreter: &Interpreter<'_, '_>) -> Result<Vec<Vec<u8>>, String> {
        let mut rng = Rng(0x5eed);
        let mut inputs = Vec::new();
        for k in 0..interpreter.input_count() {
            let view = interpreter.input(k).map_err(|e| e.to_string())?;
            let bytes = match self.input_bytes.get(k) {
                Some(bytes) => bytes.clone(),
                None => random_bytes(view.bytes().len(), view.info().dtype(), &mut rng),
            };
            if bytes.len() != view.bytes().len() {
                return Err(format!("{}: input {k} has the wrong size", self.name));
            }
            inputs.push(bytes);
        }
        Ok(inputs)
    }
}

/// Seeded random bytes of a tensor: every bit pattern for integer types,
/// [-1, 1) for float32.
fn random_bytes(len: usize, dtype: TensorType, rng: &mut Rng) -> Vec<u8> {
    match dtype {
        TensorType::Float32 => (0..len / 4)
            .flat_map(|_| rng.unit_f32().to_le_bytes())
            .collect(),
        _ => (0..len).map(|_| rng.next() as u8).collect(),
    }
}

/// An interpreter ready to invoke, with the inputs it is fed.
pub struct Session<'a, 'm> {
    interpreter: Interpreter<'a, 'm>,
    inputs: Vec<Vec<u8>>,
    macs: u64,
}

impl Session<'_, '_> {
    /// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED MACs of one invoke.
    pub fn macs(&self) -> u64 {
        self.macs
    }

    /// Arena bytes the interpreter uses.
    pub fn arena_used_bytes(&self) -> usize {
        self.interpreter.arena_used_bytes()
    }

    /// Writes the inputs (needed before every invoke: an input's memory may
    /// be reused by later operators).
    pub fn write_inputs(&mut self) -> Result<(), Error> {
        for (k, bytes) in self.inputs.iter().enumerate() {
            self.interpreter
                .input_mut(k)?
                .bytes_mut()
                .copy_from_slice(bytes);
        }
        Ok(())
    }

    /// Runs the model once.
    pub fn invoke(&mut self) -> Result<(), Error> {
        self.interpreter.invoke()
    }

    /// The bytes of every output after the last invoke.
    pub fn outputs(&self) -> Result<Vec<Vec<u8>>, Error> {
        (0..self.interpreter.output_count())
            .map(|k| Ok(self.interpreter.output(k)?.bytes().to_vec()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::layers::backends;

    /// Outputs of two invokes on the same inputs, on `backend`.
    fn outputs_twice(file: &ModelFile, backend: Backend) -> [Vec<Vec<u8>>; 2] {
        file.with_session(backend, |s| {
            [0, 1].map(|_| {
                s.write_inputs().unwrap();
                s.invoke().unwrap();
                s.outputs().unwrap()
            })
        })
        .unwrap()
    }

    /// Checks the outputs are the same on every backend in `backends` and
    /// over two invokes.
    fn check_alike(file: &ModelFile, backends: &[(&str, Backend)]) {
        let mut want = None;
        for &(name, backend) in backends {
            let [first, second] = outputs_twice(file, backend);
            assert_eq!(first, second, "{} on {name}: invokes differ", file.name());
            assert!(!first.is_empty(), "{}: no outputs", file.name());
            match &want {
                None => want = Some(first),
                Some(w) => assert_eq!(&first, w, "{} on {name}", file.name()),
            }
        }
    }

    #[test]
    fn reference_models_run_alike_on_every_backend() {
        for file in reference_models().unwrap() {
            check_alike(&file, &backends());
        }
    }

    #[test]
    fn shared_models_run_repeatably() {
        // The unoptimised test build makes the reference kernels slow on
        // these; the golden suite and tflm_diff cover their bits.
        match shared_models() {
            Ok(files) => files
                .iter()
                .for_each(|f| check_alike(f, &[("detected", Backend::detect())])),
            Err(reason) => eprintln!("skipping shared models: {reason}"),
        }
    }

    #[test]
    fn reference_models_feed_their_golden_inputs() {
        for file in reference_models().unwrap() {
            assert!(!file.input_bytes.is_empty(), "{}", file.name());
        }
    }
}
