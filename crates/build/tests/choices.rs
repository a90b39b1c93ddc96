//! The resolver microlite-build chooses runs every model exactly like the
//! all-types resolver, and an int8-only registration refuses float tensors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use microlite::{Error, Interpreter, OpError, OpLookup, OpResolver, Options};
use microlite_build::{op_choices, ModelFile};

fn shared(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/models")
        .join(name);
    if path.is_file() {
        Some(path)
    } else {
        println!("skipping {name}: ../shared/models not found");
        None
    }
}

fn reference(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference-models")
        .join(case)
        .join("model.tflite")
}

/// Outputs of one invoke on a deterministic input pattern.
fn outputs(file: &ModelFile, resolver: &dyn OpLookup) -> Result<Vec<Vec<u8>>, Error> {
    let model = file.model().unwrap();
    let mut arena = vec![0u128; 1 << 18];
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
    let mut interpreter = Interpreter::new(&model, resolver, arena, Options::default())?;
    for k in 0..interpreter.input_count() {
        let mut input = interpreter.input_mut(k)?;
        for (i, b) in input.bytes_mut().iter_mut().enumerate() {
            *b = (i.wrapping_mul(37) % 251) as u8;
        }
    }
    interpreter.invoke()?;
    (0..interpreter.output_count())
        .map(|k| Ok(interpreter.output(k)?.bytes().to_vec()))
        .collect()
}

fn chosen_resolver(file: &ModelFile) -> OpResolver<32> {
    let mut resolver = OpResolver::new();
    for choice in op_choices(&file.model().unwrap()).unwrap() {
        resolver.add(choice.registration().unwrap()).unwrap();
    }
    resolver
}

#[test]
fn chosen_registrations_give_the_all_types_bits() {
    let mut paths: Vec<PathBuf> = [
        "kws01_dscnn_int8.tflite",
        "ic01_resnet8_int8.tflite",
        "ad01_fc_autoencoder_int8.tflite",
        "micro_speech_quantized.tflite",
        "hello_world_int8.tflite",
        "hello_world_float.tflite",
        "magic_wand_float.tflite",
        "simple_add_int8.tflite",
    ]
    .iter()
    .filter_map(|name| shared(name))
    .collect();
    paths.extend(
        [
            "models/mlp_int8",
            "models/mlp_float32",
            "models/mlp_int8_float_io",
        ]
        .iter()
        .map(|c| reference(c)),
    );
    for path in paths {
        let file = ModelFile::read(&path).unwrap();
        let all = OpResolver::with_all();
        let want = outputs(&file, &all).unwrap();
        let got = outputs(&file, &chosen_resolver(&file)).unwrap();
        assert_eq!(got, want, "{}", path.display());
    }
}

#[test]
fn int8_models_get_int8_registrations_and_float_models_do_not() {
    let Some(kws) = shared("kws01_dscnn_int8.tflite") else {
        return;
    };
    let source = ModelFile::read(kws)
        .unwrap()
        .resolver_source("resolver")
        .unwrap();
    for name in [
        "conv_2d_int8()",
        "depthwise_conv_2d_int8()",
        "average_pool_2d_int8()",
        "reshape()",
        "fully_connected_int8()",
        "softmax_int8()",
    ] {
        assert!(source.contains(name), "{name} missing from:\n{source}");
    }
    assert!(source.contains("OpResolver<6>"), "{source}");
    let float = ModelFile::read(reference("models/mlp_float32")).unwrap();
    let choices = op_choices(&float.model().unwrap()).unwrap();
    assert!(choices.iter().all(|c| !c.int8_only), "{choices:?}");
}

#[test]
fn an_int8_registration_refuses_a_float_model() {
    let file = ModelFile::read(reference("models/mlp_float32")).unwrap();
    let mut resolver = OpResolver::<1>::new();
    resolver
        .add(microlite::ops::fully_connected_int8())
        .unwrap();
    let err = outputs(&file, &resolver).unwrap_err();
    match err {
        Error::Op {
            op: microlite::BuiltinOperator::FULLY_CONNECTED,
            error: OpError::TypeNotRegistered { .. },
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("fully_connected") || err.to_string().contains("conv_2d"));
}

#[test]
fn custom_signal_ops_are_chosen_by_their_custom_codes() {
    let Some(path) = shared("tflm/audio_preprocessor_int8.tflite") else {
        return;
    };
    let file = ModelFile::read(&path).unwrap();
    let choices = op_choices(&file.model().unwrap()).unwrap();
    assert!(choices
        .iter()
        .any(|c| c.custom_code == Some("SignalRfft") && c.function_name() == "signal_rfft"));
    let source = file.resolver_source("resolver").unwrap();
    assert!(
        source.contains(r#"resolver.add_custom("SignalRfft", microlite::ops::signal_rfft());"#),
        "{source}"
    );
    let chosen = file.resolver().unwrap();
    let all = OpResolver::with_all();
    assert_eq!(
        outputs(&file, &chosen).unwrap(),
        outputs(&file, &all).unwrap()
    );
    assert!(!file.prepared(Options::default()).unwrap().is_empty());
}
