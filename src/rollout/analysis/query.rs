//! One measurement as GetMetricData queries: every check on the new (green) target group, the
//! checks compared with the stable version also on the blue one, and the green group's request
//! count for the minimum. Pure: building the queries and reading the answer are tested apart from
//! AWS.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricDataResult, MetricStat};

use crate::config::{self, Analysis, CheckQuery};

pub const NAMESPACE: &str = "AWS/ApplicationELB";
/// The id of the green target group's request count.
pub const REQUESTS_ID: &str = "requests_green";

/// The CloudWatch dimensions of a target group behind its load balancer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TargetGroupDims {
    /// `targetgroup/NAME/ID`
    pub target_group: String,
    /// `app/NAME/ID`
    pub load_balancer: String,
}

impl TargetGroupDims {
    fn dimensions(&self) -> [Dimension; 2] {
        [
            Dimension::builder()
                .name("TargetGroup")
                .value(&self.target_group)
                .build(),
            Dimension::builder()
                .name("LoadBalancer")
                .value(&self.load_balancer)
                .build(),
        ]
    }
}

/// The time window of a measurement taken at `now`: whole minutes ending at the last minute
/// boundary, as long as `interval` (at least one minute).
pub fn window(now: SystemTime, interval: Duration) -> (SystemTime, SystemTime, i32) {
    let secs = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let end = UNIX_EPOCH + Duration::from_secs(secs - secs % 60);
    let minutes = interval.as_secs().div_ceil(60).max(1);
    let period = (minutes * 60) as i32;
    (end - Duration::from_secs(minutes * 60), end, period)
}

/// The id of check `index`'s value on one side (`g` green, `b` blue).
pub fn check_id(index: usize, side: char) -> String {
    format!("c{index}{side}")
}

/// The queries of one measurement.
pub fn queries(
    analysis: &Analysis,
    green: &TargetGroupDims,
    blue: &TargetGroupDims,
    period: i32,
) -> Vec<MetricDataQuery> {
    let mut out = Vec::new();
    for (index, check) in analysis.checks.iter().enumerate() {
        out.extend(side_queries(check, index, 'g', green, period));
        if check.max_vs_stable.is_some() {
            out.extend(side_queries(check, index, 'b', blue, period));
        }
    }
    if analysis.min_requests > 0 {
        out.push(stat_query(
            REQUESTS_ID,
            &config::MetricStat {
                metric: "RequestCount".into(),
                stat: "Sum".into(),
            },
            green,
            period,
            true,
        ));
    }
    out
}

fn side_queries(
    check: &config::Check,
    index: usize,
    side: char,
    dims: &TargetGroupDims,
    period: i32,
) -> Vec<MetricDataQuery> {
    let id = check_id(index, side);
    match &check.query {
        CheckQuery::Metric(m) => vec![stat_query(&id, m, dims, period, true)],
        CheckQuery::Expression {
            expression,
            metrics,
        } => {
            let prefix = format!("{id}_");
            let mut out: Vec<MetricDataQuery> = metrics
                .iter()
                .map(|(name, m)| stat_query(&format!("{prefix}{name}"), m, dims, period, false))
                .collect();
            out.push(
                MetricDataQuery::builder()
                    .id(&id)
                    .expression(prefixed(expression, &prefix, metrics))
                    .return_data(true)
                    .build(),
            );
            out
        }
    }
}

fn stat_query(
    id: &str,
    m: &config::MetricStat,
    dims: &TargetGroupDims,
    period: i32,
    returned: bool,
) -> MetricDataQuery {
    let [tg, lb] = dims.dimensions();
    let metric = Metric::builder()
        .namespace(NAMESPACE)
        .metric_name(&m.metric)
        .dimensions(tg)
        .dimensions(lb)
        .build();
    MetricDataQuery::builder()
        .id(id)
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(period)
                .stat(&m.stat)
                .build(),
        )
        .return_data(returned)
        .build()
}

/// `expression` with each of the check's metric ids given `prefix`, so that the checks and the
/// two sides of one request do not share ids.
pub fn prefixed<T>(expression: &str, prefix: &str, metrics: &BTreeMap<String, T>) -> String {
    let mut out = expression.to_string();
    for (range, id) in config::expression_ids(expression).into_iter().rev() {
        if metrics.contains_key(id) {
            out.replace_range(range, &format!("{prefix}{id}"));
        }
    }
    out
}

/// The newest value of each returned query (CloudWatch answers newest first).
pub fn newest_values(results: &[MetricDataResult]) -> BTreeMap<String, f64> {
    results
        .iter()
        .filter_map(|r| {
            let id = r.id()?.to_string();
            let newest = r
                .timestamps()
                .iter()
                .zip(r.values())
                .max_by(|(a, _), (b, _)| a.secs().cmp(&b.secs()))
                .map(|(_, v)| *v)?;
            Some((id, newest))
        })
        .collect()
}

pub fn to_datetime(t: SystemTime) -> DateTime {
    DateTime::from(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_where_they_are_metrics() {
        let metrics = BTreeMap::from([("errors".to_string(), ()), ("requests".to_string(), ())]);
        assert_eq!(
            prefixed("FILL(errors, 0) / requests * 100", "c0g_", &metrics),
            "FILL(c0g_errors, 0) / c0g_requests * 100"
        );
    }

    #[test]
    fn the_window_is_whole_minutes_before_now() {
        let now = UNIX_EPOCH + Duration::from_secs(3_600 + 125);
        let (start, end, period) = window(now, Duration::from_secs(90));
        assert_eq!(end, UNIX_EPOCH + Duration::from_secs(3_600 + 120));
        assert_eq!(start, UNIX_EPOCH + Duration::from_secs(3_600));
        assert_eq!(period, 120);
        // Shorter than a minute (tests): one minute.
        assert_eq!(window(now, Duration::from_secs(1)).2, 60);
    }
}
