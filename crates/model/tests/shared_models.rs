//! The real models in `../shared/models` (and `reference-models/`) load and
//! read back consistently.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::Aligned;
use microlite_model::{BuiltinOperator, Model};

fn op_counts(model: &Model<'_>) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for op in model.main_subgraph().operators() {
        *counts.entry(op.op_name()).or_default() += 1;
    }
    counts
}

#[test]
fn every_shared_and_reference_model_loads() {
    let Some(files) = common::all_model_files() else {
        return;
    };
    for (path, file) in &files {
        let model =
            Model::from_bytes(file.bytes()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(common::walk(&model) > 0, "{}", path.display());
        for op in model.main_subgraph().operators() {
            assert_ne!(op.op_name(), "UNKNOWN", "{}", path.display());
        }
    }
    println!("loaded {} models", files.len());
}

#[test]
fn kws01_has_five_conv_and_four_depthwise_ops() {
    let Some(_) = common::shared_models() else {
        return;
    };
    let file = Aligned::read(&common::shared_models_dir().join("kws01_dscnn_int8.tflite"));
    let model = Model::from_bytes(file.bytes()).unwrap();
    let counts = op_counts(&model);
    assert_eq!(counts.get("CONV_2D"), Some(&5), "{counts:?}");
    assert_eq!(counts.get("DEPTHWISE_CONV_2D"), Some(&4), "{counts:?}");
    let first = model.main_subgraph().operators().next().unwrap();
    assert!(matches!(
        first.builtin(),
        BuiltinOperator::CONV_2D | BuiltinOperator::RESHAPE
    ));
}

#[test]
fn person_detect_loads_despite_unchecked_quantized_dimension() {
    let Some(_) = common::shared_models() else {
        return;
    };
    let file = Aligned::read(&common::shared_models_dir().join("person_detect.tflite"));
    let model = Model::from_bytes(file.bytes()).unwrap();
    let sg = model.main_subgraph();
    // Its per-channel bias tensors are rank 1 but say quantized_dimension 3,
    // which TFLM accepts.
    let odd = sg
        .tensors()
        .filter(|t| {
            t.quantization()
                .is_some_and(|q| q.is_per_channel() && q.quantized_dimension() >= t.shape().rank())
        })
        .count();
    assert_eq!(odd, 14);
    assert_eq!(op_counts(&model).get("DEPTHWISE_CONV_2D"), Some(&14));
}

#[test]
fn hello_world_metadata_is_readable() {
    let Some(_) = common::shared_models() else {
        return;
    };
    let file = Aligned::read(&common::shared_models_dir().join("hello_world_int8.tflite"));
    let model = Model::from_bytes(file.bytes()).unwrap();
    let names: Vec<_> = model.metadata_names().collect();
    assert!(names.contains(&"min_runtime_version"), "{names:?}");
    // The converter stores the version as a NUL-padded string like "1.14.0".
    let version = model.metadata("min_runtime_version").unwrap();
    let text: String = version
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| char::from(b))
        .collect();
    assert!(
        text.split('.').count() >= 2 && text.split('.').all(|p| p.parse::<u32>().is_ok()),
        "{text:?}"
    );
}

#[test]
fn flipping_the_identifier_of_a_real_model_is_reported() {
    let Some(_) = common::shared_models() else {
        return;
    };
    let mut file = Aligned::read(&common::shared_models_dir().join("simple_add_int8.tflite"));
    file.bytes_mut()[4..8].copy_from_slice(b"TFL2");
    assert_eq!(
        Model::from_bytes(file.bytes()).unwrap_err(),
        microlite_model::ModelError::WrongIdentifier { found: *b"TFL2" }
    );
}
