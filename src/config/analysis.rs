//! `[rollout.analysis]` and `[services.analysis]`: checks of the new (green) target group's
//! CloudWatch metrics while traffic shifts. Parsed into [`Analysis`], every problem located.
//!
//! A threshold always carries its unit (`"300ms"`, `"0.5s"`, `"0.1%"`, `"20 count"`), so that
//! `max = "300"` cannot silently mean 300 seconds of latency. Values are compared in the metric's
//! own unit: seconds for times, a fraction for `%` (0.1 % = 0.001), the number itself for counts.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::time::Duration;

use serde::Serialize;
use toml::Spanned;

use super::check::Checker;
use super::raw::{RawAnalysis, RawCheck};

/// The ALB target group metrics a check may read (namespace `AWS/ApplicationELB`, dimensions
/// `TargetGroup` and `LoadBalancer`).
pub const TARGET_GROUP_METRICS: &[&str] = &[
    "RequestCount",
    "RequestCountPerTarget",
    "TargetResponseTime",
    "HTTPCode_Target_2XX_Count",
    "HTTPCode_Target_3XX_Count",
    "HTTPCode_Target_4XX_Count",
    "HTTPCode_Target_5XX_Count",
    "TargetConnectionErrorCount",
    "TargetTLSNegotiationErrorCount",
    "HealthyHostCount",
    "UnHealthyHostCount",
];

pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
pub const DEFAULT_MIN_REQUESTS: u64 = 50;

/// The analysis a service's deployments run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// How often every check measures, and the window each measurement covers.
    #[serde(with = "super::humantime_serde_compat")]
    pub interval: Duration,
    /// Failing measurements of one check that stop the deployment.
    pub failure_limit: u32,
    pub inconclusive: Inconclusive,
    /// Requests to the new target group in a window below which a measurement is inconclusive.
    pub min_requests: u64,
    pub checks: Vec<Check>,
}

/// What an inconclusive measurement (too little traffic, no datapoints) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Inconclusive {
    /// Reported; the check measures again at the next interval.
    Continue,
    /// Counts as a failing measurement.
    Fail,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub name: String,
    pub query: CheckQuery,
    pub max: Option<Threshold>,
    pub min: Option<Threshold>,
    /// The new target group's value may be at most this multiple of the stable one's.
    pub max_vs_stable: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CheckQuery {
    Metric(MetricStat),
    /// Metric math (CloudWatch's syntax) over the named metrics.
    Expression {
        expression: String,
        metrics: BTreeMap<String, MetricStat>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricStat {
    pub metric: String,
    pub stat: String,
}

impl fmt::Display for MetricStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.stat, self.metric)
    }
}

impl fmt::Display for CheckQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckQuery::Metric(m) => m.fmt(f),
            CheckQuery::Expression { expression, .. } => f.write_str(expression),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    Milliseconds,
    Seconds,
    Percent,
    Count,
}

impl Unit {
    /// A value in the metric's own unit, written in this unit (`0.412` s → `412 ms`).
    pub fn show(self, value: f64) -> String {
        let round = |v: f64| {
            let s = format!("{v:.3}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        };
        match self {
            Unit::Milliseconds => format!("{} ms", round(value * 1000.0)),
            Unit::Seconds => format!("{} s", round(value)),
            Unit::Percent => format!("{}%", round(value * 100.0)),
            Unit::Count => round(value),
        }
    }
}

/// A limit as written, and its value in the metric's own unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threshold {
    pub text: String,
    pub value: f64,
    pub unit: Unit,
}

impl Threshold {
    pub fn parse(text: &str) -> Result<Threshold, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = (t[..split].trim(), t[split..].trim());
        let number: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` does not start with a number"))?;
        let (unit, value) = match unit {
            "ms" => (Unit::Milliseconds, number / 1000.0),
            "s" => (Unit::Seconds, number),
            "%" => (Unit::Percent, number / 100.0),
            "count" => (Unit::Count, number),
            "" => return Err(format!("`{text}` has no unit")),
            other => return Err(format!("`{other}` in `{text}` is not a unit")),
        };
        Ok(Threshold {
            text: t.to_string(),
            value,
            unit,
        })
    }
}

/// What a metric's values are: times (seconds) or counts.
fn metric_unit_kind(metric: &str) -> Option<&'static str> {
    match metric {
        "TargetResponseTime" => Some("time"),
        m if TARGET_GROUP_METRICS.contains(&m) => Some("count"),
        _ => None,
    }
}

fn is_stat(stat: &str) -> bool {
    const BASIC: &[&str] = &["Sum", "Average", "Minimum", "Maximum", "SampleCount"];
    if BASIC.contains(&stat) {
        return true;
    }
    // Percentiles: p0..p100 with up to two decimals (p99.9).
    stat.strip_prefix('p').is_some_and(|n| {
        let (int, frac) = n.split_once('.').unwrap_or((n, ""));
        !int.is_empty()
            && int.len() <= 3
            && int.chars().all(|c| c.is_ascii_digit())
            && frac.len() <= 2
            && frac.chars().all(|c| c.is_ascii_digit())
            && (!n.contains('.') || !frac.is_empty())
            && n.parse::<f64>().is_ok_and(|v| v <= 100.0)
    })
}

/// A metric math id: CloudWatch's rule (a lower-case letter, then letters, digits, `_`).
fn is_metric_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The identifiers of a metric math expression that are not functions (a name directly followed
/// by `(`), in order.
pub fn expression_ids(expression: &str) -> Vec<(Range<usize>, &str)> {
    let bytes = expression.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < bytes.len()
                && ((bytes[i] as char).is_ascii_alphanumeric() || bytes[i] == b'_')
            {
                i += 1;
            }
            let rest = expression[i..].trim_start();
            if !rest.starts_with('(') {
                out.push((start..i, &expression[start..i]));
            }
        } else if c == '"' || c == '\'' {
            // A string argument (a label, a period): skipped whole.
            i += 1;
            while i < bytes.len() && bytes[i] as char != c {
                i += 1;
            }
            i += 1;
        } else if c.is_ascii_digit() {
            // A number, an exponent included (1e-3).
            while i < bytes.len()
                && ((bytes[i] as char).is_ascii_alphanumeric() || bytes[i] == b'.')
            {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The bundled platform's SLOs as checks: p95 latency under 300 ms, 5xx under 0.1 % of requests.
pub fn slo_checks() -> Vec<Check> {
    let sum = |metric: &str| MetricStat {
        metric: metric.into(),
        stat: "Sum".into(),
    };
    vec![
        Check {
            name: "error-rate".into(),
            query: CheckQuery::Expression {
                expression: "errors / requests".into(),
                metrics: BTreeMap::from([
                    ("errors".into(), sum("HTTPCode_Target_5XX_Count")),
                    ("requests".into(), sum("RequestCount")),
                ]),
            },
            max: Some(Threshold::parse("0.1%").expect("a valid threshold")),
            min: None,
            max_vs_stable: None,
        },
        Check {
            name: "latency-p95".into(),
            query: CheckQuery::Metric(MetricStat {
                metric: "TargetResponseTime".into(),
                stat: "p95".into(),
            }),
            max: Some(Threshold::parse("300ms").expect("a valid threshold")),
            min: None,
            max_vs_stable: None,
        },
    ]
}

impl Checker<'_> {
    /// `[rollout.analysis]` resolved on its own (a service without its own table runs this).
    pub(super) fn rollout_analysis(
        &mut self,
        raw: Option<&Spanned<RawAnalysis>>,
    ) -> Option<Analysis> {
        let raw = raw?;
        self.analysis_over(None, raw.as_ref(), "rollout.analysis")
    }

    /// A service's analysis: its own table over the rollout's.
    pub(super) fn service_analysis(
        &mut self,
        base: Option<&Analysis>,
        raw: Option<&Spanned<RawAnalysis>>,
        service: &str,
    ) -> Option<Analysis> {
        match raw {
            None => base.cloned(),
            Some(raw) => {
                self.analysis_over(base, raw.as_ref(), &format!("services.{service}.analysis"))
            }
        }
    }

    fn analysis_over(
        &mut self,
        base: Option<&Analysis>,
        raw: &RawAnalysis,
        key: &str,
    ) -> Option<Analysis> {
        let interval = match &raw.interval {
            None => base.map_or(DEFAULT_INTERVAL, |b| b.interval),
            Some(text) => self.analysis_interval(text, key),
        };
        let failure_limit = match &raw.failure_limit {
            None => base.map_or(1, |b| b.failure_limit),
            Some(n) if (1..=100).contains(n.as_ref()) => *n.as_ref() as u32,
            Some(n) => {
                self.report(
                    n.span(),
                    format!("{key}.failure_limit = {} is out of range", n.as_ref()),
                    "give the number of failing measurements that stop the deployment, 1 to 100 (1: the first failure)",
                );
                1
            }
        };
        let inconclusive = match raw.inconclusive.as_ref().map(|i| (i, i.as_ref().as_str())) {
            None => base.map_or(Inconclusive::Continue, |b| b.inconclusive),
            Some((_, "continue")) => Inconclusive::Continue,
            Some((_, "fail")) => Inconclusive::Fail,
            Some((value, other)) => {
                self.report(
                    value.span(),
                    format!("{key}.inconclusive = \"{other}\" is not a choice"),
                    "use \"continue\" (report it and measure again) or \"fail\" (count it as a failing measurement)",
                );
                Inconclusive::Continue
            }
        };
        let min_requests = match &raw.min_requests {
            None => base.map_or(DEFAULT_MIN_REQUESTS, |b| b.min_requests),
            Some(n) if *n.as_ref() >= 0 => *n.as_ref() as u64,
            Some(n) => {
                self.report(
                    n.span(),
                    format!("{key}.min_requests = {} is negative", n.as_ref()),
                    "give the fewest requests to the new target group in one interval that make a measurement count (0: any)",
                );
                DEFAULT_MIN_REQUESTS
            }
        };
        let mut checks: BTreeMap<String, Check> = base
            .map(|b| b.checks.clone())
            .unwrap_or_else(slo_checks)
            .into_iter()
            .map(|c| (c.name.clone(), c))
            .collect();
        if let Some(raw_checks) = &raw.checks {
            if base.is_none() {
                // Checks written out replace the SLO defaults.
                checks.clear();
            }
            for (name, check) in raw_checks {
                if let Some(check) = self.check(name, check, key) {
                    checks.insert(check.name.clone(), check);
                }
            }
        }
        if raw.enabled == Some(false) {
            return None;
        }
        Some(Analysis {
            interval,
            failure_limit,
            inconclusive,
            min_requests,
            checks: checks.into_values().collect(),
        })
    }

    fn analysis_interval(&mut self, text: &Spanned<String>, key: &str) -> Duration {
        match humantime::parse_duration(text.as_ref()) {
            Ok(d)
                if d.as_secs() >= 60 && d.as_secs().is_multiple_of(60) && d.subsec_nanos() == 0 =>
            {
                d
            }
            _ => {
                self.report(
                    text.span(),
                    format!(
                        "{key}.interval = \"{}\" is not a whole number of minutes",
                        text.as_ref()
                    ),
                    "write \"1m\", \"2m\", …: load balancer metrics come per minute",
                );
                DEFAULT_INTERVAL
            }
        }
    }

    fn check(
        &mut self,
        name: &Spanned<String>,
        raw: &Spanned<RawCheck>,
        key: &str,
    ) -> Option<Check> {
        let at = format!("{key}.checks.{}", name.as_ref());
        let span = raw.span();
        let raw = raw.as_ref();
        let problems_before = self.problems.len();
        let query = match (&raw.metric, &raw.expression) {
            (Some(metric), None) => {
                if !raw.metrics.is_empty() {
                    let (id, _) = raw.metrics.iter().next().expect("not empty");
                    self.report(
                        id.span(),
                        format!("{at} has `metrics` but no `expression`"),
                        "write `expression` over the metrics' ids, or remove `metrics` and keep `metric`",
                    );
                }
                let stat = match &raw.stat {
                    Some(stat) => {
                        self.stat(stat, &at);
                        stat.as_ref().clone()
                    }
                    None => {
                        self.report(
                            metric.span(),
                            format!("{at} names a metric but no `stat`"),
                            "add stat = \"p95\", \"p99\", \"Average\", \"Sum\", …",
                        );
                        String::new()
                    }
                };
                self.metric_name(metric, &at);
                CheckQuery::Metric(MetricStat {
                    metric: metric.as_ref().clone(),
                    stat,
                })
            }
            (None, Some(expression)) => {
                if let Some(stat) = &raw.stat {
                    self.report(
                        stat.span(),
                        format!("{at}: `stat` applies to `metric`, not to an expression"),
                        "give each metric its stat in `metrics` (\"HTTPCode_Target_5XX_Count:Sum\")",
                    );
                }
                self.expression(expression, &raw.metrics, &at)
            }
            (Some(m), Some(_)) => {
                self.report(
                    m.span(),
                    format!("{at} has both `metric` and `expression`"),
                    "keep one: `metric` with `stat`, or `expression` over `metrics`",
                );
                return None;
            }
            (None, None) => {
                self.report(
                    span,
                    format!("{at} measures nothing"),
                    "add metric = \"TargetResponseTime\" with stat = \"p95\", or expression = \"errors / requests\" with metrics",
                );
                return None;
            }
        };
        let max = raw
            .max
            .as_ref()
            .and_then(|t| self.threshold(t, &at, "max", &query));
        let min = raw
            .min
            .as_ref()
            .and_then(|t| self.threshold(t, &at, "min", &query));
        if raw.max.is_none() && raw.min.is_none() && raw.max_vs_stable.is_none() {
            self.report(
                span,
                format!("{at} has no limit"),
                "add max = \"300ms\" (or min = \"99.9%\", or max_vs_stable = 1.2)",
            );
        }
        let max_vs_stable = match &raw.max_vs_stable {
            Some(r) if *r.as_ref() >= 1.0 && r.as_ref().is_finite() => Some(*r.as_ref()),
            Some(r) => {
                self.report(
                    r.span(),
                    format!("{at}.max_vs_stable = {} is below 1", r.as_ref()),
                    "give the multiple of the stable version's value the new one may reach, 1 or more (1.2: at most 20 % worse)",
                );
                None
            }
            None => None,
        };
        (self.problems.len() == problems_before).then(|| Check {
            name: name.as_ref().clone(),
            query,
            max,
            min,
            max_vs_stable,
        })
    }

    fn stat(&mut self, stat: &Spanned<String>, at: &str) {
        if !is_stat(stat.as_ref()) {
            self.report(
                stat.span(),
                format!("{at}: `{}` is not a CloudWatch statistic", stat.as_ref()),
                "use Sum, Average, Minimum, Maximum, SampleCount or a percentile such as p95, p99, p99.9",
            );
        }
    }

    fn metric_name(&mut self, metric: &Spanned<String>, at: &str) {
        if metric_unit_kind(metric.as_ref()).is_none() {
            self.report(
                metric.span(),
                format!(
                    "{at}: `{}` is not a load balancer target group metric",
                    metric.as_ref()
                ),
                format!("use one of {}", TARGET_GROUP_METRICS.join(", ")),
            );
        }
    }

    fn expression(
        &mut self,
        expression: &Spanned<String>,
        metrics: &BTreeMap<Spanned<String>, Spanned<String>>,
        at: &str,
    ) -> CheckQuery {
        let mut resolved = BTreeMap::new();
        for (id, value) in metrics {
            if !is_metric_id(id.as_ref()) {
                self.report(
                    id.span(),
                    format!("{at}: `{}` is not a metric math id", id.as_ref()),
                    "start the id with a lower-case letter, then letters, digits or _ (e.g. errors)",
                );
            }
            let (metric, stat) = value
                .as_ref()
                .split_once(':')
                .map(|(m, s)| (m.trim(), s.trim()))
                .unwrap_or((value.as_ref().trim(), "Sum"));
            let metric_at = Spanned::new(value.span(), metric.to_string());
            self.metric_name(&metric_at, at);
            self.stat(&Spanned::new(value.span(), stat.to_string()), at);
            resolved.insert(
                id.as_ref().clone(),
                MetricStat {
                    metric: metric.into(),
                    stat: stat.into(),
                },
            );
        }
        let ids = expression_ids(expression.as_ref());
        if ids.is_empty() {
            self.report(
                expression.span(),
                format!("{at}: the expression refers to no metric"),
                "use the ids of `metrics`, e.g. expression = \"errors / requests\"",
            );
        }
        for (_, id) in ids {
            if !resolved.contains_key(id) {
                self.report(
                    expression.span(),
                    format!("{at}: the expression uses `{id}`, which `metrics` does not name"),
                    format!("add {id} = \"METRIC:STAT\" to metrics, or correct the id"),
                );
            }
        }
        CheckQuery::Expression {
            expression: expression.as_ref().clone(),
            metrics: resolved,
        }
    }

    fn threshold(
        &mut self,
        text: &Spanned<String>,
        at: &str,
        which: &str,
        query: &CheckQuery,
    ) -> Option<Threshold> {
        let threshold = match Threshold::parse(text.as_ref()) {
            Ok(t) => t,
            Err(why) => {
                self.report(
                    text.span(),
                    format!("{at}.{which}: {why}"),
                    "write the number with its unit: \"300ms\", \"0.5s\", \"0.1%\" or \"20 count\"",
                );
                return None;
            }
        };
        if let CheckQuery::Metric(m) = query {
            let fits = match metric_unit_kind(&m.metric) {
                Some("time") => matches!(threshold.unit, Unit::Milliseconds | Unit::Seconds),
                Some(_) => threshold.unit == Unit::Count,
                None => true,
            };
            if !fits {
                let want = if m.metric == "TargetResponseTime" {
                    "a time (\"300ms\", \"0.5s\")"
                } else {
                    "a count (\"20 count\"); for a share of requests, write an expression over RequestCount"
                };
                self.report(
                    text.span(),
                    format!(
                        "{at}.{which} = \"{}\" does not fit {}",
                        text.as_ref(),
                        m.metric
                    ),
                    format!("give {want}"),
                );
                return None;
            }
        }
        Some(threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_carry_their_unit() {
        assert_eq!(Threshold::parse("300ms").unwrap().value, 0.3);
        assert_eq!(Threshold::parse("0.1%").unwrap().value, 0.001);
        assert_eq!(Threshold::parse("20 count").unwrap().value, 20.0);
        assert!(Threshold::parse("300").unwrap_err().contains("no unit"));
        assert!(Threshold::parse("3 parsecs").is_err());
        assert_eq!(Unit::Milliseconds.show(0.4125), "412.5 ms");
        assert_eq!(Unit::Percent.show(0.0025), "0.25%");
    }

    #[test]
    fn statistics_are_cloudwatch_names() {
        for ok in ["p95", "p99.9", "p100", "Sum", "SampleCount"] {
            assert!(is_stat(ok), "{ok}");
        }
        for bad in ["P95", "p101", "p99.", "sum", "avg", "p"] {
            assert!(!is_stat(bad), "{bad}");
        }
    }

    #[test]
    fn expression_ids_skip_functions_numbers_and_strings() {
        let ids: Vec<&str> =
            expression_ids("FILL(errors, 0) / requests * 100 + 1e-3 + IF(x > 2, 'a b', y)")
                .into_iter()
                .map(|(_, id)| id)
                .collect();
        assert_eq!(ids, vec!["errors", "requests", "x", "y"]);
    }
}
