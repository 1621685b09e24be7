//! Canary analysis: while the new task set carries traffic (every canary or linear step and the
//! bake before the old one goes), each check of `[rollout.analysis]` is measured on the new
//! (green) target group through one GetMetricData call per interval, compared with its limits and,
//! where asked, with the stable (blue) target group. A check that fails `failure_limit`
//! measurements stops the deployment with rollback, naming the check, the value and the limit.
//!
//! Here: the measuring and judging; the queries are built in `query`, the target groups found
//! (and the metrics' existence checked) before the rollout starts in `target`.

pub mod query;
pub mod target;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use tokio::time::Instant;

use crate::aws::AwsError;
use crate::config::{Analysis, Check, Inconclusive, Unit};
use crate::progress::Progress;

pub use query::TargetGroupDims;
pub use target::AnalysisTarget;

/// What one measurement of one check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    pub check: String,
    /// Seconds since the deployment was first watched.
    pub at_seconds: u64,
    /// The new task set's share of production traffic when measured.
    pub traffic_percent: Option<f64>,
    /// The new target group's value, in the check's unit (`412 ms`).
    pub value: Option<String>,
    /// The stable target group's value, for a check compared with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stable: Option<String>,
    /// Requests to the new target group in the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<f64>,
    pub verdict: Verdict,
    /// Why it failed or was inconclusive; the limits it passed.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
}

/// A check that reached its failure limit: the deployment must stop.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub check: String,
    pub measured: String,
    pub limit: String,
}

/// The analysis of one deployment, between polls of the watch.
pub struct Analyzer<'a> {
    analysis: &'a Analysis,
    target: &'a AnalysisTarget,
    started: Instant,
    /// When the next measurement is due; unset until the new task set carries traffic.
    next: Option<Instant>,
    failures: BTreeMap<String, u32>,
    pub measurements: Vec<Measurement>,
}

impl<'a> Analyzer<'a> {
    pub fn new(analysis: &'a Analysis, target: &'a AnalysisTarget) -> Self {
        Analyzer {
            analysis,
            target,
            started: Instant::now(),
            next: None,
            failures: BTreeMap::new(),
            measurements: Vec::new(),
        }
    }

    /// Whether a measurement is due, with `green_percent` of traffic on the new task set. The
    /// first comes one interval after the new task set first carries traffic, so that its window
    /// holds the new version's requests.
    pub fn due(&mut self, now: Instant, green_percent: Option<f64>) -> bool {
        if !green_percent.is_some_and(|p| p > 0.0) {
            return false;
        }
        now >= *self.next.get_or_insert(now + self.analysis.interval)
    }

    /// Measures every check once. `Ok(Some)` when a check reached its failure limit.
    pub async fn measure(
        &mut self,
        cloudwatch: &aws_sdk_cloudwatch::Client,
        region: &str,
        green_percent: Option<f64>,
        key: &str,
        progress: &Progress,
    ) -> Result<Option<Failure>, AwsError> {
        let (start, end, period) = query::window(SystemTime::now(), self.analysis.interval);
        let values = self.read(cloudwatch, region, start, end, period).await?;
        self.next = Some(Instant::now() + self.analysis.interval);
        let requests = (self.analysis.min_requests > 0)
            .then(|| values.get(query::REQUESTS_ID).copied().unwrap_or(0.0));
        let at_seconds = self.started.elapsed().as_secs();
        let mut failed = None;
        for (index, check) in self.analysis.checks.iter().enumerate() {
            let green = values.get(&query::check_id(index, 'g')).copied();
            let blue = values.get(&query::check_id(index, 'b')).copied();
            let judged = judge(check, self.analysis, green, blue, requests);
            let unit = unit_of(check);
            progress.event(
                key,
                &format!(
                    "analysis {}: {} ({})",
                    check.name,
                    verdict_text(judged.verdict),
                    judged.detail
                ),
            );
            let counts = judged.verdict == Verdict::Fail
                || (judged.verdict == Verdict::Inconclusive
                    && self.analysis.inconclusive == Inconclusive::Fail);
            if counts {
                let n = self.failures.entry(check.name.clone()).or_default();
                *n += 1;
                if *n >= self.analysis.failure_limit && failed.is_none() {
                    failed = Some(Failure {
                        check: check.name.clone(),
                        measured: judged.detail.clone(),
                        limit: limits_text(check),
                    });
                }
            }
            self.measurements.push(Measurement {
                check: check.name.clone(),
                at_seconds,
                traffic_percent: green_percent,
                value: green.map(|v| unit.show(v)),
                stable: check.max_vs_stable.and(blue).map(|v| unit.show(v)),
                requests,
                verdict: judged.verdict,
                detail: judged.detail,
            });
        }
        Ok(failed)
    }

    async fn read(
        &self,
        cloudwatch: &aws_sdk_cloudwatch::Client,
        region: &str,
        start: SystemTime,
        end: SystemTime,
        period: i32,
    ) -> Result<BTreeMap<String, f64>, AwsError> {
        let queries = query::queries(self.analysis, &self.target.green, &self.target.blue, period);
        let mut results = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = cloudwatch
                .get_metric_data()
                .set_metric_data_queries(Some(queries.clone()))
                .start_time(query::to_datetime(start))
                .end_time(query::to_datetime(end))
                .scan_by(aws_sdk_cloudwatch::types::ScanBy::TimestampDescending)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| AwsError::new(region, "CloudWatch GetMetricData", e))?;
            results.extend(out.metric_data_results().iter().cloned());
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(query::newest_values(&results))
    }

    /// The interval between measurements.
    pub fn interval(&self) -> Duration {
        self.analysis.interval
    }
}

/// A verdict and what it rests on.
struct Judged {
    verdict: Verdict,
    detail: String,
}

/// The unit a check's values are shown in: its first limit's.
fn unit_of(check: &Check) -> Unit {
    check
        .max
        .as_ref()
        .or(check.min.as_ref())
        .map(|t| t.unit)
        .unwrap_or(match &check.query {
            crate::config::CheckQuery::Metric(m) if m.metric == "TargetResponseTime" => {
                Unit::Milliseconds
            }
            _ => Unit::Count,
        })
}

/// A check's limits in a few words (`max 300ms, ≤ 1.2x stable`).
pub fn limits_text(check: &Check) -> String {
    let mut parts = Vec::new();
    if let Some(max) = &check.max {
        parts.push(format!("max {}", max.text));
    }
    if let Some(min) = &check.min {
        parts.push(format!("min {}", min.text));
    }
    if let Some(ratio) = check.max_vs_stable {
        parts.push(format!("≤ {ratio}x stable"));
    }
    parts.join(", ")
}

fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "FAIL",
        Verdict::Inconclusive => "inconclusive",
    }
}

/// Judges one check's values: inconclusive on too few requests or no datapoint, failed on a
/// limit crossed, passed otherwise.
fn judge(
    check: &Check,
    analysis: &Analysis,
    green: Option<f64>,
    blue: Option<f64>,
    requests: Option<f64>,
) -> Judged {
    let unit = unit_of(check);
    let what = format!("{} of the new target group", check.query);
    if let Some(n) = requests
        && n < analysis.min_requests as f64
    {
        return Judged {
            verdict: Verdict::Inconclusive,
            detail: format!(
                "{n} requests to the new target group in the window, fewer than min_requests = {}",
                analysis.min_requests
            ),
        };
    }
    let Some(value) = green else {
        return Judged {
            verdict: Verdict::Inconclusive,
            detail: format!("no datapoint for {what} in the window"),
        };
    };
    let shown = unit.show(value);
    if let Some(max) = &check.max
        && value > max.value
    {
        return Judged {
            verdict: Verdict::Fail,
            detail: format!("{what} is {shown}, above max {}", max.text),
        };
    }
    if let Some(min) = &check.min
        && value < min.value
    {
        return Judged {
            verdict: Verdict::Fail,
            detail: format!("{what} is {shown}, below min {}", min.text),
        };
    }
    let mut detail = shown.clone();
    if let Some(ratio) = check.max_vs_stable {
        match blue {
            Some(stable) if stable > 0.0 => {
                if value > stable * ratio {
                    return Judged {
                        verdict: Verdict::Fail,
                        detail: format!(
                            "{what} is {shown}, above {ratio}x the stable version's {}",
                            unit.show(stable)
                        ),
                    };
                }
                detail.push_str(&format!(
                    ", within {ratio}x the stable version's {}",
                    unit.show(stable)
                ));
            }
            _ => detail.push_str("; the stable version has no value to compare with"),
        }
    }
    let limits = limits_text(check);
    if !limits.is_empty() {
        detail.push_str(&format!("; limits: {limits}"));
    }
    Judged {
        verdict: Verdict::Pass,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CheckQuery, MetricStat, Threshold};

    fn p95(max: &str, ratio: Option<f64>) -> Check {
        Check {
            name: "latency-p95".into(),
            query: CheckQuery::Metric(MetricStat {
                metric: "TargetResponseTime".into(),
                stat: "p95".into(),
            }),
            max: Some(Threshold::parse(max).unwrap()),
            min: None,
            max_vs_stable: ratio,
        }
    }

    fn analysis() -> Analysis {
        Analysis {
            interval: Duration::from_secs(60),
            failure_limit: 1,
            inconclusive: Inconclusive::Continue,
            min_requests: 50,
            checks: vec![],
        }
    }

    #[test]
    fn a_slow_canary_fails_with_value_and_limit() {
        let j = judge(
            &p95("300ms", None),
            &analysis(),
            Some(0.412),
            None,
            Some(900.0),
        );
        assert_eq!(j.verdict, Verdict::Fail);
        assert_eq!(
            j.detail,
            "p95 TargetResponseTime of the new target group is 412 ms, above max 300ms"
        );
    }

    #[test]
    fn too_little_traffic_is_inconclusive_not_passed() {
        let j = judge(
            &p95("300ms", None),
            &analysis(),
            Some(0.9),
            None,
            Some(12.0),
        );
        assert_eq!(j.verdict, Verdict::Inconclusive);
        assert!(j.detail.contains("12 requests"), "{}", j.detail);
        let j = judge(&p95("300ms", None), &analysis(), None, None, Some(500.0));
        assert_eq!(j.verdict, Verdict::Inconclusive);
    }

    #[test]
    fn the_stable_version_bounds_the_canary() {
        let check = p95("800ms", Some(1.2));
        let j = judge(&check, &analysis(), Some(0.25), Some(0.2), Some(900.0));
        assert_eq!(j.verdict, Verdict::Fail, "{}", j.detail);
        assert!(j.detail.contains("above 1.2x the stable version's 200 ms"));
        let j = judge(&check, &analysis(), Some(0.23), Some(0.2), Some(900.0));
        assert_eq!(j.verdict, Verdict::Pass, "{}", j.detail);
    }
}
