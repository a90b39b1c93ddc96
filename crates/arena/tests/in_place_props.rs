#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Planners with in-place permissions, checked against definitions written
//! here: live buffers never overlap except an output over its input on the
//! permission's terms, offsets are aligned, the head is the end of the last
//! buffer and at most the sum of the sizes, and [`MultiOrderPlanner`] is
//! never larger than TFLM's greedy layout.

use microlite_arena::planner::{
    verify_plan, BufferRequest, GreedyPlanner, MultiOrderPlanner, PlanError, PlannerConfig,
};
use proptest::prelude::*;

fn round_up(v: usize, align: usize) -> usize {
    v.div_ceil(align) * align
}

/// Random requests; some are outputs allowed over an input that dies where
/// they are born, with a lead anywhere from "may start after the input's
/// end" to "must start a whole output before it".
fn requests() -> impl Strategy<Value = Vec<BufferRequest>> {
    let request = (1usize..300, 0usize..16, 0usize..6)
        .prop_map(|(size, first, span)| BufferRequest::new(size, first, first + span));
    (
        prop::collection::vec(request, 1..40),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                any::<prop::sample::Index>(),
                -1.0f64..1.0,
            ),
            0..20,
        ),
    )
        .prop_map(|(mut requests, links)| {
            // Make more pairs possible: let some requests start where an
            // earlier one ends and take it over.
            let n = requests.len();
            for k in 1..n {
                if k % 3 == 0 {
                    let input = k - 1;
                    let at = requests[input].last_use;
                    let span = requests[k].last_use - requests[k].first_use;
                    requests[k].first_use = at;
                    requests[k].last_use = at + span;
                    let lead = (requests[k].size as isize) / 2 - (k as isize % 5) * 16;
                    requests[k] = requests[k].in_place_of(input, lead);
                }
            }
            for (out, input, lead) in links {
                let o = out.index(requests.len());
                let i = input.index(requests.len());
                let first = requests[o].first_use;
                let ok = o != i && requests[i].last_use == first && requests[o].in_place.is_none();
                if ok {
                    let scale = if lead < 0.0 {
                        requests[i].size
                    } else {
                        requests[o].size
                    };
                    let lead = (lead * scale as f64) as isize;
                    requests[o] = requests[o].in_place_of(i, lead);
                }
            }
            requests
        })
}

fn alignment() -> impl Strategy<Value = usize> {
    prop::sample::select(vec![1usize, 4, 16, 64])
}

/// Independent validity check.
fn check_valid(
    requests: &[BufferRequest],
    offsets: &[usize],
    total: usize,
    align: usize,
) -> Result<(), TestCaseError> {
    let mut end = 0;
    for (i, (a, &oa)) in requests.iter().zip(offsets).enumerate() {
        let sa = round_up(a.size, align);
        prop_assert_eq!(oa % align, 0, "offset of {} misaligned", i);
        end = end.max(oa + sa);
        for (j, (b, &ob)) in requests.iter().zip(offsets).enumerate().take(i) {
            let sb = round_up(b.size, align);
            let live = a.first_use <= b.last_use && b.first_use <= a.last_use;
            let meet = sa > 0 && sb > 0 && oa < ob + sb && ob < oa + sa;
            if !(live && meet) {
                continue;
            }
            // Overlap is only allowed for an output over its input with
            // output + lead <= input.
            let permitted = |out: &BufferRequest, o_out: usize, input: usize, o_in: usize| {
                out.in_place
                    .is_some_and(|p| p.input == input && o_out as isize + p.lead <= o_in as isize)
            };
            prop_assert!(
                permitted(a, oa, j, ob) || permitted(b, ob, i, oa),
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
    prop_assert_eq!(total, end);
    let sum: usize = requests.iter().map(|r| round_up(r.size, align)).sum();
    prop_assert!(
        total <= sum,
        "total {} above the sum of sizes {}",
        total,
        sum
    );
    Ok(())
}

fn greedy(config: PlannerConfig, requests: &[BufferRequest]) -> (Vec<usize>, usize) {
    let mut offsets = vec![0; requests.len()];
    let mut scratch = vec![0; GreedyPlanner::scratch_len(requests.len())];
    let total = GreedyPlanner::new(config)
        .plan(requests, &mut offsets, &mut scratch)
        .unwrap();
    (offsets, total)
}

fn multi(config: PlannerConfig, requests: &[BufferRequest]) -> (Vec<usize>, usize) {
    let mut offsets = vec![usize::MAX; requests.len()];
    let mut scratch = vec![7; MultiOrderPlanner::scratch_len(requests.len())];
    let total = MultiOrderPlanner::new(config)
        .plan(requests, &mut offsets, &mut scratch)
        .unwrap();
    (offsets, total)
}

fn without_permissions(requests: &[BufferRequest]) -> Vec<BufferRequest> {
    requests
        .iter()
        .map(|r| BufferRequest {
            in_place: None,
            ..*r
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 1000 }))]

    #[test]
    fn plans_are_valid_and_never_worse_than_tflm(requests in requests(), align in alignment()) {
        let config = PlannerConfig::new().with_alignment(align);
        let plain = without_permissions(&requests);
        let (_, tflm) = greedy(config, &plain);

        let (offsets, total) = greedy(config, &requests);
        check_valid(&requests, &offsets, total, align)?;
        prop_assert_eq!(verify_plan(&requests[..], &offsets, align), Ok(total));

        let (offsets, best) = multi(config, &requests);
        check_valid(&requests, &offsets, best, align)?;
        prop_assert_eq!(verify_plan(&requests[..], &offsets, align), Ok(best));
        prop_assert!(best <= tflm, "multi-order {} above TFLM's {}", best, tflm);
        prop_assert!(best <= total, "multi-order {} above greedy's {}", best, total);

        // Without permissions too.
        let (offsets, plain_best) = multi(config, &plain);
        check_valid(&plain, &offsets, plain_best, align)?;
        prop_assert!(plain_best <= tflm);
    }
}

#[test]
fn a_chain_of_in_place_buffers_takes_one_buffer_plus_the_leads() {
    // A -> B -> C, each 112 bytes (aligned), each output needing 16 bytes of
    // lead over its input: C at 0, B at 16, A at 32 is the least (A and C
    // are never live together); without overlap it takes 224.
    let requests = [
        BufferRequest::new(100, 0, 1),
        BufferRequest::new(100, 1, 2).in_place_of(0, 16),
        BufferRequest::new(100, 2, 3).in_place_of(1, 16),
    ];
    let (offsets, total) = multi(PlannerConfig::new(), &requests);
    assert_eq!(total, 144, "offsets {offsets:?}");
    assert_eq!(verify_plan(&requests[..], &offsets, 16), Ok(144));
    let (_, plain) = greedy(PlannerConfig::new(), &without_permissions(&requests));
    assert_eq!(plain, 224);
}

#[test]
fn bad_permissions_are_rejected() {
    let config = PlannerConfig::new();
    let cases: [&[BufferRequest]; 3] = [
        // Names itself.
        &[BufferRequest::new(16, 0, 1).in_place_of(0, 0)],
        // Names a missing request.
        &[BufferRequest::new(16, 0, 1).in_place_of(3, 0)],
        // The input is still live after the output is born.
        &[
            BufferRequest::new(16, 0, 2),
            BufferRequest::new(16, 1, 3).in_place_of(0, 0),
        ],
    ];
    for requests in cases {
        let mut offsets = vec![0; requests.len()];
        let mut scratch = vec![0; GreedyPlanner::scratch_len(requests.len())];
        let err = MultiOrderPlanner::new(config)
            .plan(requests, &mut offsets, &mut scratch)
            .unwrap_err();
        assert!(matches!(err, PlanError::InvalidInPlace { .. }), "{err:?}");
        assert!(matches!(
            verify_plan(requests, &offsets, 16),
            Err(PlanError::InvalidInPlace { .. })
        ));
    }
}

#[test]
fn verify_rejects_an_overlap_short_of_the_lead() {
    let requests = [
        BufferRequest::new(64, 0, 1),
        BufferRequest::new(64, 1, 2).in_place_of(0, 32),
    ];
    // Output 32 bytes before the input: allowed.
    assert_eq!(verify_plan(&requests[..], &[32, 0], 16), Ok(96));
    // Only 16 bytes before: the output would overwrite unread input.
    assert_eq!(
        verify_plan(&requests[..], &[16, 0], 16),
        Err(PlanError::Overlap { index: 1, other: 0 })
    );
}
