//! DR on the bundled stacks the e2e deployed, run as the bundled apply role (as failover.yml runs it):
//! a drill that sends nothing that changes anything; a switchover to eu-west-1 with us-east-1
//! healthy (the writer switched without data loss, eu-west-1 active at full count with its NAT
//! gateways, the edge preferring it in CloudFront and Route53, `status` showing it active) and
//! `--back`; then us-east-1 taken down: refused without `--allow-data-loss`, promoted with it,
//! interrupted once the database is promoted and resumed without repeating a step.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::support::failover::{self as calls, count, detail, mutations, steps};
use crate::support::{aws, output::json};

const PRIMARY: &str = "us-east-1";
const DR: &str = "eu-west-1";

/// The deployed copy of the example and its stand-in.
pub struct Deployed<'a> {
    pub dir: &'a Path,
    /// The AWS stand-in's URL.
    pub aws: &'a str,
    /// `platform-deploy --output json <args>` as the apply role, in `dir`, assuming the role in
    /// the given region's STS.
    pub as_apply_role: &'a dyn Fn(&str, &[&str]) -> Command,
    /// An output of a stack, read from its state as the account.
    pub stack_output: &'a dyn Fn(&str, &str) -> Value,
    /// A stack's state as the account reads it (`terraform state pull`).
    pub stack_state: &'a dyn Fn(&str) -> Value,
}

impl Deployed<'_> {
    fn addr(&self) -> &str {
        self.aws.trim_start_matches("http://")
    }

    fn failover(&self, sts_region: &str, args: &[&str]) -> Output {
        let mut cmd = (self.as_apply_role)(
            sts_region,
            &[&["failover", "--timeout", "5m"], args].concat(),
        );
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.output().unwrap()
    }
}

fn assert_exit(out: &Output, code: i32, what: &str) -> Value {
    let result = json(out);
    let took: Vec<String> = result["data"]["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let took = s["seconds"]
                .as_u64()
                .map_or("-".into(), |n| format!("{n}s"));
            format!("{} {took}", s["id"].as_str().unwrap_or("?"))
        })
        .collect();
    eprintln!("failover e2e: {what}: {}", took.join(", "));
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: {result:#}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    result
}

fn all_done(result: &Value) -> Vec<(String, String)> {
    let statuses = steps(result);
    assert!(
        statuses
            .iter()
            .all(|(_, s)| s == "done" || s == "done-earlier"),
        "{statuses:?}"
    );
    statuses
}

/// Which region's cluster writes for the global database.
async fn writer_region(url: &str) -> String {
    let rds = aws_sdk_rds::Client::new(&aws::stand_in(url, DR).load().await);
    let clusters = rds.describe_global_clusters().send().await.unwrap();
    let members = clusters.global_clusters()[0].global_cluster_members();
    let writer = members
        .iter()
        .find(|m| m.is_writer() == Some(true))
        .unwrap_or_else(|| panic!("no writer: {members:?}"));
    let arn = writer.db_cluster_arn().unwrap();
    arn.split(':').nth(3).unwrap().to_string()
}

async fn traffic_role(url: &str) -> String {
    let ssm = aws_sdk_ssm::Client::new(&aws::stand_in(url, DR).load().await);
    let param = ssm
        .get_parameter()
        .name("/platform/traffic-role")
        .send()
        .await
        .unwrap();
    param.parameter().unwrap().value().unwrap().to_string()
}

/// Desired tasks of every service in `region`'s cluster.
async fn desired_counts(url: &str, region: &str) -> Vec<i32> {
    let ecs = aws_sdk_ecs::Client::new(&aws::stand_in(url, region).load().await);
    let cluster = "platform";
    let arns = ecs.list_services().cluster(cluster).send().await.unwrap();
    let services = ecs
        .describe_services()
        .cluster(cluster)
        .set_services(Some(arns.service_arns().to_vec()))
        .send()
        .await
        .unwrap();
    services
        .services()
        .iter()
        .map(|s| s.desired_count())
        .collect()
}

/// How many NAT gateways the DR stack's state holds.
fn nat_gateways(d: &Deployed<'_>) -> usize {
    let state = (d.stack_state)(DR);
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "aws_nat_gateway" && r["mode"] == "managed")
        .map(|r| r["instances"].as_array().map_or(0, Vec::len))
        .sum()
}

/// The edge as the stand-in serves it: CloudFront's preferred origin and the region behind
/// Route53's PRIMARY failover record.
async fn edge_prefers(d: &Deployed<'_>, region: &str) {
    assert_eq!((d.stack_output)("global", "preferred_region"), region);
    let hosts = (d.stack_output)("global", "origin_hostnames");
    let distribution = (d.stack_output)("global", "cloudfront_distribution_id");
    let path = format!(
        "/2020-05-31/distribution/{}/config",
        distribution.as_str().unwrap()
    );
    // CloudFront's REST API, as the account (the stand-in routes on the service the signature names).
    let auth = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cloudfront/aws4_request, SignedHeaders=host, Signature=0";
    let (status, config) =
        crate::support::http::get_with(d.addr(), &path, &[("Authorization", auth)]).unwrap();
    assert_eq!(status, 200, "{config}");
    let primary_origin = format!(
        "<Id>primary</Id><DomainName>{}</DomainName>",
        hosts["regional"][region].as_str().unwrap()
    );
    assert!(
        config.contains(&primary_origin),
        "CloudFront's origin group prefers {region}: {config}"
    );
    let route53 = aws_sdk_route53::Client::new(&aws::stand_in(d.aws, PRIMARY).load().await);
    let zone = (d.stack_output)("global", "route53_zone_id");
    let records = route53
        .list_resource_record_sets()
        .hosted_zone_id(zone.as_str().unwrap())
        .send()
        .await
        .unwrap();
    let primary = records
        .resource_record_sets()
        .iter()
        .find(|r| {
            r.name().starts_with(hosts["failover"].as_str().unwrap())
                && r.failover().map(|f| f.as_str()) == Some("PRIMARY")
        })
        .expect("the failover record");
    assert_eq!(
        primary.set_identifier(),
        Some(format!("{region}-primary").as_str()),
        "{primary:?}"
    );
}

pub async fn rehearse_switch_over_return_and_outlive_the_primary(d: &Deployed<'_>) {
    let started = std::time::Instant::now();
    let lap = |what: &str| eprintln!("failover e2e: {what} after {:?}", started.elapsed());
    let full_count = desired_counts(d.aws, PRIMARY).await;
    assert!(full_count.iter().all(|&n| n > 0), "{full_count:?}");
    assert_eq!(desired_counts(d.aws, DR).await, vec![0; full_count.len()]);

    // 1. A drill: every step planned with its expected duration, nothing that changes anything sent.
    calls::reset_calls(d.addr());
    let drill = assert_exit(&d.failover(PRIMARY, &["--to", DR, "--drill"]), 0, "drill");
    let changed = mutations(d.addr());
    assert!(changed.is_empty(), "a drill changed something: {changed:?}");
    for step in drill["data"]["steps"].as_array().unwrap() {
        assert!(step["expected_seconds"].is_u64(), "{step:#}");
    }
    let ids: Vec<String> = steps(&drill).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        ids,
        [
            "promote-database",
            "mark-active",
            "apply-dr",
            "apply-primary",
            "wait-serving",
            "apply-edge"
        ]
    );

    lap("drill");

    // 2. us-east-1 healthy: a switchover without data loss, eu-west-1 active and serving, the edge
    //    preferring it; `status` says so; `--back` returns.
    let to = assert_exit(&d.failover(PRIMARY, &["--to", DR]), 0, "failover --to");
    all_done(&to);
    assert!(
        detail(&to, "promote-database").contains("no data loss"),
        "{to:#}"
    );
    assert_eq!(writer_region(d.aws).await, DR);
    assert_eq!(traffic_role(d.aws).await, "active");
    assert_eq!(desired_counts(d.aws, DR).await, full_count, "full count");
    assert!(nat_gateways(d) > 0, "the DR region gets its NAT gateways");
    edge_prefers(d, DR).await;
    let mut status = (d.as_apply_role)(PRIMARY, &["status"]);
    let out = status.output().unwrap();
    let shown = json(&out);
    let roles: Vec<(String, String)> = shown["data"]["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["region"].as_str().unwrap().to_string(),
                s["traffic_role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        roles.contains(&(DR.into(), "active".into())) && !roles.iter().any(|(_, r)| r == "standby"),
        "status shows eu-west-1 active: {roles:?}"
    );

    lap("switchover");
    let back = assert_exit(&d.failover(PRIMARY, &["--back"]), 0, "failover --back");
    all_done(&back);
    assert_eq!(writer_region(d.aws).await, PRIMARY);
    assert_eq!(traffic_role(d.aws).await, "standby");
    assert_eq!(desired_counts(d.aws, DR).await, vec![0; full_count.len()]);
    assert_eq!(nat_gateways(d), 0, "standby again: no NAT gateways");
    edge_prefers(d, PRIMARY).await;

    lap("back");

    // 3. us-east-1 down. The role is assumed in eu-west-1 (its STS answers). Without consent to lose
    //    the writes not yet replicated: exit 8, nothing changed.
    calls::region(d.addr(), PRIMARY, "down");
    calls::reset_calls(d.addr());
    let outage = ["--to", DR, "--primary-down"];
    let refused = d.failover(DR, &outage);
    assert_exit(&refused, 8, "without --allow-data-loss");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("rerun with --allow-data-loss"), "{stderr}");
    let changed = mutations(d.addr());
    assert!(
        changed.is_empty(),
        "a refusal changed something: {changed:?}"
    );

    // 4. With consent, interrupted (SIGINT) once the database is promoted, then run again: it
    //    resumes at the step it was on and repeats none before it.
    let consent = [&outage[..], &["--allow-data-loss"]].concat();
    let mut child = (d.as_apply_role)(
        DR,
        &[&["failover", "--timeout", "5m"], &consent[..]].concat(),
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let checklist = d.dir.join(".platform-deploy/failover.json");
    calls::wait_for_step(&checklist, "promote-database", &mut child);
    let interrupted = assert_exit(&calls::interrupt(&mut child), 7, "interrupted");
    let hint = "rerun `platform-deploy failover --to eu-west-1 --primary-down --allow-data-loss`";
    assert!(
        interrupted["message"].as_str().unwrap().contains(hint),
        "the run says how to continue: {interrupted:#}"
    );
    lap("interrupted");
    let serial_before = (d.stack_state)(DR)["serial"].as_u64().unwrap();

    let out = d.failover(DR, &consent);
    let resumed = assert_exit(&out, 0, "the resumed failover");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("reading the outputs from the replica s3://shop-terraform-state-eu-west-1"),
        "us-east-1's stack read from its state's replica: {log}"
    );
    let statuses = all_done(&resumed);
    assert_eq!(
        statuses[0],
        ("promote-database".into(), "done-earlier".into()),
        "{resumed:#}"
    );
    assert_eq!(statuses.last().unwrap().0, "confirm-edge", "{statuses:?}");
    assert!(
        detail(&resumed, "confirm-edge").contains("Route53 routes around us-east-1"),
        "{resumed:#}"
    );
    assert_eq!(
        count(d.addr(), "RemoveFromGlobalCluster"),
        1,
        "promoted once"
    );
    assert!(
        (d.stack_state)(DR)["serial"].as_u64().unwrap() > serial_before,
        "the DR stack applied on the resumed run"
    );
    assert_eq!(traffic_role(d.aws).await, "active");
    assert_eq!(desired_counts(d.aws, DR).await, full_count);
    lap("resumed");
}
