//! `?` works on every fallible call of the public API, both into
//! `microlite::Error` and into `Box<dyn std::error::Error>`, and the
//! wrapped errors stay reachable through `source()`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::error::Error as _;
use std::path::Path;

use microlite::{ops, Error, Interpreter, Model, OpResolver, Options, ResolverError};

/// The demo model (32 int8 in, 4 int8 out, three FULLY_CONNECTED) in
/// 16-byte aligned memory, and its length in bytes.
fn demo() -> (Vec<u128>, usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference-models/models/mlp_int8/model.tflite");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut words = vec![0u128; bytes.len().div_ceil(16)];
    bytemuck::cast_slice_mut::<u128, u8>(&mut words)[..bytes.len()].copy_from_slice(&bytes);
    (words, bytes.len())
}

/// Every step with `?` into `microlite::Error`.
fn run(model_bytes: &[u8], input: &[i8], resolver: &mut OpResolver<1>) -> Result<Vec<i8>, Error> {
    resolver.add(ops::fully_connected())?;
    let model = Model::from_bytes(model_bytes)?;
    let mut arena = vec![0u128; 1 << 14];
    let mut interpreter = Interpreter::new(
        &model,
        resolver,
        bytemuck::cast_slice_mut(&mut arena),
        Options::default(),
    )?;
    interpreter.input_mut(0)?.copy_from(input)?;
    interpreter.invoke()?;
    Ok(interpreter.output(0)?.as_slice::<i8>()?.to_vec())
}

/// The same steps with `?` into `Box<dyn std::error::Error>`.
fn run_boxed(
    model_bytes: &[u8],
    input: &[i8],
    resolver: &mut OpResolver<1>,
) -> Result<Vec<i8>, Box<dyn std::error::Error>> {
    resolver.add(ops::fully_connected())?;
    let model = Model::from_bytes(model_bytes)?;
    let mut arena = vec![0u128; 1 << 14];
    let mut interpreter = Interpreter::new(
        &model,
        resolver,
        bytemuck::cast_slice_mut(&mut arena),
        Options::default(),
    )?;
    interpreter.input_mut(0)?.copy_from(input)?;
    interpreter.invoke()?;
    Ok(interpreter.output(0)?.as_slice::<i8>()?.to_vec())
}

#[test]
fn question_mark_works_into_microlite_error_and_box_dyn_error() {
    let (words, len) = demo();
    let bytes = &bytemuck::cast_slice::<u128, u8>(&words)[..len];
    let input = [5i8; 32];
    let output = run(bytes, &input, &mut OpResolver::new()).unwrap();
    assert_eq!(output.len(), 4);
    assert_eq!(
        run_boxed(bytes, &input, &mut OpResolver::new()).unwrap(),
        output
    );
}

#[test]
fn each_step_fails_with_its_own_error_through_both_paths() {
    let (words, len) = demo();
    let bytes = &bytemuck::cast_slice::<u128, u8>(&words)[..len];

    // OpResolver::add: a full resolver.
    let mut full = OpResolver::<1>::new();
    full.add(ops::reshape()).unwrap();
    let e = run(bytes, &[0; 32], &mut full.clone()).unwrap_err();
    let expected = ResolverError::Full {
        capacity: 1,
        op: microlite::BuiltinOperator::FULLY_CONNECTED,
    };
    assert_eq!(e, Error::Resolver(expected));
    assert_eq!(
        e.source().and_then(|s| s.downcast_ref::<ResolverError>()),
        Some(&expected)
    );
    let boxed = run_boxed(bytes, &[0; 32], &mut full).unwrap_err();
    assert_eq!(
        boxed.downcast_ref::<ResolverError>(),
        Some(&expected),
        "{boxed}"
    );

    // Model::from_bytes: a truncated file.
    let e = run(&bytes[..4], &[0; 32], &mut OpResolver::new()).unwrap_err();
    assert!(matches!(e, Error::Model(_)), "{e:?}");
    let boxed = run_boxed(&bytes[..4], &[0; 32], &mut OpResolver::new()).unwrap_err();
    assert!(
        boxed.downcast_ref::<microlite::ModelError>().is_some(),
        "{boxed}"
    );

    // TensorViewMut::copy_from: the wrong number of elements.
    let e = run(bytes, &[0; 3], &mut OpResolver::new()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::WrongElementCount {
                expected: 32,
                found: 3,
                ..
            }
        ),
        "{e:?}"
    );
    let boxed = run_boxed(bytes, &[0; 3], &mut OpResolver::new()).unwrap_err();
    assert_eq!(boxed.downcast_ref::<Error>(), Some(&e));
}
