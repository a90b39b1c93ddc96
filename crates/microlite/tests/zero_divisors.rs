//! Integer divisions by zero, where TFLM's result is undefined, fail the
//! invoke with `KernelError::InvalidValue` naming the element, and leave
//! the interpreter usable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use microlite::{Interpreter, Model, OpResolver, Options};
use microlite_kernels::KernelError;

#[test]
fn int8_div_by_the_zero_point_fails_the_invoke() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference-models/div/div_2x5_5_denneg_int8/model.tflite");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut words = vec![0u128; bytes.len().div_ceil(16)];
    bytemuck::cast_slice_mut::<u128, u8>(&mut words)[..bytes.len()].copy_from_slice(&bytes);
    let model =
        Model::from_bytes(&bytemuck::cast_slice::<u128, u8>(&words)[..bytes.len()]).unwrap();
    let subgraph = model.main_subgraph();
    let divisor = subgraph.tensor(subgraph.inputs().get(1).unwrap()).unwrap();
    let zero_point = divisor.quantization().unwrap().zero_point(0).unwrap() as i8;

    let resolver = OpResolver::with_all();
    let mut arena = vec![0u128; 1 << 12];
    let mut interpreter = Interpreter::new(
        &model,
        &resolver,
        bytemuck::cast_slice_mut(&mut arena),
        Options::default(),
    )
    .unwrap();
    // Divisors: the zero point at element 3 only.
    let fill = |interpreter: &mut Interpreter<'_, '_>, zero_at: Option<usize>| {
        let mut input = interpreter.input_mut(1).unwrap();
        for (k, b) in input.bytes_mut().iter_mut().enumerate() {
            let v = if Some(k) == zero_at {
                zero_point
            } else {
                zero_point.wrapping_sub(20)
            };
            *b = v as u8;
        }
    };
    fill(&mut interpreter, Some(3));
    match interpreter.invoke() {
        Err(microlite::Error::Op {
            error: microlite::OpError::Kernel(KernelError::InvalidValue { position, .. }),
            ..
        }) => assert_eq!(position, 3),
        other => panic!("expected a zero-divisor refusal, got {other:?}"),
    }
    fill(&mut interpreter, None);
    interpreter.invoke().unwrap();
}
