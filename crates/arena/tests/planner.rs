#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Hand-checkable planner cases, TensorFlow Lite Micro's own expectations,
//! error reporting and offline plan parsing.

use microlite_arena::planner::{
    verify_plan, BufferRequest, GreedyPlanner, LinearPlanner, MemoryPlanner, OfflinePlan,
    PlanError, PlannerConfig, RequestFn,
};

fn greedy_with(config: PlannerConfig, requests: &[BufferRequest]) -> (Vec<usize>, usize) {
    let mut offsets = vec![usize::MAX; requests.len()];
    let mut scratch = vec![0xDEAD_BEEF; GreedyPlanner::scratch_len(requests.len())];
    let total = GreedyPlanner::new(config)
        .plan(requests, &mut offsets, &mut scratch)
        .unwrap();
    (offsets, total)
}

fn greedy(requests: &[BufferRequest]) -> (Vec<usize>, usize) {
    greedy_with(PlannerConfig::new(), requests)
}

/// TFLM's planner tests add raw sizes; alignment 1 reproduces that.
fn tflm_greedy(requests: &[BufferRequest]) -> (Vec<usize>, usize) {
    greedy_with(PlannerConfig::new().with_alignment(1), requests)
}

const fn req(size: usize, first: usize, last: usize) -> BufferRequest {
    BufferRequest::new(size, first, last)
}

#[test]
fn disjoint_lifetimes_share_offset_zero() {
    let requests = [req(100, 0, 0), req(40, 1, 1), req(60, 2, 3)];
    let (offsets, total) = greedy(&requests);
    assert_eq!(offsets, [0, 0, 0]);
    assert_eq!(total, 112);
}

#[test]
fn overlapping_lifetimes_are_stacked() {
    // a (112 aligned) and b (64) overlap at op 1; c (32) only overlaps b.
    let requests = [req(100, 0, 1), req(50, 1, 2), req(30, 2, 3)];
    let (offsets, total) = greedy(&requests);
    assert_eq!(offsets, [0, 112, 0]);
    assert_eq!(total, 176);
    assert_eq!(verify_plan(&requests[..], &offsets, 16), Ok(176));
}

#[test]
fn small_buffer_fills_gap_left_by_dead_one() {
    // a and c are live together; b is dead by then, leaving a gap after a.
    let requests = [req(32, 0, 3), req(64, 0, 1), req(16, 2, 3), req(48, 0, 3)];
    // Largest first: b(64)@0, d(48)@64, a(32)@112; c(16) only overlaps a and d:
    // the lowest fit is offset 0, where b used to be.
    let (offsets, total) = greedy(&requests);
    assert_eq!(offsets, [112, 0, 0, 64]);
    assert_eq!(total, 144);
}

#[test]
fn equal_sizes_place_higher_index_first() {
    // TFLM fills its sort array from the tail, so among equal sizes the
    // higher request index is placed first (lower offset).
    let requests = [req(16, 0, 1), req(16, 0, 1), req(16, 0, 1)];
    let (offsets, total) = greedy(&requests);
    assert_eq!(offsets, [32, 16, 0]);
    assert_eq!(total, 48);
}

// Expected values below are those asserted by TensorFlow Lite Micro's
// greedy_memory_planner_test.cc (TestGreedyBasics, TestGreedyMedium,
// TestOverlapCase, TestPersonDetectionModel).

#[test]
fn tflm_greedy_basics() {
    let (offsets, total) = tflm_greedy(&[req(10, 0, 1), req(20, 2, 3)]);
    assert_eq!(offsets, [0, 0]);
    assert_eq!(total, 20);
}

#[test]
fn tflm_greedy_medium() {
    let requests = [
        req(10, 0, 1),
        req(20, 1, 2),
        req(30, 2, 3),
        req(40, 3, 4),
        req(50, 0, 1),
    ];
    let (offsets, total) = tflm_greedy(&requests);
    assert_eq!(offsets, [50, 70, 40, 0, 0]);
    assert_eq!(total, 90);
}

#[test]
fn tflm_overlap_case() {
    let (offsets, total) = tflm_greedy(&[req(100, 0, 1), req(50, 2, 3), req(20, 1, 2)]);
    assert_eq!(total, 120);
    assert_eq!(
        verify_plan(
            &[req(100, 0, 1), req(50, 2, 3), req(20, 1, 2)][..],
            &offsets,
            1
        ),
        Ok(120)
    );
}

#[test]
fn tflm_person_detection_model() {
    let sizes_and_lifetimes: [(usize, usize, usize); 29] = [
        (9216, 0, 29),
        (3, 28, 29),
        (256, 27, 28),
        (2304, 26, 27),
        (2304, 25, 26),
        (2304, 24, 25),
        (1152, 23, 24),
        (4608, 22, 23),
        (4608, 21, 22),
        (4608, 20, 21),
        (4608, 19, 20),
        (4608, 18, 19),
        (4608, 17, 18),
        (4608, 16, 17),
        (4608, 15, 16),
        (4608, 14, 15),
        (4608, 13, 14),
        (4608, 12, 13),
        (2304, 11, 12),
        (9216, 10, 11),
        (9216, 9, 10),
        (9216, 8, 9),
        (4608, 7, 8),
        (18432, 6, 7),
        (18432, 5, 6),
        (18432, 4, 5),
        (9216, 3, 4),
        (36864, 2, 3),
        (18432, 1, 2),
    ];
    let mut requests: Vec<_> = sizes_and_lifetimes
        .iter()
        .map(|&(s, f, l)| req(s, f, l))
        .collect();
    requests.push(req(18432, 0, 1));
    let (offsets, total) = tflm_greedy(&requests);
    assert_eq!(verify_plan(&requests[..], &offsets, 1), Ok(total));
    assert!(total < 241_027);
    // Lower bound: the largest simultaneous live set (op 2: 9216+36864+18432).
    assert!(total >= 9216 + 36864 + 18432);
}

#[test]
fn offline_buffers_are_fixed_and_online_ones_avoid_them() {
    let requests = [
        BufferRequest::offline(32, 0, 2, 64),
        req(64, 0, 1),
        req(16, 1, 2),
        BufferRequest::offline(16, 3, 3, 0),
    ];
    // Offline a@64 and d@0 are placed first. Online b(64) fits exactly below
    // a, at 0 (d is not live with it). c(16) is live with a and b, which cover
    // 0..96 without a gap, so it goes to 96.
    let (offsets, total) = greedy(&requests);
    assert_eq!(offsets, [64, 0, 96, 0]);
    assert_eq!(total, 112);
}

#[test]
fn offline_overlap_is_rejected_unless_allowed() {
    // Mirrors TFLM's OfflinePlannerOverlappingAllocation: two live tensors at 0.
    let requests = [
        BufferRequest::offline(48, 0, 1, 0),
        BufferRequest::offline(48, 0, 1, 0),
        BufferRequest::offline(48, 1, 2, 48),
        req(48, 2, 3),
    ];
    let mut offsets = [0; 4];
    let mut scratch = [0; GreedyPlanner::scratch_len(4)];
    assert_eq!(
        GreedyPlanner::default().plan(&requests[..], &mut offsets, &mut scratch),
        Err(PlanError::Overlap { index: 1, other: 0 })
    );
    let config = PlannerConfig::new().with_offline_overlap(true);
    let (offsets, total) = greedy_with(config, &requests);
    assert_eq!(offsets, [0, 0, 48, 0]);
    assert_eq!(total, 96);
}

#[test]
fn errors_name_the_culprit() {
    let planner = GreedyPlanner::default();
    let mut offsets = [0usize; 3];
    let mut scratch = [0u32; GreedyPlanner::scratch_len(3)];

    let bad_lifetime = [req(1, 0, 0), req(1, 3, 2), req(1, 0, 0)];
    assert_eq!(
        planner.plan(&bad_lifetime[..], &mut offsets, &mut scratch),
        Err(PlanError::InvalidLifetime {
            index: 1,
            first_use: 3,
            last_use: 2
        })
    );
    assert_eq!(
        LinearPlanner::default().plan(&bad_lifetime[..], &mut offsets),
        Err(PlanError::InvalidLifetime {
            index: 1,
            first_use: 3,
            last_use: 2
        })
    );

    let huge = [req(1, 0, 0), req(usize::MAX - 3, 0, 0)];
    assert_eq!(
        planner.plan(&huge[..], &mut offsets, &mut scratch),
        Err(PlanError::SizeOverflow { index: 1 })
    );
    assert_eq!(
        LinearPlanner::default().plan(&huge[..], &mut offsets),
        Err(PlanError::SizeOverflow { index: 1 })
    );
    let two_big = [req(usize::MAX / 2, 0, 0), req(usize::MAX / 2, 0, 0)];
    assert_eq!(
        planner.plan(&two_big[..], &mut offsets, &mut scratch),
        Err(PlanError::SizeOverflow { index: 0 })
    );
    let far_offline = [BufferRequest::offline(32, 0, 0, usize::MAX & !15)];
    assert_eq!(
        planner.plan(&far_offline[..], &mut offsets, &mut scratch),
        Err(PlanError::SizeOverflow { index: 0 })
    );

    let misaligned = [req(1, 0, 0), BufferRequest::offline(16, 0, 0, 8)];
    assert_eq!(
        planner.plan(&misaligned[..], &mut offsets, &mut scratch),
        Err(PlanError::Misaligned {
            index: 1,
            offset: 8,
            align: 16
        })
    );

    let three = [req(1, 0, 0); 3];
    assert_eq!(
        planner.plan(&three[..], &mut offsets, &mut scratch[..5]),
        Err(PlanError::ScratchTooSmall {
            needed: GreedyPlanner::scratch_len(3),
            available: 5
        })
    );
    assert_eq!(
        planner.plan(&three[..], &mut offsets[..2], &mut scratch),
        Err(PlanError::OffsetsTooSmall {
            needed: 3,
            available: 2
        })
    );
    assert_eq!(
        GreedyPlanner::new(PlannerConfig::new().with_alignment(12)).plan(
            &three[..],
            &mut offsets,
            &mut scratch
        ),
        Err(PlanError::InvalidAlignment { align: 12 })
    );
    let missing = RequestFn::new(3, |i| (i != 2).then_some(req(1, 0, 0)));
    assert_eq!(
        planner.plan(&missing, &mut offsets, &mut scratch),
        Err(PlanError::MissingRequest { index: 2 })
    );
    let text = PlanError::InvalidLifetime {
        index: 7,
        first_use: 9,
        last_use: 4,
    }
    .to_string();
    assert!(
        text.contains('7') && text.contains('9') && text.contains('4'),
        "{text}"
    );
}

#[test]
fn empty_plan_is_empty() {
    let (offsets, total) = greedy(&[]);
    assert!(offsets.is_empty());
    assert_eq!(total, 0);
    assert_eq!(LinearPlanner::default().plan(&[][..], &mut []), Ok(0));
}

#[test]
fn linear_planner_stacks_in_index_order() {
    let requests = [
        req(10, 0, 0),
        req(0, 1, 1),
        req(17, 0, 5),
        BufferRequest::offline(16, 0, 0, 0),
    ];
    let mut offsets = [usize::MAX; 4];
    let total = LinearPlanner::default()
        .plan(&requests[..], &mut offsets)
        .unwrap();
    assert_eq!(offsets, [0, 16, 16, 48]);
    assert_eq!(total, 64);
}

#[test]
fn request_fn_and_trait_dispatch() {
    fn plan_with<P: MemoryPlanner>(planner: &P, n: usize) -> (Vec<usize>, usize) {
        let source = RequestFn::new(n, |i| Some(req(16 * (i + 1), i, i + 1)));
        let mut offsets = vec![0; n];
        let mut scratch = vec![0; planner.scratch_len(n)];
        let total = planner.plan(&source, &mut offsets, &mut scratch).unwrap();
        (offsets, total)
    }
    let (greedy_offsets, greedy_total) = plan_with(&GreedyPlanner::default(), 4);
    let (linear_offsets, linear_total) = plan_with(&LinearPlanner::default(), 4);
    assert_eq!(linear_offsets, [0, 16, 48, 96]);
    assert_eq!(linear_total, 160);
    // Sizes 16,32,48,64 live [i, i+1]: 64@0, 48@64, 32@0 (48 overlaps it in
    // time, 64 does not), 16@32 (overlaps 32 only).
    assert_eq!(greedy_offsets, [32, 0, 64, 0]);
    assert_eq!(greedy_total, 112);
}

fn offline_bytes(words: &[i32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

#[test]
fn offline_plan_parses_tflm_layout() {
    // Layout from TFLM's OfflinePlannerOverlappingAllocation test.
    let bytes = offline_bytes(&[1, 0, 4, 0, 0, 48, -1]);
    let plan = OfflinePlan::parse(&bytes).unwrap();
    assert_eq!(plan.version(), 1);
    assert_eq!(plan.subgraph(), 0);
    assert_eq!(plan.len(), 4);
    assert!(!plan.is_empty());
    assert_eq!(plan.offset_for_tensor(0), Some(0));
    assert_eq!(plan.offset_for_tensor(2), Some(48));
    assert_eq!(plan.offset_for_tensor(3), None);
    assert_eq!(plan.offset_for_tensor(4), None);
    assert_eq!(plan.offset_for_tensor(usize::MAX), None);
    assert_eq!(plan.check_tensor_count(4), Ok(()));
    assert_eq!(
        plan.check_tensor_count(5),
        Err(PlanError::OfflineCountMismatch {
            entries: 4,
            tensors: 5
        })
    );
    assert_eq!(OfflinePlan::METADATA_NAME, "OfflineMemoryAllocation");

    // Unaligned input and trailing bytes are fine.
    let mut shifted = vec![0u8];
    shifted.extend_from_slice(&bytes);
    shifted.push(0xFF);
    let plan = OfflinePlan::parse(&shifted[1..]).unwrap();
    assert_eq!(plan.offset_for_tensor(2), Some(48));
}

#[test]
fn offline_plan_rejects_malformed_buffers() {
    assert_eq!(
        OfflinePlan::parse(&[1, 0, 0, 0, 0]),
        Err(PlanError::OfflineTooShort {
            needed: 12,
            available: 5
        })
    );
    let bytes = offline_bytes(&[1, 0, 3, 0, 16]);
    assert_eq!(
        OfflinePlan::parse(&bytes),
        Err(PlanError::OfflineTooShort {
            needed: 24,
            available: 20
        })
    );
    let bytes = offline_bytes(&[1, 0, -1]);
    assert!(matches!(
        OfflinePlan::parse(&bytes),
        Err(PlanError::OfflineTooShort { .. })
    ));
    let bytes = offline_bytes(&[1, 0, 2, 16, -2]);
    assert_eq!(
        OfflinePlan::parse(&bytes),
        Err(PlanError::OfflineBadEntry {
            tensor: 1,
            value: -2
        })
    );
    let empty = offline_bytes(&[1, 0, 0]);
    assert!(OfflinePlan::parse(&empty).unwrap().is_empty());
}
