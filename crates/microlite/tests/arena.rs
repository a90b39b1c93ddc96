//! `microlite::Arena`: an interpreter built in one skips no alignment
//! padding, so the arena size `microlite run` prints (`arena_used_bytes`,
//! the same figure as `Interpreter::required_arena_bytes`) is exactly
//! enough for an `Arena<N>`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite::{Arena, Error, Interpreter, Model, OpLookup, OpResolver, Options};

/// `arena_used_bytes` of the demo model (reference-models/models/mlp_int8)
/// with every op and `Options::default()`, as `microlite run` prints it on a
/// host (host kernels).
const MLP_INT8_ARENA_BYTES: usize = 864;

/// Big enough for the demo model wherever it starts.
const ROOMY: usize = 1 << 16;

fn demo_model_bytes() -> &'static [u8] {
    microlite::model::include_model!("../../../reference-models/models/mlp_int8/model.tflite")
}

/// `Interpreter::required_arena_bytes` of the demo model.
fn required(model: &Model<'_>, resolver: &dyn OpLookup) -> usize {
    let mut work = Box::new(Arena::<ROOMY>::new());
    Interpreter::required_arena_bytes(model, resolver, work.as_mut_slice(), Options::default())
        .unwrap()
}

#[test]
fn interpreter_in_an_arena_skips_no_alignment_padding() {
    let model = Model::from_bytes(demo_model_bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let mut arena = Box::new(Arena::<ROOMY>::new());
    let used = {
        let interpreter =
            Interpreter::new(&model, &resolver, &mut arena, Options::default()).unwrap();
        assert_eq!(interpreter.arena_usage().alignment_padding, 0);
        interpreter.arena_used_bytes()
    };
    // The same memory one byte in: the interpreter skips 15 bytes to align.
    let interpreter =
        Interpreter::new(&model, &resolver, &mut arena[1..], Options::default()).unwrap();
    assert_eq!(interpreter.arena_usage().alignment_padding, 15);
    assert_eq!(interpreter.arena_used_bytes(), used + 15);
}

#[test]
fn required_arena_bytes_is_what_an_interpreter_in_an_arena_uses() {
    let model = Model::from_bytes(demo_model_bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let needed = required(&model, &resolver);
    let mut arena = Box::new(Arena::<ROOMY>::new());
    let interpreter = Interpreter::new(&model, &resolver, &mut arena, Options::default()).unwrap();
    assert_eq!(interpreter.arena_used_bytes(), needed);
    assert_eq!(interpreter.arena_usage().total(), needed);
    assert_eq!(
        MLP_INT8_ARENA_BYTES,
        needed,
        "the demo model's arena size changed: update MLP_INT8_ARENA_BYTES in {} to {needed}",
        file!()
    );
}

#[test]
fn arena_of_exactly_the_figure_runs_and_one_byte_less_fails() {
    let model = Model::from_bytes(demo_model_bytes()).unwrap();
    let resolver = OpResolver::with_all();
    let needed = required(&model, &resolver);
    assert_eq!(
        MLP_INT8_ARENA_BYTES,
        needed,
        "the demo model's arena size changed: update MLP_INT8_ARENA_BYTES in {} to {needed}",
        file!()
    );

    let mut arena = Arena::<MLP_INT8_ARENA_BYTES>::new();
    {
        let mut interpreter =
            Interpreter::new(&model, &resolver, &mut arena, Options::default()).unwrap();
        assert_eq!(interpreter.arena_used_bytes(), MLP_INT8_ARENA_BYTES);
        interpreter.input_mut(0).unwrap().bytes_mut().fill(0);
        interpreter.invoke().unwrap();
        interpreter.output(0).unwrap();
    }

    let short = &mut arena.as_mut_slice()[..MLP_INT8_ARENA_BYTES - 1];
    match Interpreter::new(&model, &resolver, short, Options::default()) {
        Err(Error::ArenaTooSmall {
            needed,
            available,
            exact,
        }) => {
            assert_eq!(available, MLP_INT8_ARENA_BYTES - 1);
            assert!(exact);
            assert_eq!(needed, MLP_INT8_ARENA_BYTES);
        }
        Ok(_) => panic!("an arena one byte short was accepted"),
        Err(e) => panic!("expected ArenaTooSmall, got {e}"),
    }
}

/// `Arena::new` is `const`: a `static` arena needs no initialisation code.
static STATIC_ARENA: Arena<48> = Arena::new();

#[test]
fn arenas_are_aligned_zeroed_and_sized() {
    assert_eq!(STATIC_ARENA.as_slice().as_ptr() as usize % 16, 0);
    assert_eq!(STATIC_ARENA.len(), 48);
    let arena = Arena::<17>::default();
    assert_eq!(arena.as_ptr() as usize % 16, 0);
    assert_eq!(arena.len(), 17);
    assert!(arena.iter().all(|&b| b == 0));
    assert_eq!(core::mem::align_of::<Arena<1>>(), 16);
    assert_eq!(format!("{arena:?}"), "Arena { len: 17 }");
    assert_eq!(Arena::<0>::new().len(), 0);
}
