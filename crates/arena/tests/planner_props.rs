#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Property tests of the planners against definitions implemented here
//! independently of the library.

use microlite_arena::planner::{
    BufferRequest, GreedyPlanner, LinearPlanner, PlanError, PlannerConfig,
};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let mut config = ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 512 });
    if cfg!(miri) {
        // Miri's isolation forbids the file-based failure persistence.
        config.failure_persistence = None;
    }
    config
}

fn round_up(v: usize, align: usize) -> usize {
    v.div_ceil(align) * align
}

fn live_together(a: &BufferRequest, b: &BufferRequest) -> bool {
    a.first_use <= b.last_use && b.first_use <= a.last_use
}

fn intersect(a: usize, a_len: usize, b: usize, b_len: usize) -> bool {
    a_len > 0 && b_len > 0 && a < b + b_len && b < a + a_len
}

fn online_request() -> impl Strategy<Value = BufferRequest> {
    (0usize..400, 0usize..24, 0usize..8)
        .prop_map(|(size, first, span)| BufferRequest::new(size, first, first + span))
}

fn online_requests() -> impl Strategy<Value = Vec<BufferRequest>> {
    prop::collection::vec(online_request(), 0..48)
}

fn alignment() -> impl Strategy<Value = usize> {
    prop::sample::select(vec![1usize, 4, 16, 64])
}

fn plan_greedy(
    config: PlannerConfig,
    requests: &[BufferRequest],
    garbage: u32,
) -> Result<(Vec<usize>, usize), PlanError> {
    let mut offsets = vec![garbage as usize; requests.len()];
    let mut scratch = vec![garbage; GreedyPlanner::scratch_len(requests.len()) + 3];
    let total = GreedyPlanner::new(config).plan(requests, &mut offsets, &mut scratch)?;
    Ok((offsets, total))
}

fn plan_linear(align: usize, requests: &[BufferRequest]) -> (Vec<usize>, usize) {
    let mut offsets = vec![0; requests.len()];
    let total = LinearPlanner::new(PlannerConfig::new().with_alignment(align))
        .plan(requests, &mut offsets)
        .unwrap();
    (offsets, total)
}

/// Checks the invariants every valid plan must satisfy.
fn check_valid(
    requests: &[BufferRequest],
    offsets: &[usize],
    total: usize,
    align: usize,
) -> Result<(), TestCaseError> {
    let mut end = 0;
    for (i, (a, &oa)) in requests.iter().zip(offsets).enumerate() {
        let sa = round_up(a.size, align);
        prop_assert_eq!(oa % align, 0, "offset {} of request {} misaligned", oa, i);
        end = end.max(oa + sa);
        for (j, (b, &ob)) in requests.iter().zip(offsets).enumerate().take(i) {
            let sb = round_up(b.size, align);
            prop_assert!(
                !(live_together(a, b) && intersect(oa, sa, ob, sb)),
                "requests {} and {} overlap: {:?}@{} {:?}@{}",
                i,
                j,
                a,
                oa,
                b,
                ob
            );
        }
    }
    prop_assert_eq!(total, end, "total must be the end of the last buffer");
    Ok(())
}

/// Largest total of aligned sizes live at the same op index.
fn peak_live(requests: &[BufferRequest], align: usize) -> usize {
    let last = requests.iter().map(|r| r.last_use).max().unwrap_or(0);
    (0..=last)
        .map(|t| {
            requests
                .iter()
                .filter(|r| r.first_use <= t && t <= r.last_use)
                .map(|r| round_up(r.size, align))
                .sum()
        })
        .max()
        .unwrap_or(0)
}

/// Straightforward model of the greedy rule: fixed buffers first, then by
/// aligned size descending (ties: higher index first), each at the lowest
/// offset among 0 and the ends of placed buffers where it intersects no
/// placed buffer live at the same time.
fn reference_greedy(requests: &[BufferRequest], align: usize) -> (Vec<usize>, usize) {
    let size = |i: usize| round_up(requests[i].size, align);
    let mut order: Vec<usize> = (0..requests.len())
        .filter(|&i| requests[i].offline_offset.is_some())
        .collect();
    let mut online: Vec<usize> = (0..requests.len())
        .filter(|&i| requests[i].offline_offset.is_none())
        .collect();
    online.sort_by_key(|&i| std::cmp::Reverse((size(i), i)));
    order.extend(online);

    let mut offsets = vec![0; requests.len()];
    let mut placed: Vec<usize> = Vec::new();
    for &i in &order {
        let offset = match requests[i].offline_offset {
            Some(o) => o,
            None => {
                let live: Vec<usize> = placed
                    .iter()
                    .copied()
                    .filter(|&j| live_together(&requests[i], &requests[j]))
                    .collect();
                let mut candidates: Vec<usize> =
                    live.iter().map(|&j| offsets[j] + size(j)).collect();
                candidates.push(0);
                candidates.sort_unstable();
                candidates
                    .into_iter()
                    .find(|&c| {
                        live.iter()
                            .all(|&j| !intersect(c, size(i), offsets[j], size(j)))
                    })
                    .unwrap()
            }
        };
        offsets[i] = offset;
        placed.push(i);
    }
    let total = (0..requests.len())
        .map(|i| offsets[i] + size(i))
        .max()
        .unwrap_or(0);
    (offsets, total)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn greedy_plans_are_valid_and_bounded(
        requests in online_requests(),
        align in alignment(),
        garbage in any::<u32>(),
    ) {
        let config = PlannerConfig::new().with_alignment(align);
        let (offsets, total) = plan_greedy(config, &requests, garbage).unwrap();
        check_valid(&requests, &offsets, total, align)?;

        let sum: usize = requests.iter().map(|r| round_up(r.size, align)).sum();
        prop_assert!(total <= sum);
        prop_assert!(total >= peak_live(&requests, align));

        let (linear_offsets, linear_total) = plan_linear(align, &requests);
        check_valid(&requests, &linear_offsets, linear_total, align)?;
        prop_assert_eq!(linear_total, sum);
        prop_assert!(total <= linear_total);

        // Deterministic, whatever the scratch and offsets held before.
        let again = plan_greedy(config, &requests, garbage.wrapping_mul(31).wrapping_add(7));
        prop_assert_eq!(again, Ok((offsets.clone(), total)));

        prop_assert_eq!((offsets, total), reference_greedy(&requests, align));
    }

    #[test]
    fn greedy_respects_offline_offsets(
        requests in prop::collection::vec(
            (online_request(), any::<bool>()),
            0..32,
        ),
    ) {
        // Offline request i gets the slot at 512 * i (sizes < 512), so they
        // never collide; sizes are nonzero as offline planners emit.
        let requests: Vec<BufferRequest> = requests
            .into_iter()
            .enumerate()
            .map(|(i, (r, offline))| if offline {
                BufferRequest::offline(r.size.max(1), r.first_use, r.last_use, 512 * i)
            } else {
                r
            })
            .collect();
        let (offsets, total) = plan_greedy(PlannerConfig::new(), &requests, 0).unwrap();
        check_valid(&requests, &offsets, total, 16)?;
        for (r, &o) in requests.iter().zip(&offsets) {
            if let Some(fixed) = r.offline_offset {
                prop_assert_eq!(o, fixed);
            }
        }
        prop_assert_eq!((offsets, total), reference_greedy(&requests, 16));
    }

    #[test]
    fn colliding_offline_offsets_are_reported(
        requests in prop::collection::vec(
            (online_request(), prop::option::of(0usize..4)),
            0..24,
        ),
    ) {
        let requests: Vec<BufferRequest> = requests
            .into_iter()
            .map(|(r, slot)| match slot {
                Some(k) => BufferRequest::offline(r.size, r.first_use, r.last_use, 16 * k),
                None => r,
            })
            .collect();
        let collision = requests.iter().enumerate().find_map(|(i, a)| {
            let oa = a.offline_offset?;
            requests[..i].iter().enumerate().find_map(|(j, b)| {
                let ob = b.offline_offset?;
                (live_together(a, b)
                    && intersect(oa, round_up(a.size, 16), ob, round_up(b.size, 16)))
                    .then_some((i, j))
            })
        });
        let result = plan_greedy(PlannerConfig::new(), &requests, 0);
        match collision {
            Some((index, other)) => {
                prop_assert_eq!(result, Err(PlanError::Overlap { index, other }));
            }
            None => {
                let (offsets, total) = result.unwrap();
                check_valid(&requests, &offsets, total, 16)?;
            }
        }
    }
}

#[test]
fn thousands_of_buffers_plan_quickly() {
    // A long chain plus long-lived skip buffers, like a deep fuzzed model.
    let n = if cfg!(miri) { 64 } else { 4000 };
    let requests: Vec<BufferRequest> = (0..n)
        .map(|i| {
            if i % 10 == 0 {
                BufferRequest::new(1000 + i, i, i + 50)
            } else {
                BufferRequest::new(16 * (i % 37) + 1, i, i + 1)
            }
        })
        .collect();
    let (offsets, total) = plan_greedy(PlannerConfig::new(), &requests, 0).unwrap();
    let mut end = 0;
    for (r, &o) in requests.iter().zip(&offsets) {
        assert_eq!(o % 16, 0);
        end = end.max(o + round_up(r.size, 16));
    }
    assert_eq!(total, end);
    assert!(total >= peak_live(&requests, 16));
}
