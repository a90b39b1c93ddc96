//! Naive SOFTMAX in `f64`, the real-domain oracle of the quantized and float
//! kernels (which approximate it).

/// Softmax of each row of `depth` values with temperature `beta`:
/// `exp(beta * (x - max)) / sum`, in `f64`.
pub fn softmax_f64(values: &[f64], depth: usize, beta: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(values.len());
    for row in values.chunks(depth) {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exps: Vec<f64> = row.iter().map(|&x| (beta * (x - max)).exp()).collect();
        let sum: f64 = exps.iter().sum();
        out.extend(exps.iter().map(|e| e / sum));
    }
    out
}
