//! The success path load → new → invoke → read output must not touch the
//! heap. A counting global allocator proves it (this file is its own test
//! binary, so the allocator sees only this test). It counts the test
//! thread's allocations only: the test harness's own threads may allocate
//! meanwhile (it made the count flaky under load), and the library runs on
//! the caller's thread.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use microlite::{Interpreter, Model, OpResolver, Options};

struct Counting;

thread_local! {
    /// Set on the test thread while the checked calls run (const-initialized
    /// and without a destructor: reading it never allocates).
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

/// Whether this thread's allocations are being counted.
fn counting() -> bool {
    COUNTING.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counting() {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counting() {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn check_no_heap(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let mut words = vec![0u128; bytes.len().div_ceil(16)];
    bytemuck::cast_slice_mut::<u128, u8>(&mut words)[..bytes.len()].copy_from_slice(&bytes);
    let model_bytes = &bytemuck::cast_slice::<u128, u8>(&words)[..bytes.len()];
    let mut arena = vec![0u128; 1 << 16];
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);

    // Backend detection (in `Options::default`) is std's CPU feature
    // detection, which may read the environment once; no_std builds do not
    // have it.
    let options = Options::default();
    ALLOCATIONS.store(0, Ordering::SeqCst);
    COUNTING.with(|c| c.set(true));
    let model = Model::from_bytes(model_bytes).unwrap();
    let resolver = OpResolver::with_all();
    let mut interpreter = Interpreter::new(&model, &resolver, arena, options).unwrap();
    // Inputs are written before every invoke (an invoke may overwrite them).
    for _ in 0..2 {
        for k in 0..interpreter.input_count() {
            interpreter.input_mut(k).unwrap().bytes_mut().fill(1);
        }
        interpreter.invoke().unwrap();
    }
    let first = interpreter.output(0).unwrap().bytes()[0];
    COUNTING.with(|c| c.set(false));

    std::hint::black_box(first);
    assert_eq!(
        ALLOCATIONS.load(Ordering::SeqCst),
        0,
        "{} allocated",
        path.display()
    );
}

#[test]
fn load_new_invoke_never_allocates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    check_no_heap(&root.join("reference-models/models/mlp_int8/model.tflite"));
    check_no_heap(&root.join("reference-models/models/mlp_float32/model.tflite"));
    check_no_heap(&root.join("reference-models/models/mlp_int8_float_io/model.tflite"));
    let shared = root.join("../shared/models");
    if shared.exists() {
        check_no_heap(&shared.join("ad01_fc_autoencoder_int8.tflite"));
        check_no_heap(&shared.join("hello_world_float.tflite"));
        // In-place execution (conv, depthwise, pooling and ADD rows and
        // chunks) runs without the heap too.
        check_no_heap(&shared.join("magic_wand_float.tflite"));
        check_no_heap(&shared.join("ic01_resnet8_int8.tflite"));
        check_no_heap(&shared.join("simple_add_int8.tflite"));
    } else {
        println!("skipping shared models: {} not found", shared.display());
    }
}

/// A streaming keyword model (SVDF state carried across invokes) run for
/// 1,000 invokes: no allocation, and the arena in use never grows (CI's
/// TFLM differential compares the same 1,000-invoke sequence with TFLM,
/// state included).
#[test]
fn streaming_state_over_1000_invokes_never_allocates_nor_grows() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/models/tflm/keyword_scrambled_8bit.tflite");
    if !path.exists() {
        println!(
            "skipping: {} not found (../shared/models absent)",
            path.display()
        );
        return;
    }
    let bytes = std::fs::read(&path).unwrap();
    let mut words = vec![0u128; bytes.len().div_ceil(16)];
    bytemuck::cast_slice_mut::<u128, u8>(&mut words)[..bytes.len()].copy_from_slice(&bytes);
    let model_bytes = &bytemuck::cast_slice::<u128, u8>(&words)[..bytes.len()];
    let mut arena = vec![0u128; 1 << 16];
    let arena: &mut [u8] = bytemuck::cast_slice_mut(&mut arena);
    let options = Options::default();
    ALLOCATIONS.store(0, Ordering::SeqCst);
    COUNTING.with(|c| c.set(true));
    let model = Model::from_bytes(model_bytes).unwrap();
    let resolver = OpResolver::with_all();
    let mut interpreter = Interpreter::new(&model, &resolver, arena, options).unwrap();
    let used = interpreter.arena_used_bytes();
    let mut state = 0x2545_f491_u32;
    let mut outputs_seen = 0u64;
    for _ in 0..1000 {
        let mut input = interpreter.input_mut(0).unwrap();
        for b in input.bytes_mut() {
            // xorshift: different inputs every invoke.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            *b = state as u8;
        }
        interpreter.invoke().unwrap();
        outputs_seen += u64::from(interpreter.output(0).unwrap().bytes()[0]);
        assert_eq!(interpreter.arena_used_bytes(), used);
    }
    COUNTING.with(|c| c.set(false));
    std::hint::black_box(outputs_seen);
    assert_eq!(ALLOCATIONS.load(Ordering::SeqCst), 0, "streaming allocated");
}
