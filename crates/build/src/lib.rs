//! Build-time helper for firmware that embeds a `.tflite` model: run it from
//! `build.rs` on the host, where the model is verified once (so the firmware
//! may load it with `Model::from_bytes_trusted`), and get the Rust source of
//! an `OpResolver` with exactly the model's ops. Ops whose every use in the
//! model is int8 get their int8-only registration (`ops::conv_2d_int8()`),
//! so no float kernel is linked for them.
//!
//! It also prepares the interpreter ahead of time
//! ([`ModelFile::prepared_source`]): the records and prepared op data go to
//! flash as a `static`, the resolver gets eval-only registrations
//! ([`ModelFile::eval_only_resolver_source`]), and the firmware calls
//! `Interpreter::from_prepared`: no prepare code, no planner, and an arena
//! of only the activations and scratch.
//!
//! ```no_run
//! // build.rs, ahead-of-time prepared
//! let model = microlite_build::ModelFile::read("model.tflite").unwrap();
//! // Planned here, so the full planner search costs the target nothing.
//! let options = microlite::Options {
//!     plan_search: microlite::PlanSearch::THOROUGH,
//!     ..microlite::Options::default()
//! };
//! let mut source = model.eval_only_resolver_source("resolver").unwrap();
//! source += &model.prepared_source("PREPARED", options).unwrap();
//! let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
//! std::fs::write(out.join("prepared.rs"), source).unwrap();
//! // main.rs: include!(concat!(env!("OUT_DIR"), "/prepared.rs"));
//! //   let resolver = resolver();
//! //   let interpreter = Interpreter::from_prepared(
//! //       &model, &resolver, PREPARED.prepared(), arena)?;
//! ```
//!
//! ```no_run
//! // build.rs
//! let model = microlite_build::ModelFile::read("model.tflite").unwrap();
//! let source = model.resolver_source("resolver").unwrap();
//! let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
//! std::fs::write(out.join("resolver.rs"), source).unwrap();
//! println!("cargo:rerun-if-changed=model.tflite");
//! // main.rs: include!(concat!(env!("OUT_DIR"), "/resolver.rs"));
//! //          let resolver = resolver();
//! ```

use std::fmt::{self, Write as _};
use std::path::Path;

use microlite_model::{BuiltinOperator, Model, ModelError, TensorType};
use microlite_ops::{ops, Registration};

/// Why a model could not be turned into code.
#[non_exhaustive]
#[derive(Debug)]
pub enum BuildError {
    /// The file could not be read.
    Io(std::io::Error),
    /// The model failed verification.
    Model(ModelError),
    /// An operator uses an op microlite does not implement.
    UnsupportedOp {
        /// Operator index in its subgraph.
        operator: usize,
        /// The op's name.
        op: &'static str,
        /// The custom code, for custom ops.
        custom_code: Option<String>,
    },
    /// Preparing the interpreter ahead of time failed.
    Prepare(microlite::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "cannot read the model: {e}"),
            Self::Model(e) => write!(f, "invalid model: {e}"),
            Self::UnsupportedOp {
                operator,
                op,
                custom_code: Some(code),
            } => write!(
                f,
                "operator {operator}: custom op {code:?} ({op}) is not supported"
            ),
            Self::Prepare(e) => write!(f, "preparing the interpreter failed: {e}"),
            Self::UnsupportedOp { operator, op, .. } => {
                write!(
                    f,
                    "operator {operator}: op {op} is not supported by microlite"
                )
            }
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Model(e) => Some(e),
            Self::Prepare(e) => Some(e),
            Self::UnsupportedOp { .. } => None,
        }
    }
}

impl From<microlite::Error> for BuildError {
    fn from(e: microlite::Error) -> Self {
        Self::Prepare(e)
    }
}

impl From<ModelError> for BuildError {
    fn from(e: ModelError) -> Self {
        Self::Model(e)
    }
}

/// One op of the model and the registration chosen for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpChoice {
    /// The builtin op (`CUSTOM` for a custom op).
    pub op: BuiltinOperator,
    /// A custom op's custom code (`"SignalRfft"`), as microlite's op table
    /// registers it.
    pub custom_code: Option<&'static str>,
    /// Every operator of this op reads int8 activations and the op has an
    /// int8-only registration.
    pub int8_only: bool,
}

impl OpChoice {
    /// The registration function in `microlite::ops` (`"conv_2d_int8"`).
    pub fn function_name(&self) -> String {
        let base = ops::TABLE
            .iter()
            .find(|entry| entry.op == self.op && entry.custom_code == self.custom_code)
            .map_or("unknown", |entry| entry.name);
        if self.int8_only {
            format!("{base}_int8")
        } else {
            base.to_owned()
        }
    }

    /// The registration itself.
    pub fn registration(&self) -> Option<Registration> {
        if let Some(code) = self.custom_code {
            return ops::custom_registration(code);
        }
        if self.int8_only {
            ops::int8_registration(self.op)
        } else {
            ops::registration(self.op)
        }
    }
}

/// The ops `model` needs (every subgraph), in order of first use, each with
/// the narrowest registration that runs it.
pub fn op_choices(model: &Model<'_>) -> Result<Vec<OpChoice>, BuildError> {
    let mut choices: Vec<OpChoice> = Vec::new();
    for subgraph in model.subgraphs() {
        for op in subgraph.operators() {
            let code = op.builtin();
            let unsupported = || BuildError::UnsupportedOp {
                operator: op.index(),
                op: op.op_name(),
                custom_code: op.custom_code().map(str::to_owned),
            };
            // A custom op: the table's entry for its custom code.
            let custom_code = if code == BuiltinOperator::CUSTOM {
                let wanted = op.custom_code();
                let entry = ops::TABLE
                    .iter()
                    .find(|entry| entry.custom_code.is_some() && entry.custom_code == wanted)
                    .ok_or_else(unsupported)?;
                entry.custom_code
            } else {
                if ops::registration(code).is_none() {
                    return Err(unsupported());
                }
                None
            };
            let int8 = ops::int8_registration(code).is_some()
                && op
                    .input(0)
                    .and_then(|t| subgraph.tensor(t))
                    .is_some_and(|t| t.dtype() == TensorType::Int8);
            match choices
                .iter_mut()
                .find(|c| c.op == code && c.custom_code == custom_code)
            {
                Some(choice) => choice.int8_only &= int8,
                None => choices.push(OpChoice {
                    op: code,
                    custom_code,
                    int8_only: int8,
                }),
            }
        }
    }
    Ok(choices)
}

/// A model file read into 16-byte aligned memory and verified.
pub struct ModelFile {
    storage: Vec<u8>,
    start: usize,
    len: usize,
}

impl ModelFile {
    /// Reads and verifies `path`.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, BuildError> {
        Self::from_bytes(&std::fs::read(path).map_err(BuildError::Io)?)
    }

    /// Copies `bytes` into aligned memory and verifies them.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BuildError> {
        let mut storage = vec![0u8; bytes.len() + 15];
        let start = storage.as_ptr().align_offset(16);
        storage[start..start + bytes.len()].copy_from_slice(bytes);
        let file = Self {
            storage,
            start,
            len: bytes.len(),
        };
        file.model()?;
        Ok(file)
    }

    /// The file's bytes (16-byte aligned).
    pub fn bytes(&self) -> &[u8] {
        &self.storage[self.start..self.start + self.len]
    }

    /// The verified model.
    pub fn model(&self) -> Result<Model<'_>, BuildError> {
        Ok(Model::from_bytes(self.bytes())?)
    }

    /// Rust source defining `fn <fn_name>() -> microlite::OpResolver<N>`
    /// that registers exactly the model's ops (see [`op_choices`]).
    pub fn resolver_source(&self, fn_name: &str) -> Result<String, BuildError> {
        self.resolver_in("microlite::ops", "", fn_name)
    }

    /// [`ModelFile::resolver_source`] with eval-only registrations
    /// (`microlite::ops::eval_only`): no prepare code is linked; for an
    /// interpreter made by `Interpreter::from_prepared` from
    /// [`ModelFile::prepared_source`].
    pub fn eval_only_resolver_source(&self, fn_name: &str) -> Result<String, BuildError> {
        self.resolver_in("microlite::ops::eval_only", " eval-only", fn_name)
    }

    /// The resolver of the model's registrations, ahead-of-time preparation
    /// uses it: the same ops in the same order as the resolvers written by
    /// [`ModelFile::resolver_source`] and
    /// [`ModelFile::eval_only_resolver_source`].
    pub fn resolver(&self) -> Result<microlite::OpResolver<{ ops::ALL_COUNT }>, BuildError> {
        let mut resolver = microlite::OpResolver::new();
        // op_choices lists distinct ops it found registrations for, at most
        // ALL_COUNT of them: neither error below can happen.
        let impossible = || BuildError::Prepare(microlite::Error::Internal("op choices"));
        for choice in op_choices(&self.model()?)? {
            let registration = choice.registration().ok_or_else(impossible)?;
            match choice.custom_code {
                Some(code) => resolver.add_custom(code, registration),
                None => resolver.add(registration),
            }
            .map_err(|_| impossible())?;
        }
        Ok(resolver)
    }

    /// The interpreter state of this model prepared ahead of time (see
    /// `microlite::Prepared`), sized for the kernels bare-metal targets run
    /// by default (`Backend::CortexM`); [`ModelFile::prepared_for`] names
    /// them.
    pub fn prepared(&self, options: microlite::Options) -> Result<Vec<u8>, BuildError> {
        self.prepared_for(options, microlite::kernels::Backend::CortexM)
    }

    /// [`ModelFile::prepared`] for a target that runs `kernels`:
    /// `Backend::Compact` for firmware built with microlite's
    /// `small-kernels` feature, `Backend::CortexM` otherwise (it replaces
    /// `options.backend`).
    pub fn prepared_for(
        &self,
        options: microlite::Options,
        kernels: microlite::kernels::Backend,
    ) -> Result<Vec<u8>, BuildError> {
        let model = self.model()?;
        let resolver = self.resolver()?;
        let options = microlite::Options {
            backend: kernels,
            ..options
        };
        prepare_image(&model, &resolver, options)
    }

    /// Rust source defining
    /// `pub static <name>: microlite::PreparedBytes<N>`, this model's
    /// [`ModelFile::prepared`] state, to pass as `<name>.prepared()` to
    /// `Interpreter::from_prepared` with the resolver of
    /// [`ModelFile::eval_only_resolver_source`].
    pub fn prepared_source(
        &self,
        name: &str,
        options: microlite::Options,
    ) -> Result<String, BuildError> {
        self.prepared_source_for(name, options, microlite::kernels::Backend::CortexM)
    }

    /// [`ModelFile::prepared_source`] for a target that runs `kernels` (see
    /// [`ModelFile::prepared_for`]).
    pub fn prepared_source_for(
        &self,
        name: &str,
        options: microlite::Options,
        kernels: microlite::kernels::Backend,
    ) -> Result<String, BuildError> {
        let image = self.prepared_for(options, kernels)?;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "/// The model's interpreter state prepared ahead of time by microlite-build \
             ({} bytes).",
            image.len()
        );
        let _ = write!(
            out,
            "pub static {name}: microlite::PreparedBytes<{}> = microlite::PreparedBytes([",
            image.len()
        );
        for (k, byte) in image.iter().enumerate() {
            if k % 16 == 0 {
                out.push_str("\n   ");
            }
            let _ = write!(out, " {byte},");
        }
        out.push_str("\n]);\n");
        Ok(out)
    }

    fn resolver_in(&self, module: &str, kind: &str, fn_name: &str) -> Result<String, BuildError> {
        let choices = op_choices(&self.model()?)?;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "/// The model's ops, written by microlite-build: {}{kind} registrations.",
            choices.len()
        );
        let _ = writeln!(
            out,
            "pub fn {fn_name}() -> microlite::OpResolver<{}> {{",
            choices.len()
        );
        let _ = writeln!(out, "    let mut resolver = microlite::OpResolver::new();");
        for choice in &choices {
            let add = match choice.custom_code {
                Some(code) => format!("add_custom({code:?}, "),
                None => "add(".to_string(),
            };
            let _ = writeln!(
                out,
                "    // Distinct ops within the capacity: adding cannot fail.\n    \
                 let _ = resolver.{add}{module}::{}());",
                choice.function_name()
            );
        }
        let _ = writeln!(out, "    resolver\n}}");
        Ok(out)
    }
}

/// Runs `Interpreter::new` in an arena grown until it fits, and writes the
/// prepared state.
fn prepare_image(
    model: &Model<'_>,
    resolver: &dyn microlite::OpLookup,
    options: microlite::Options,
) -> Result<Vec<u8>, BuildError> {
    let mut size = 64 * 1024;
    loop {
        let mut arena = vec![0u8; size];
        match microlite::Interpreter::new(model, resolver, &mut arena, options) {
            Ok(interpreter) => {
                let mut image = vec![0u8; interpreter.prepared_len()?];
                let len = interpreter.write_prepared(&mut image)?;
                image.truncate(len);
                return Ok(image);
            }
            Err(microlite::Error::ArenaTooSmall { needed, .. }) if needed > size => {
                size = needed.saturating_add(64);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BuildError;
    use microlite_model::BuiltinOperator;
    use microlite_ops::ResolverError;

    #[test]
    fn build_error_boxes_and_chains_to_the_interpreter_error() {
        let cause = ResolverError::Duplicate {
            op: BuiltinOperator::RESHAPE,
        };
        let boxed: Box<dyn std::error::Error> =
            BuildError::from(microlite::Error::Resolver(cause)).into();
        assert_eq!(
            boxed.to_string(),
            "preparing the interpreter failed: cannot add the op to the resolver: op RESHAPE \
             is already registered"
        );
        let interpreter = boxed
            .source()
            .and_then(|s| s.downcast_ref::<microlite::Error>());
        assert_eq!(interpreter, Some(&microlite::Error::Resolver(cause)));
        let resolver = boxed
            .source()
            .and_then(|s| s.source())
            .and_then(|s| s.downcast_ref::<ResolverError>());
        assert_eq!(resolver, Some(&cause));
    }
}
