//! FILL and ZEROS_LIKE: every output element set to one value.

/// Sets every element of `output` to `value` (TFLM's `reference_ops::Fill`;
/// ZEROS_LIKE with the type's zero).
pub fn fill<T: Copy>(value: T, output: &mut [T]) {
    output.fill(value);
}
