//! DR while the primary region is down, on the AWS stand-in (its region-outage control, Aurora global
//! database failover and S3 replication) with small stacks whose state lives in one bucket per region:
//! a drill sends nothing that changes anything; with us-east-1 down, `failover --to eu-west-1
//! --primary-down` refuses without `--allow-data-loss` and changes nothing; with it, it detaches and
//! promotes the DR cluster, sets the traffic role, applies the DR stack (reading the primary's outputs
//! from the state replica), waits for the tasks and confirms Route53 routes around us-east-1 — every
//! step without an answer from us-east-1; a run interrupted (SIGINT) after the promotion resumes at the
//! step it was on and repeats nothing.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::failover::{self as calls, count, mutations, steps};
use crate::support::fs::{copy_dir, fixtures};
use crate::support::output::json;
use crate::support::process::{assert_success as ok, platform_deploy};
use crate::support::stand_ins::{self, AwsOnly};
use crate::support::{aws, sandbox, terraform};

const STATE: &str = "shop-outage-state";

fn aws_env<'a>(cmd: &'a mut Command, aws: &AwsOnly) -> &'a mut Command {
    crate::support::process::remove_env_prefixed(cmd, &["GITHUB_", "PLATFORM_DEPLOY_", "TF_VAR_"]);
    sandbox::aws_env(cmd, &aws.url)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "2")
}

fn tf(dir: &Path, aws: &AwsOnly, args: &[&str]) {
    let out = aws_env(Command::new("terraform").current_dir(dir).args(args), aws)
        .output()
        .unwrap();
    ok(&out, &format!("terraform {} in {}", args[0], dir.display()));
}

fn failover(dir: &Path, aws: &AwsOnly, args: &[&str]) -> Output {
    aws_env(&mut platform_deploy(), aws)
        .current_dir(dir)
        .args([
            "--output",
            "json",
            "failover",
            "--to",
            "eu-west-1",
            "--timeout",
            "2m",
        ])
        .args(args)
        .output()
        .unwrap()
}

/// The Aurora global database: the writer in us-east-1, a secondary in eu-west-1.
async fn global_database(aws: &AwsOnly) -> (String, String) {
    let mut arns = Vec::new();
    for (i, region) in ["us-east-1", "eu-west-1"].into_iter().enumerate() {
        let rds = aws_sdk_rds::Client::new(&aws::stand_in(&aws.url, region).load().await);
        if i == 0 {
            rds.create_global_cluster()
                .global_cluster_identifier("shop-global")
                .engine("aurora-postgresql")
                .engine_version("16.4")
                .send()
                .await
                .unwrap();
        }
        let mut create = rds
            .create_db_cluster()
            .db_cluster_identifier(format!("shop-{region}"))
            .engine("aurora-postgresql")
            .engine_version("16.4")
            .global_cluster_identifier("shop-global");
        if i == 0 {
            create = create
                .master_username("shop")
                .master_user_password("sandbox-only-Passw0rd");
        }
        let cluster = create.send().await.unwrap();
        arns.push(
            cluster
                .db_cluster()
                .unwrap()
                .db_cluster_arn()
                .unwrap()
                .to_string(),
        );
    }
    (arns[0].clone(), arns[1].clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn with_us_east_1_down_the_dr_region_is_promoted_from_state_outside_it_and_a_rerun_resumes() {
    terraform::require_terraform();
    terraform::cli_config();
    let aws = stand_ins::aws_only(&[
        // ECS reports the tasks of every service running (moto starts none).
        ("MOTO_ECS_SERVICE_RUNNING", "2"),
        ("PD_SANDBOX_GLOBAL_FAILOVER_DELAY", "1"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_dir(&fixtures().join("dr-outage"), d);

    // The state buckets, replicated both ways; the global database.
    tf(
        &d.join("state"),
        &aws,
        &["init", "-input=false", "-no-color"],
    );
    tf(
        &d.join("state"),
        &aws,
        &[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-var",
            &format!("prefix={STATE}"),
        ],
    );
    let (primary_arn, dr_arn) = global_database(&aws).await;
    for (stack, arn) in [("us-east-1", &primary_arn), ("eu-west-1", &dr_arn)] {
        std::fs::write(
            d.join(stack).join("db.auto.tfvars"),
            format!("db_cluster_arn = \"{arn}\"\n"),
        )
        .unwrap();
    }
    let platform = std::fs::read_to_string(d.join("platform.toml")).unwrap();
    std::fs::write(
        d.join("platform.toml"),
        platform.replace("STATE-", &format!("{STATE}-")),
    )
    .unwrap();

    // Every stack applied once, each into its region's bucket (the global one into eu-west-1's).
    let deploy = |args: &[&str]| {
        aws_env(&mut platform_deploy(), &aws)
            .current_dir(d)
            .args(args)
            .output()
            .unwrap()
    };
    // The primary first: the DR and edge stacks' reviewed plans take its outputs.
    for stack in [&["--stack", "us-east-1"][..], &[]] {
        ok(
            &deploy(&[&["plan"], stack].concat()),
            "platform-deploy plan",
        );
        ok(
            &deploy(&[&["apply", "--plans", ".platform-deploy/plans"], stack].concat()),
            "platform-deploy apply",
        );
    }

    // 1. A drill: every step checked and planned, nothing that changes anything sent.
    calls::reset_calls(&aws.addr);
    let drill = failover(d, &aws, &["--drill"]);
    let drilled = json(&drill);
    assert_eq!(drill.status.code(), Some(0), "{drilled:#}");
    assert!(
        mutations(&aws.addr).is_empty(),
        "a drill changed something: {:?}",
        mutations(&aws.addr)
    );
    for step in drilled["data"]["steps"].as_array().unwrap() {
        assert!(step["expected_seconds"].is_u64(), "{step:#}");
    }

    // 2. us-east-1 goes down. Without consent to lose writes, nothing changes (exit 8).
    calls::region(&aws.addr, "us-east-1", "down");
    calls::reset_calls(&aws.addr);
    let refused = failover(d, &aws, &["--primary-down"]);
    assert_eq!(refused.status.code(), Some(8), "{:#}", json(&refused));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("rerun with --allow-data-loss"), "{stderr}");
    assert!(
        mutations(&aws.addr).is_empty(),
        "a refusal changed something: {:?}",
        mutations(&aws.addr)
    );

    // 3. With consent, interrupted (SIGINT) once the database step is done…
    let checklist = d.join(".platform-deploy/failover.json");
    let mut child = aws_env(&mut platform_deploy(), &aws)
        .current_dir(d)
        .args([
            "--output",
            "json",
            "failover",
            "--to",
            "eu-west-1",
            "--timeout",
            "2m",
            "--primary-down",
            "--allow-data-loss",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    calls::wait_for_step(&checklist, "promote-database", &mut child);
    let interrupted = calls::interrupt(&mut child);
    assert_eq!(
        interrupted.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&interrupted.stderr)
    );

    // …then run again: it resumes and repeats nothing.
    let resumed = failover(d, &aws, &["--primary-down", "--allow-data-loss"]);
    let done = json(&resumed);
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{done:#}\n{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let statuses = steps(&done);
    assert_eq!(
        statuses[0],
        ("promote-database".into(), "done-earlier".into()),
        "{done:#}"
    );
    assert_eq!(statuses.last().unwrap().0, "confirm-edge");
    assert!(
        statuses
            .iter()
            .all(|(_, s)| s == "done" || s == "done-earlier"),
        "{statuses:?}"
    );
    assert_eq!(
        count(&aws.addr, "RemoveFromGlobalCluster"),
        1,
        "the database was promoted twice"
    );
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(
        stderr.contains("reading the outputs from the replica s3://shop-outage-state-eu-west-1"),
        "{stderr}"
    );
    let edge = &done["data"]["steps"].as_array().unwrap().last().unwrap()["detail"];
    assert!(
        edge.as_str()
            .unwrap()
            .contains("Route53 routes around us-east-1"),
        "{edge}"
    );

    // The DR region serves: its cluster writes on its own, its role is active, its tasks at full count.
    let euw1 = aws::stand_in(&aws.url, "eu-west-1").load().await;
    let rds = aws_sdk_rds::Client::new(&euw1);
    let cluster = rds
        .describe_db_clusters()
        .db_cluster_identifier(&dr_arn)
        .send()
        .await
        .unwrap();
    let cluster = &cluster.db_clusters()[0];
    assert!(
        cluster
            .global_cluster_identifier()
            .is_none_or(str::is_empty),
        "{cluster:?}"
    );
    let ssm = aws_sdk_ssm::Client::new(&euw1);
    let role = ssm
        .get_parameter()
        .name("/shop-eu-west-1/traffic-role")
        .send()
        .await
        .unwrap();
    assert_eq!(role.parameter().unwrap().value(), Some("active"));
    let ecs = aws_sdk_ecs::Client::new(&euw1);
    let service = ecs
        .describe_services()
        .cluster("shop-eu-west-1")
        .services("api")
        .send()
        .await
        .unwrap();
    assert_eq!(service.services()[0].desired_count(), 2);
}
