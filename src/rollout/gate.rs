//! Gates: a rollout waiting for a person. Each open gate is an SSM parameter (a JSON document)
//! under `/platform-deploy/<project>/gates/`, in the region of what waits: the rollout writes it
//! `waiting`, `platform-deploy promote` or `abort` (another process, a workflow_dispatch run,
//! a laptop) overwrites it with the decision, who and why, and the rollout acts on it at its next
//! poll and deletes it. The record in AWS is what both sides share; the deployment controller
//! holds the traffic meanwhile.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_ssm::types::ParameterType;
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::aws::{AwsError, RegionClients};
use crate::config::GatePoint;

/// What a gate says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GateState {
    Waiting,
    Promote,
    Abort,
}

/// The document kept in a gate's parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateDoc {
    pub state: GateState,
    pub point: GatePoint,
    /// `us-east-1/api`, or `wave 2 (eu-west-1)`.
    pub scope: String,
    /// The image being released.
    pub release: String,
    /// Seconds since the epoch.
    pub opened_at: u64,
    pub timeout_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl GateDoc {
    pub fn waiting(point: GatePoint, scope: &str, release: &str, timeout: Duration) -> Self {
        let now = epoch_now();
        GateDoc {
            state: GateState::Waiting,
            point,
            scope: scope.to_string(),
            release: release.to_string(),
            opened_at: now,
            timeout_at: now + timeout.as_secs(),
            decided_by: None,
            reason: None,
        }
    }

    /// `by alice: looks good`.
    pub fn attribution(&self) -> String {
        let mut s = format!("by {}", self.decided_by.as_deref().unwrap_or("unknown"));
        if let Some(r) = &self.reason {
            s.push_str(&format!(": {r}"));
        }
        s
    }
}

pub fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// A gate's parameter: `<path>/<region>/<service>/<point>`, or `<path>/waves/<n>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gate {
    pub region: String,
    pub name: String,
}

impl Gate {
    pub fn of_service(path: &str, region: &str, service: &str, point: GatePoint) -> Self {
        Gate {
            region: region.to_string(),
            name: format!("{path}/{region}/{service}/{point}"),
        }
    }

    /// The gate before wave `number` (1-based), kept in `region` (the wave's first).
    pub fn of_wave(path: &str, region: &str, number: usize) -> Self {
        Gate {
            region: region.to_string(),
            name: format!("{path}/waves/{number}"),
        }
    }

    pub async fn open(&self, ssm: &aws_sdk_ssm::Client, doc: &GateDoc) -> Result<(), AwsError> {
        self.put(ssm, doc).await
    }

    async fn put(&self, ssm: &aws_sdk_ssm::Client, doc: &GateDoc) -> Result<(), AwsError> {
        ssm.put_parameter()
            .name(&self.name)
            .value(serde_json::to_string(doc).expect("a gate document serialises"))
            .r#type(ParameterType::String)
            .overwrite(true)
            .description("platform-deploy: a rollout waiting for promote or abort")
            .send()
            .await
            .map_err(|e| AwsError::new(&self.region, "SSM PutParameter", e))?;
        Ok(())
    }

    /// The gate's document; `None` when there is none (closed, or never opened).
    pub async fn read(&self, ssm: &aws_sdk_ssm::Client) -> Result<Option<GateDoc>, AwsError> {
        match ssm.get_parameter().name(&self.name).send().await {
            Ok(out) => Ok(out
                .parameter()
                .and_then(|p| p.value())
                .and_then(|v| serde_json::from_str(v).ok())),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_parameter_not_found()) =>
            {
                Ok(None)
            }
            Err(e) => Err(AwsError::new(&self.region, "SSM GetParameter", e)),
        }
    }

    /// The decision written into the gate (promote or abort); `None` while it waits.
    pub async fn decision(&self, ssm: &aws_sdk_ssm::Client) -> Result<Option<GateDoc>, AwsError> {
        Ok(self
            .read(ssm)
            .await?
            .filter(|doc| doc.state != GateState::Waiting))
    }

    /// Deletes the gate (it is answered, or the rollout ended); a gate already gone is fine.
    pub async fn close(&self, ssm: &aws_sdk_ssm::Client) -> Result<(), AwsError> {
        match ssm.delete_parameter().name(&self.name).send().await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_parameter_not_found()) =>
            {
                Ok(())
            }
            Err(e) => Err(AwsError::new(&self.region, "SSM DeleteParameter", e)),
        }
    }

    /// Writes a decision into a waiting gate.
    pub async fn decide(
        &self,
        ssm: &aws_sdk_ssm::Client,
        waiting: &GateDoc,
        state: GateState,
        by: &str,
        reason: &str,
    ) -> Result<GateDoc, AwsError> {
        let doc = GateDoc {
            state,
            decided_by: Some(by.to_string()),
            reason: Some(reason.to_string()),
            ..waiting.clone()
        };
        self.put(ssm, &doc).await?;
        Ok(doc)
    }
}

/// The gates waiting for a decision in `regions` under `path`; the regions whose gates could not
/// be read are in the second list.
pub async fn waiting(
    clients: &BTreeMap<String, RegionClients>,
    regions: &[String],
    path: &str,
) -> (Vec<(Gate, GateDoc)>, Vec<AwsError>) {
    let mut gates = Vec::new();
    let mut unread = Vec::new();
    for region in regions {
        let Some(c) = clients.get(region) else {
            continue;
        };
        match list(&c.ssm, region, path).await {
            Ok(found) => gates.extend(
                found
                    .into_iter()
                    .filter(|(_, doc)| doc.state == GateState::Waiting),
            ),
            Err(e) => unread.push(e),
        }
    }
    (gates, unread)
}

/// Every gate kept in `region` under `path`, with its document.
pub async fn list(
    ssm: &aws_sdk_ssm::Client,
    region: &str,
    path: &str,
) -> Result<Vec<(Gate, GateDoc)>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = ssm
            .get_parameters_by_path()
            .path(path)
            .recursive(true)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| AwsError::new(region, "SSM GetParametersByPath", e))?;
        for p in page.parameters() {
            let (Some(name), Some(value)) = (p.name(), p.value()) else {
                continue;
            };
            if let Ok(doc) = serde_json::from_str::<GateDoc>(value) {
                out.push((
                    Gate {
                        region: region.to_string(),
                        name: name.to_string(),
                    },
                    doc,
                ));
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_names_say_where_and_at_which_point() {
        let path = "/platform-deploy/shop/gates";
        assert_eq!(
            Gate::of_service(path, "us-east-1", "api", GatePoint::BeforeTraffic).name,
            "/platform-deploy/shop/gates/us-east-1/api/before-traffic"
        );
        assert_eq!(
            Gate::of_wave(path, "eu-west-1", 2).name,
            "/platform-deploy/shop/gates/waves/2"
        );
    }

    #[test]
    fn a_decision_keeps_the_waiting_gates_facts() {
        let waiting = GateDoc::waiting(
            GatePoint::AfterTraffic,
            "us-east-1/api",
            "shop/api@sha256:abc",
            Duration::from_secs(600),
        );
        assert_eq!(waiting.timeout_at - waiting.opened_at, 600);
        let json = serde_json::to_string(&waiting).unwrap();
        assert!(
            json.contains(r#""state":"waiting","point":"after-traffic""#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<GateDoc>(&json).unwrap(), waiting);
    }
}
