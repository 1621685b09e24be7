//! What the reaction benchmarks (alarm-reaction, analysis-reaction) share.

/// (mean, p50, p95, max) of `v`.
pub fn stats(mut v: Vec<f64>) -> (f64, f64, f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n as f64;
    let pct = |p: f64| v[((n as f64 * p).ceil() as usize).clamp(1, n) - 1];
    (mean, pct(0.5), pct(0.95), v[n - 1])
}
