//! CloudWatch alarm states: read by the rollout itself (pre-flight, every poll, the bake between
//! waves) instead of waiting for CodeDeploy's own alarm check.

use std::collections::BTreeSet;

use aws_sdk_cloudwatch::types::{AlarmType, StateValue};
use serde::Serialize;

use crate::aws::AwsError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlarmState {
    pub name: String,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    pub state: String,
    pub reason: String,
}

impl AlarmState {
    pub fn firing(&self) -> bool {
        self.state == StateValue::Alarm.as_str()
    }
}

/// The states of `names` (metric and composite alarms). Names CloudWatch does not know are absent
/// from the result: see [`missing`].
pub async fn describe(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    region: &str,
    names: &[String],
) -> Result<Vec<AlarmState>, AwsError> {
    let mut out = Vec::new();
    // DescribeAlarms takes at most 100 names per call.
    for chunk in names.chunks(100) {
        let mut next: Option<String> = None;
        loop {
            let page = cloudwatch
                .describe_alarms()
                .set_alarm_names(Some(chunk.to_vec()))
                .alarm_types(AlarmType::MetricAlarm)
                .alarm_types(AlarmType::CompositeAlarm)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| AwsError::new(region, "CloudWatch DescribeAlarms", e))?;
            for a in page.metric_alarms() {
                out.push(AlarmState {
                    name: a.alarm_name().unwrap_or_default().to_string(),
                    state: a
                        .state_value()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    reason: a.state_reason().unwrap_or_default().to_string(),
                });
            }
            for a in page.composite_alarms() {
                out.push(AlarmState {
                    name: a.alarm_name().unwrap_or_default().to_string(),
                    state: a
                        .state_value()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    reason: a.state_reason().unwrap_or_default().to_string(),
                });
            }
            match page.next_token() {
                Some(t) if !t.is_empty() => next = Some(t.to_string()),
                _ => break,
            }
        }
    }
    Ok(out)
}

/// The first alarm in ALARM, in the order the names were given.
pub fn first_firing<'a>(names: &[String], states: &'a [AlarmState]) -> Option<&'a AlarmState> {
    names
        .iter()
        .find_map(|n| states.iter().find(|s| &s.name == n && s.firing()))
}

/// The names CloudWatch did not return.
pub fn missing(names: &[String], states: &[AlarmState]) -> Vec<String> {
    let known: BTreeSet<&str> = states.iter().map(|s| s.name.as_str()).collect();
    names
        .iter()
        .filter(|n| !known.contains(n.as_str()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str, state: &str) -> AlarmState {
        AlarmState {
            name: name.into(),
            state: state.into(),
            reason: String::new(),
        }
    }

    #[test]
    fn firing_follows_the_given_order_and_ignores_insufficient_data() {
        let names = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let states = vec![
            s("c", "ALARM"),
            s("a", "INSUFFICIENT_DATA"),
            s("b", "ALARM"),
        ];
        assert_eq!(first_firing(&names, &states).unwrap().name, "b");
        assert_eq!(missing(&names, &states[..2]), vec!["b".to_string()]);
        assert!(first_firing(&names, &[s("a", "OK")]).is_none());
    }
}
