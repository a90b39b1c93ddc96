//! Multiply-accumulate counts of the compute-heavy ops.

use microlite::model::{BuiltinOperator, Operator, Subgraph};

/// MACs of one operator: CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
/// count output elements × filter taps per output; other ops count 0.
pub fn operator_macs(subgraph: &Subgraph<'_>, op: &Operator<'_>) -> u64 {
    let dims = |pos: Option<usize>| -> Vec<u64> {
        pos.and_then(|t| subgraph.tensor(t))
            .map(|t| t.shape().iter().map(|d| d as u64).collect())
            .unwrap_or_default()
    };
    let output_elems: u64 = dims(op.output(0)).iter().product();
    let filter = dims(op.input(1));
    let per_output: u64 = match op.builtin() {
        // filter [out_c, kh, kw, in_c]
        BuiltinOperator::CONV_2D => filter.iter().skip(1).product(),
        // filter [1, kh, kw, out_c]
        BuiltinOperator::DEPTHWISE_CONV_2D => filter.iter().skip(1).take(2).product(),
        // filter [units, depth]
        BuiltinOperator::FULLY_CONNECTED => filter.last().copied().unwrap_or(0),
        _ => 0,
    };
    if filter.is_empty() {
        return 0;
    }
    output_elems.saturating_mul(per_output)
}
