//! One test per class of bad model or bad use (issue 5's list), through the
//! library API: the library gives its own typed error naming the culprit.
//! The CLI's one-line message for each class is checked by the test of the
//! same name in `crates/cli/tests/error_classes_cli.rs`; both build their
//! models with `tests/common/error_models.rs`. `docs/errors.md` lists every
//! class with its test; the last tests check that the classes give distinct
//! error kinds and that every variant of every public error enum is
//! documented there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../model/tests/common/builder.rs"]
#[allow(dead_code)]
mod builder;
#[path = "common/error_models.rs"]
#[allow(dead_code)]
mod error_models;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use error_models::*;
use microlite::model::IndexSite;
use microlite::{Error, Interpreter, Model, ModelError, OpError, OpResolver, Options, TensorType};
use microlite_host::model_file::{aligned_arena, AlignedFile};

// ---------------------------------------------------------------------------
// The classes.
// ---------------------------------------------------------------------------

#[test]
fn valid_model_runs() {
    let spec = fc_model();
    let file = AlignedFile::from_bytes(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let mut arena = aligned_arena(1 << 12);
    let mut interpreter = Interpreter::new(
        &model,
        &resolver,
        bytemuck::cast_slice_mut(&mut arena),
        Options::default(),
    )
    .unwrap();
    interpreter
        .input_mut(0)
        .unwrap()
        .copy_from::<i8>(&[1, 2, 3, 4])
        .unwrap();
    interpreter.invoke().unwrap();
}

#[test]
fn empty_file() {
    assert_eq!(
        library_error_bytes(&[]),
        Error::Model(ModelError::TooShort { len: 0 })
    );
}

#[test]
fn wrong_identifier() {
    assert_eq!(
        model_error(&wrong_identifier_model()),
        ModelError::WrongIdentifier { found: *b"TFL2" }
    );
}

#[test]
fn unsupported_schema_version() {
    assert_eq!(
        model_error(&schema_version_model()),
        ModelError::UnsupportedSchemaVersion { found: 2 }
    );
}

#[test]
fn truncated_at_every_prefix() {
    let bytes = fc_model().build();
    for n in 0..bytes.len() {
        let err = library_error_bytes(&bytes[..n]);
        assert!(matches!(err, Error::Model(_)), "prefix {n}: {err:?}");
        if n < 8 {
            assert_eq!(err, Error::Model(ModelError::TooShort { len: n }));
        }
    }
}

#[test]
fn tensor_index_out_of_range() {
    assert_eq!(
        model_error(&tensor_index_model()),
        ModelError::TensorIndexOutOfRange {
            subgraph: 0,
            site: IndexSite::OperatorInput {
                operator: 0,
                position: 1
            },
            index: 9,
            tensor_count: 4
        }
    );
}

#[test]
fn buffer_index_out_of_range() {
    assert_eq!(
        model_error(&buffer_index_model()),
        ModelError::BufferIndexOutOfRange {
            subgraph: 0,
            tensor: 1,
            buffer: 7,
            buffer_count: 3
        }
    );
}

#[test]
fn opcode_index_out_of_range() {
    assert_eq!(
        model_error(&opcode_index_model()),
        ModelError::OpcodeIndexOutOfRange {
            subgraph: 0,
            operator: 0,
            opcode_index: 3,
            opcode_count: 1
        }
    );
}

#[test]
fn constant_buffer_smaller_than_its_shape() {
    assert_eq!(
        model_error(&short_buffer_model()),
        ModelError::BufferTooSmall {
            subgraph: 0,
            tensor: 1,
            buffer: 1,
            needed: 10,
            present: 8
        }
    );
}

#[test]
fn shape_byte_size_overflows() {
    assert_eq!(
        model_error(&shape_overflow_model()),
        ModelError::ShapeOverflow {
            subgraph: 0,
            tensor: 3
        }
    );
}

#[test]
fn rank_above_supported() {
    assert_eq!(
        op_error(&rank_model()),
        OpError::UnsupportedRank {
            tensor: 1,
            rank: 3,
            max: 2
        }
    );
}

#[test]
fn zero_negative_and_non_finite_scales() {
    for (name, scale) in [
        ("zero", 0.0f32),
        ("negative", -0.5),
        ("nan", f32::NAN),
        ("inf", f32::INFINITY),
        ("neg_inf", f32::NEG_INFINITY),
    ] {
        match op_error(&scale_model(scale)) {
            OpError::BadScale {
                tensor: 0,
                channel: 0,
                scale: found,
            } => assert!(
                found.to_bits() == scale.to_bits() || (found.is_nan() && scale.is_nan()),
                "{name}: {found}"
            ),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn per_channel_scale_must_be_positive_too() {
    assert_eq!(
        op_error(&negative_channel_scale_model()),
        OpError::BadScale {
            tensor: 1,
            channel: 1,
            scale: -0.125
        }
    );
}

#[test]
fn zero_point_out_of_range() {
    assert_eq!(
        op_error(&zero_point_model()),
        OpError::ZeroPointOutOfRange {
            tensor: 3,
            zero_point: 200,
            min: -128,
            max: 127
        }
    );
}

#[test]
fn per_channel_scale_count_differs_from_channels() {
    assert_eq!(
        op_error(&per_channel_model()),
        OpError::ChannelCountMismatch {
            tensor: 1,
            scales: 3,
            channels: 2
        }
    );
}

#[test]
fn wrong_input_count() {
    assert_eq!(
        op_error(&input_count_model()),
        OpError::InputCount {
            min: 2,
            max: 3,
            found: 1
        }
    );
}

#[test]
fn unsupported_op_names_op_and_version() {
    let error = library_error(&unsupported_op_model());
    assert!(
        matches!(
            error,
            Error::UnsupportedOp {
                operator: 0,
                op: microlite::BuiltinOperator::LSH_PROJECTION,
                version: 2,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn unsupported_dtype() {
    assert_eq!(
        op_error(&dtype_model()),
        OpError::UnsupportedType {
            tensor: 0,
            dtype: TensorType::Int64
        }
    );
}

#[test]
fn arena_too_small_states_bytes_needed() {
    let (needed, err) = arena_too_small_error();
    assert_eq!(
        err,
        Error::ArenaTooSmall {
            needed,
            available: needed - 16,
            exact: true
        }
    );
}

#[test]
fn input_of_wrong_dtype_or_length() {
    let (wrong_dtype, wrong_length) = input_api_errors();
    assert_eq!(
        wrong_dtype,
        Error::WrongElementType {
            tensor: 0,
            dtype: TensorType::Int8,
            requested: TensorType::Float32
        }
    );
    assert_eq!(
        wrong_length,
        Error::WrongElementCount {
            tensor: 0,
            expected: 4,
            found: 3
        }
    );
}

// ---------------------------------------------------------------------------
// Distinct kinds, and the docs.
// ---------------------------------------------------------------------------

/// The first identifier of a `Debug` rendering: the variant name.
fn variant_name(debug: &str) -> String {
    debug
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .unwrap()
        .to_string()
}

/// `Error` variant, and for model and operator errors the inner variant.
fn kind(err: &Error) -> String {
    match err {
        Error::Model(e) => format!(
            "Error::Model(ModelError::{})",
            variant_name(&format!("{e:?}"))
        ),
        Error::Op { error, .. } => {
            format!(
                "Error::Op(OpError::{})",
                variant_name(&format!("{error:?}"))
            )
        }
        other => format!("Error::{}", variant_name(&format!("{other:?}"))),
    }
}

#[test]
fn every_class_has_its_own_error_kind() {
    let (_, arena) = arena_too_small_error();
    let (wrong_dtype, wrong_length) = input_api_errors();
    let classes: Vec<(&str, Error)> = vec![
        ("empty file", library_error_bytes(&[])),
        ("wrong identifier", library_error(&wrong_identifier_model())),
        ("schema version", library_error(&schema_version_model())),
        ("tensor index", library_error(&tensor_index_model())),
        ("buffer index", library_error(&buffer_index_model())),
        ("opcode index", library_error(&opcode_index_model())),
        (
            "short constant buffer",
            library_error(&short_buffer_model()),
        ),
        ("shape overflow", library_error(&shape_overflow_model())),
        ("rank", library_error(&rank_model())),
        ("scale", library_error(&scale_model(0.0))),
        ("zero point", library_error(&zero_point_model())),
        ("per-channel count", library_error(&per_channel_model())),
        ("input count", library_error(&input_count_model())),
        ("unsupported op", library_error(&unsupported_op_model())),
        ("unsupported dtype", library_error(&dtype_model())),
        ("arena too small", arena),
        ("input dtype", wrong_dtype),
        ("input length", wrong_length),
    ];
    let mut seen = std::collections::BTreeMap::new();
    for (class, err) in &classes {
        if let Some(other) = seen.insert(kind(err), *class) {
            panic!("{class} and {other} share the error kind {}", kind(err));
        }
    }
    // Every kind is named in the docs.
    let docs = errors_doc();
    for kind in seen.keys() {
        let inner = kind
            .rsplit('(')
            .next()
            .unwrap()
            .trim_end_matches(')')
            .to_string();
        assert!(docs.contains(&inner), "{inner} missing from docs/errors.md");
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn errors_doc() -> String {
    std::fs::read_to_string(repo_root().join("docs/errors.md")).unwrap()
}

/// `(enum, variants)` of every `pub enum` whose name contains `Error` or
/// ends in `Site` in `source`, read from rustfmt-formatted code: variants
/// are the lines indented by exactly four spaces that start with a capital.
fn error_enums(source: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("pub enum ") else {
            continue;
        };
        let name = variant_name(rest);
        if !(name.contains("Error") || name.ends_with("Site")) {
            continue;
        }
        let mut variants = Vec::new();
        for body in lines.by_ref() {
            if body.starts_with('}') {
                break;
            }
            if let Some(v) = body.strip_prefix("    ") {
                if v.starts_with(|c: char| c.is_ascii_uppercase()) {
                    variants.push(variant_name(v));
                }
            }
        }
        found.push((name, variants));
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "generated") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_error_variant_is_documented() {
    let docs = errors_doc();
    let mut files = Vec::new();
    for krate in ["model", "arena", "kernels", "ops", "microlite"] {
        rust_files(
            &repo_root().join("crates").join(krate).join("src"),
            &mut files,
        );
    }
    let mut enums = BTreeSet::new();
    let mut missing = Vec::new();
    for file in &files {
        for (name, variants) in error_enums(&std::fs::read_to_string(file).unwrap()) {
            assert!(
                !variants.is_empty(),
                "{name} in {}: no variants read",
                file.display()
            );
            for variant in variants {
                let entry = format!("`{name}::{variant}");
                if !docs.contains(&entry) {
                    missing.push(entry);
                }
            }
            enums.insert(name);
        }
    }
    // The reader must see the main enums (guards against a silent parse failure).
    for name in [
        "ModelError",
        "OpError",
        "Error",
        "PlanError",
        "ResolverError",
        "KernelError",
    ] {
        assert!(enums.contains(name), "{name} not found: {enums:?}");
    }
    assert!(
        missing.is_empty(),
        "docs/errors.md lacks these variants: {missing:?}"
    );
}
