//! In-place heap sort of request indices, O(n log n) without allocation.

/// Sorts `items` so that `key(item)` ascends. Keys should be distinct for a
/// deterministic order.
pub(crate) fn sort_by_key<K: Ord>(items: &mut [u32], key: impl Fn(u32) -> K) {
    let len = items.len();
    for root in (0..len / 2).rev() {
        sift_down(items, root, len, &key);
    }
    for end in (1..len).rev() {
        items.swap(0, end);
        sift_down(items, 0, end, &key);
    }
}

/// Restores the max-heap property of `items[..end]` below `root`.
fn sift_down<K: Ord>(items: &mut [u32], mut root: usize, end: usize, key: &impl Fn(u32) -> K) {
    loop {
        let left = root.saturating_mul(2).saturating_add(1);
        if left >= end {
            return;
        }
        let right = left + 1;
        let mut child = left;
        if right < end && key_at(items, right, key) > key_at(items, left, key) {
            child = right;
        }
        if key_at(items, child, key) <= key_at(items, root, key) {
            return;
        }
        items.swap(root, child);
        root = child;
    }
}

fn key_at<K>(items: &[u32], index: usize, key: &impl Fn(u32) -> K) -> Option<K> {
    items.get(index).map(|&item| key(item))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: if cfg!(miri) { 4 } else { 256 },
            // Miri's isolation forbids the file-based failure persistence.
            failure_persistence: None,
            ..ProptestConfig::default()
        })]
        #[test]
        fn sorts_like_std(values in proptest::collection::vec(0u32..50, 0..100)) {
            let identity: Vec<u32> = (0..values.len() as u32).collect();
            let mut items = identity.clone();
            sort_by_key(&mut items, |i| (values[i as usize], i));
            let mut expected = identity;
            expected.sort_by_key(|&i| (values[i as usize], i));
            prop_assert_eq!(items, expected);
        }
    }
}
