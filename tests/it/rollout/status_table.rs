//! `status` on simulated regions (aws-smithy-mocks, paused clock): the exact text table for a
//! service mid-deployment next to a DR standby, and the JSON behind it.

use std::collections::BTreeMap;
use std::time::Duration;

use platform_deploy::rollout::status;
use tokio::time::Instant;

use super::sim::*;

const BAD_HEX: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const OLD_HEX: &str = "1111111111111111111111111111111111111111111111111111111111111111";

fn behaviour() -> Behaviour {
    Behaviour {
        live_revision: 41,
        revisions: BTreeMap::from([
            (40, (Some(OLD_HEX.to_string()), "a".repeat(40))),
            (41, (Some(BAD_HEX.to_string()), "b".repeat(40))),
        ]),
        history: vec![
            (
                "d-OLD".into(),
                40,
                "platform-deploy: sha256:111111111111 at aaaaaaaaaaaa".into(),
            ),
            (
                "d-BAD".into(),
                41,
                "platform-deploy: sha256:222222222222 at bbbbbbbbbbbb".into(),
            ),
        ],
        ..Behaviour::default()
    }
}

#[tokio::test(start_paused = true)]
async fn status_shows_a_service_mid_deployment_and_a_dr_standby_as_a_compact_table() {
    let probe = Sim::new("us-east-1", Behaviour::default());
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            in_flight: vec![probe.main_id()],
            ..behaviour()
        },
    );
    let euw1 = Sim::new(
        "eu-west-1",
        Behaviour {
            is_dr: true,
            desired_count: 0,
            image_present: false,
            ..behaviour()
        },
    );
    // The deployment started 40 s ago: the canary (10 %) is live, AllowTraffic is running.
    use1.state.lock().unwrap().created_at = Some(Instant::now());
    tokio::time::advance(Duration::from_secs(40)).await;

    let (targets, clients) = world(&[&use1, &euw1]);
    let regions = vec!["us-east-1".to_string(), "eu-west-1".to_string()];
    let report = status::gather(&regions, &["api".to_string()], &targets, &clients, 5)
        .await
        .unwrap();
    let text = report.render_text();
    let expected = "\
REGION     ROLE     SERVICE  LIVE         DIGEST               GIT SHA       TASKS        DEPLOYMENT                                        ALARMS           REPLICATED
us-east-1  primary  api      shop-api:41  sha256:222222222222  bbbbbbbbbbbb  3/3          d-USEAST10001 InProgress 10% new at AllowTraffic  shop-api-5xx OK  eu-west-1 MISSING, us-east-1 yes
eu-west-1  standby  api      shop-api:41  sha256:222222222222  bbbbbbbbbbbb  standby 0/0  -                                                 shop-api-5xx OK  eu-west-1 MISSING, us-east-1 yes

us-east-1/api last deployments (CodeDeploy):
  d-BAD          Succeeded  shop-api:41    platform-deploy: sha256:222222222222 at bbbbbbbbbbbb
  d-OLD          Succeeded  shop-api:40    platform-deploy: sha256:111111111111 at aaaaaaaaaaaa

eu-west-1/api last deployments (CodeDeploy):
  d-BAD          Succeeded  shop-api:41    platform-deploy: sha256:222222222222 at bbbbbbbbbbbb
  d-OLD          Succeeded  shop-api:40    platform-deploy: sha256:111111111111 at aaaaaaaaaaaa
";
    assert_eq!(text, expected, "\n{text}");

    let json = serde_json::to_value(&report).unwrap();
    let s = &json["services"][0];
    assert_eq!(s["in_flight"]["green_percent"], 10.0);
    assert_eq!(s["in_flight"]["lifecycle_step"], "AllowTraffic");
    assert_eq!(s["live"]["digest"], format!("sha256:{BAD_HEX}"));
    assert_eq!(json["services"][1]["standby"], true);
    assert_eq!(json["services"][1]["replication"]["eu-west-1"], false);
}
