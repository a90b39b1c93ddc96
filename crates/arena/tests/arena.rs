#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Arena behaviour: alignment, zeroing, disjointness, temporaries, accounting
//! and the exactness of the buffer-free size counter.

use bytemuck::{Pod, Zeroable};
use microlite_arena::{Arena, ArenaError, SizeCounter, ARENA_ALIGN};
use proptest::prelude::*;

/// A 16-byte aligned byte buffer of at least `len + 16` bytes, filled with
/// `0xA5` so that zeroing is observable.
fn aligned_storage(len: usize) -> Vec<u128> {
    vec![u128::from_ne_bytes([0xA5; 16]); len / 16 + 2]
}

fn bytes(storage: &mut [u128]) -> &mut [u8] {
    bytemuck::cast_slice_mut(storage)
}

fn addr<T>(s: &[T]) -> usize {
    s.as_ptr() as usize
}

#[test]
fn persistent_allocations_are_aligned_zeroed_and_disjoint() {
    let mut storage = aligned_storage(1024);
    let buf = &mut bytes(&mut storage)[3..1003];
    let mut arena = Arena::new(buf);
    assert_eq!(arena.padding(), 13);
    assert_eq!(arena.capacity(), (1000 - 13) / 16 * 16);

    let a: &mut [u32] = arena.alloc_persistent(5).unwrap();
    let b: &mut [u8] = arena.alloc_persistent_bytes(7, 1).unwrap();
    let c: &mut [i64] = arena.alloc_persistent(3).unwrap();
    let d = arena.alloc_persistent_bytes(9, 4).unwrap();
    assert_eq!(a.len(), 5);
    assert_eq!(b.len(), 7);
    assert_eq!(c.len(), 3);
    assert_eq!(d.len(), 9);
    assert_eq!(addr(a) % 16, 0);
    assert_eq!(addr(c) % 16, 0);
    assert_eq!(addr(d) % 4, 0);
    assert!(a.iter().all(|&v| v == 0));
    assert!(b.iter().all(|&v| v == 0));
    assert!(c.iter().all(|&v| v == 0));
    assert!(d.iter().all(|&v| v == 0));

    a.fill(u32::MAX);
    b.fill(0x11);
    c.fill(-1);
    d.fill(0x22);
    assert!(a.iter().all(|&v| v == u32::MAX));
    assert!(b.iter().all(|&v| v == 0x11));
    assert!(c.iter().all(|&v| v == -1));
    assert!(d.iter().all(|&v| v == 0x22));

    // Byte ranges do not intersect.
    let ranges = [
        (addr(a), 20usize),
        (addr(b), 7),
        (addr(c), 24),
        (addr(d), 9),
    ];
    for (i, &(s1, l1)) in ranges.iter().enumerate() {
        for &(s2, l2) in &ranges[..i] {
            assert!(s1 + l1 <= s2 || s2 + l2 <= s1);
        }
    }
    // Tail grows downward: a 16-aligned (20 -> 32), b align 1 (+7 = 39),
    // c align 16 (39 + 24 = 63 -> 64), d align 4 (64 + 9 = 73 -> 76).
    assert_eq!(arena.persistent_used(), 76);
    assert_eq!(arena.used_bytes(), 76);
    assert_eq!(arena.required_bytes(), 80);
    assert!(addr(a) > addr(b) && addr(b) > addr(c) && addr(c) > addr(d));
}

#[test]
fn temporaries_are_released_and_head_reuses_them() {
    let mut storage = aligned_storage(512);
    let buf = &mut bytes(&mut storage)[..512];
    let mut arena = Arena::new(buf);
    let persistent: &mut [u16] = arena.alloc_persistent(8).unwrap();
    let temp_start;
    {
        let mut temp = arena.temp();
        let x: &mut [u32] = temp.alloc(10).unwrap();
        let y = temp.alloc_bytes(3, 1).unwrap();
        let z: &mut [u64] = temp.alloc(2).unwrap();
        assert!(x.iter().all(|&v| v == 0));
        assert_eq!(addr(x) % 16, 0);
        assert_eq!(addr(z) % 16, 0);
        x.fill(7);
        y.fill(8);
        z.fill(9);
        temp_start = addr(x);
        // 40 + 3 -> 48 (z aligned to 16) + 16.
        assert_eq!(temp.used(), 64);
        assert_eq!(temp.remaining(), 512 - 16 - 64);
    }
    assert_eq!(arena.head_used(), 0);
    assert_eq!(arena.remaining(), 512 - 16);
    let head = arena.commit_head(100).unwrap();
    assert_eq!(head.len(), 100);
    assert_eq!(addr(head), temp_start);
    assert!(
        head.iter().all(|&v| v == 0),
        "head must be zeroed after reuse"
    );
    assert_eq!(arena.head_used(), 100);
    assert_eq!(arena.used_bytes(), 16 + 100);
    // Persistent memory is untouched by temporaries and the head.
    persistent.fill(3);
    head.fill(4);
    assert!(persistent.iter().all(|&v| v == 3));
    // Temporaries after a committed head start after it.
    let mut temp = arena.temp();
    let t = temp.alloc_bytes(1, 1).unwrap();
    assert_eq!(addr(t), addr(head) + 100);
    let u = temp.alloc_bytes(1, 16).unwrap();
    assert_eq!(addr(u), addr(head) + 112);
}

#[test]
fn too_small_names_needed_bytes() {
    let mut storage = aligned_storage(64);
    let buf = &mut bytes(&mut storage)[1..65];
    let mut arena = Arena::new(buf);
    assert_eq!(arena.padding(), 15);
    assert_eq!(arena.capacity(), 48);
    arena.alloc_persistent_bytes(40, 16).unwrap();
    let err = arena.alloc_persistent_bytes(10, 16).unwrap_err();
    assert_eq!(
        err,
        ArenaError::TooSmall {
            needed: 15 + 64,
            available: 64,
            padding: 15
        }
    );
    let text = err.to_string();
    assert!(text.contains("79") && text.contains("64"), "{text}");
    // The failure changed nothing.
    assert_eq!(arena.persistent_used(), 48);
    assert_eq!(arena.remaining(), 0);
    assert!(matches!(
        arena.commit_head(1),
        Err(ArenaError::TooSmall { needed: 79, .. })
    ));
    assert!(matches!(
        arena.temp().alloc_bytes(1, 1),
        Err(ArenaError::TooSmall { needed: 79, .. })
    ));
    // Empty allocations still fit.
    assert_eq!(arena.alloc_persistent_bytes(0, 1).unwrap().len(), 0);
}

#[derive(Clone, Copy, Zeroable, Pod)]
#[repr(C, align(32))]
struct Wide([u8; 32]);

#[test]
fn rejects_unsupported_alignment_and_overflow() {
    let mut storage = aligned_storage(256);
    let mut arena = Arena::new(bytes(&mut storage));
    assert_eq!(
        arena.alloc_persistent_bytes(4, 32),
        Err(ArenaError::UnsupportedAlignment { align: 32 })
    );
    assert_eq!(
        arena.alloc_persistent_bytes(4, 0),
        Err(ArenaError::UnsupportedAlignment { align: 0 })
    );
    assert!(matches!(
        arena.alloc_persistent::<Wide>(1),
        Err(ArenaError::UnsupportedAlignment { align: 32 })
    ));
    assert!(matches!(
        arena.alloc_persistent::<u32>(usize::MAX / 2),
        Err(ArenaError::SizeOverflow { .. })
    ));
    assert!(matches!(
        arena.commit_head(usize::MAX),
        Err(ArenaError::SizeOverflow { .. })
    ));
    assert!(matches!(
        arena.temp().alloc_bytes(usize::MAX - 2, 16),
        Err(ArenaError::SizeOverflow { .. })
    ));
    assert_eq!(arena.used_bytes(), 0);
}

#[test]
fn degenerate_buffers() {
    let mut empty: [u8; 0] = [];
    let mut arena = Arena::new(&mut empty);
    assert_eq!(arena.capacity(), 0);
    assert_eq!(arena.alloc_persistent::<u8>(0).unwrap().len(), 0);
    assert!(matches!(
        arena.alloc_persistent::<u8>(1),
        Err(ArenaError::TooSmall { available: 0, .. })
    ));

    // Shorter than the alignment padding.
    let mut storage = aligned_storage(16);
    let buf = &mut bytes(&mut storage)[1..5];
    let mut arena = Arena::new(buf);
    assert_eq!(arena.padding(), 4);
    assert_eq!(arena.capacity(), 0);
    assert!(matches!(
        arena.commit_head(1),
        Err(ArenaError::TooSmall {
            needed: 20,
            available: 4,
            ..
        })
    ));

    // Zero-sized types cannot be viewed from bytes.
    let mut storage = aligned_storage(16);
    let mut arena = Arena::new(&mut bytes(&mut storage)[..16]);
    assert_eq!(
        arena.alloc_persistent::<()>(3),
        Err(ArenaError::ZeroSizedType)
    );
    assert_eq!(arena.temp().alloc::<()>(3), Err(ArenaError::ZeroSizedType));
}

/// One step of an allocation sequence, replayed on a counter and an arena.
#[derive(Debug, Clone)]
enum Step {
    Persistent { len: usize, align: usize },
    PersistentU32 { count: usize },
    Temp { allocs: Vec<(usize, usize)> },
    Head { len: usize },
}

fn step() -> impl Strategy<Value = Step> {
    let align = prop::sample::select(vec![1usize, 2, 4, 8, 16]);
    prop_oneof![
        (0usize..200, align.clone()).prop_map(|(len, align)| Step::Persistent { len, align }),
        (0usize..50).prop_map(|count| Step::PersistentU32 { count }),
        prop::collection::vec((0usize..300, align), 0..5).prop_map(|allocs| Step::Temp { allocs }),
        (0usize..300).prop_map(|len| Step::Head { len }),
    ]
}

fn run_counter(steps: &[Step]) -> SizeCounter {
    let mut counter = SizeCounter::new();
    for step in steps {
        match step {
            Step::Persistent { len, align } => {
                counter.alloc_persistent_bytes(*len, *align).unwrap()
            }
            Step::PersistentU32 { count } => counter.alloc_persistent::<u32>(*count).unwrap(),
            Step::Temp { allocs } => {
                let mut temp = counter.temp();
                for &(len, align) in allocs {
                    temp.alloc_bytes(len, align).unwrap();
                }
            }
            Step::Head { len } => counter.commit_head(*len).unwrap(),
        }
    }
    counter
}

fn run_arena(steps: &[Step], buf: &mut [u8]) -> Result<SizeCounter, ArenaError> {
    let mut arena = Arena::new(buf);
    for step in steps {
        match step {
            Step::Persistent { len, align } => {
                let s = arena.alloc_persistent_bytes(*len, *align)?;
                assert_eq!(s.len(), *len);
                assert_eq!(addr(s) % align, 0);
            }
            Step::PersistentU32 { count } => {
                let s = arena.alloc_persistent::<u32>(*count)?;
                assert_eq!(addr(s) % 16, 0);
            }
            Step::Temp { allocs } => {
                let mut temp = arena.temp();
                for &(len, align) in allocs {
                    let s = temp.alloc_bytes(len, align)?;
                    assert_eq!(s.len(), len);
                    assert_eq!(addr(s) % align, 0);
                    s.fill(0xEE);
                }
            }
            Step::Head { len } => {
                let s = arena.commit_head(*len)?;
                assert_eq!(addr(s) % ARENA_ALIGN, 0);
            }
        }
    }
    Ok(*arena.counter())
}

fn config() -> ProptestConfig {
    let mut config = ProptestConfig::with_cases(if cfg!(miri) { 3 } else { 256 });
    if cfg!(miri) {
        // Miri's isolation forbids the file-based failure persistence.
        config.failure_persistence = None;
    }
    config
}

proptest! {
    #![proptest_config(config())]

    /// The counter's figure is exact: a buffer of that length works and one
    /// byte less fails, reporting exactly that length as needed.
    #[test]
    fn counter_predicts_exact_buffer_size(
        steps in prop::collection::vec(step(), 0..12),
        misalign in 0usize..16,
    ) {
        let counter = run_counter(&steps);
        let mut storage = aligned_storage(counter.required_bytes() + 32);
        let all = bytes(&mut storage);
        let start = addr(all) + misalign;
        let exact = counter.required_bytes_at(start);
        prop_assert!(exact <= counter.required_bytes_any_address());
        prop_assert_eq!(exact, counter.required_bytes() + (16 - misalign) % 16);

        let fits = run_arena(&steps, &mut all[misalign..misalign + exact]);
        prop_assert_eq!(fits, Ok(counter));

        if counter.used_bytes() > 0 {
            let short = run_arena(&steps, &mut all[misalign..misalign + exact - 1]);
            prop_assert_eq!(
                short,
                Err(ArenaError::TooSmall {
                    needed: exact,
                    available: exact - 1,
                    padding: (16 - misalign) % 16,
                })
            );
        }
    }
}
