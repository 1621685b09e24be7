//! The plan comment body, rendered from plan JSON made by the real terraform CLI
//! (tests/fixtures/plan-configs/make-plans.sh) and from generated plans of thousands of resources.

use std::path::PathBuf;

use platform_deploy::github::comment::{
    COMMENT_LIMIT, RenderOptions, StackPlan, Target, load_plan_dir, markdown::github_len,
    render_body,
};
use platform_deploy::terraform::plan_json::{PlanJson, change_set_hash};
use serde_json::{Value, json};

use crate::support;

/// Values the fixture plans carry in sensitive inputs and sensitive provider attributes.
const FIXTURE_SECRETS: &[&str] = &[
    "before-S3cr3t-Value",
    "after-S3cr3t-Value",
    "first-Pa55w0rd-in-state",
    "second-Pa55w0rd-in-plan",
];

/// The real plans of tests/fixtures/plans/mixed.
fn fixtures() -> PathBuf {
    support::fs::fixtures().join("plans/mixed")
}

fn options(target: Target) -> RenderOptions {
    RenderOptions {
        key: "platform.toml".into(),
        head_sha: Some("0123456789abcdef0123456789abcdef01234567".into()),
        run_url: Some("https://github.com/acme/infra/actions/runs/42".into()),
        target,
        limit: None,
    }
}

/// Code fences and `<details>` blocks are balanced, so nothing after them renders as code.
fn assert_well_formed(body: &str) {
    let mut open: Option<usize> = None;
    for line in body.lines() {
        let ticks = line.chars().take_while(|&c| c == '`').count();
        match open {
            None if ticks >= 3 => open = Some(ticks),
            Some(n) if ticks >= n && line.trim_end().chars().all(|c| c == '`') => open = None,
            _ => {}
        }
    }
    assert_eq!(open, None, "a code fence is left open:\n{body}");
    assert_eq!(
        body.matches("<details>").count(),
        body.matches("</details>").count(),
        "unbalanced <details>:\n{body}"
    );
}

/// The body with every `<details>` block removed: what a reviewer sees without clicking.
fn visible(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some(start) = rest.find("<details>") {
        out.push_str(&rest[..start]);
        let end =
            rest[start..].find("</details>").expect("details closed") + start + "</details>".len();
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_fixture_plans_hold_the_secrets_this_file_checks_for() {
    // Guards the other tests: if a regenerated fixture lost its secrets, absence would prove nothing.
    let all: String = ["app.json", "data.json"]
        .iter()
        .map(|f| std::fs::read_to_string(fixtures().join(f)).unwrap())
        .collect();
    for secret in FIXTURE_SECRETS {
        assert!(all.contains(secret), "fixture lost {secret}");
    }
}

#[test]
fn real_plans_show_every_kind_of_change_with_destroys_in_view() {
    let stacks = load_plan_dir(&fixtures()).unwrap();
    let names: Vec<&str> = stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["app", "data", "quiet"]);
    let rendered = render_body(&stacks, &options(Target::Comment));
    let body = &rendered.body;
    assert!(rendered.is_complete(), "{:?}", rendered.left_out);
    assert_well_formed(body);

    assert!(body.starts_with("<!-- platform-deploy:plan key=platform.toml -->\n"));
    assert!(
        body.contains("## Terraform plan: 2 of 3 stacks change"),
        "{body}"
    );
    assert!(body.contains(
        "**2 to add, 3 to change, 2 to destroy, 3 to replace** · 1 to import · 1 to move · 1 to forget"
    ));
    assert!(body.contains("Commit 0123456789abcdef0123456789abcdef01234567"));

    // Destroys and replacements are never collapsed; stateful ones are called out before the table.
    let shown = visible(body);
    for address in [
        "terraform_data.gone",
        "aws_s3_bucket.logs",
        "terraform_data.replace",
        "aws_dynamodb_table.sessions",
        "aws_secretsmanager_secret_version.db",
    ] {
        assert!(
            shown.contains(&format!("`{address}`")),
            "{address} hidden:\n{shown}"
        );
    }
    let table_at = body.find("| Stack |").unwrap();
    let warning_at = body
        .find("> - `data` destroys `aws_s3_bucket.logs` (S3 bucket)")
        .expect("stateful destroy warning");
    let replace_warning_at = body
        .find("> - `data` replaces `aws_dynamodb_table.sessions` (DynamoDB table)")
        .expect("stateful replace warning");
    assert!(warning_at < table_at && replace_warning_at < table_at);
    assert!(
        !body.contains("`data` replaces `aws_secretsmanager_secret_version.db`"),
        "a secret version is not a stateful resource"
    );

    // The other lists and the attribute diffs sit in a collapsed block.
    for line in [
        "- `terraform_data.created`",
        "- `terraform_data.imported` — id `imported-id`",
        "- `terraform_data.new_name` — from `terraform_data.old_name`",
        "- `terraform_data.forgotten` — removed from the state, not destroyed",
        "- `terraform_data.replace` — `triggers_replace` forces replacement",
        "! input.size: 2 → 3",
        "! input.tags.env: \"dev\" → \"prod\"",
        "! description: \"data key\" → \"data key for sessions\"",
        "+ tags.team: \"platform\"",
        "! hash_key: \"id\" → \"session_id\"  # forces replacement",
        "! output: {\"name\":\"web\",\"size\":2,\"tags\":{\"env\":\"dev\"}} → (known after apply)",
        // Output changes: known, unknown, sensitive.
        "# outputs\n+ db_password: (sensitive)\n! endpoint: \"https://old.example.com\" → \"https://web.example.com\"\n+ replace_id: (known after apply)\n",
    ] {
        assert!(body.contains(line), "missing {line:?}:\n{body}");
    }
    assert!(!shown.contains("! input.size"), "diffs must be collapsed");

    // Sensitive values: marked, echoed unmarked by terraform_data.output, and provider-sensitive.
    assert!(body.contains("! input: (sensitive)\n"));
    assert!(body.contains("! output: (sensitive) → (known after apply)\n"));
    assert!(body.contains("! secret_string: (sensitive)  # forces replacement\n"));
    for secret in FIXTURE_SECRETS {
        assert!(!body.contains(secret), "{secret} leaked:\n{body}");
    }
}

#[test]
fn a_changed_trust_policy_is_a_warning_at_the_top_naming_who_may_assume_the_role() {
    // tests/fixtures/plans/trust: the deploy role's trust policy gains the pull requests' subject.
    let stacks = load_plan_dir(&support::fs::fixtures().join("plans/trust")).unwrap();
    let body = render_body(&stacks, &options(Target::Comment)).body;
    assert_well_formed(&body);
    let warning = body
        .find("**The trust policy of 1 role changes: who may assume it is different.**")
        .unwrap_or_else(|| panic!("no trust warning:\n{body}"));
    let line = body[warning..].lines().nth(1).unwrap();
    assert!(
        line.contains("`identity` `aws_iam_role.deploy`: after the plan `token.actions.githubusercontent.com (sub = repo:acme/infra:ref:refs/heads/main | repo:acme/infra:pull_request)`; now `token.actions.githubusercontent.com (sub = repo:acme/infra:ref:refs/heads/main)`"),
        "{line}"
    );
    assert!(
        warning < body.find("| Stack |").expect("the stacks table"),
        "the warning comes before the stacks:\n{body}"
    );
    assert!(
        !body.contains("aws_iam_role.tasks`: after"),
        "an unchanged trust policy is not a warning:\n{body}"
    );
}

#[test]
fn each_stack_shows_the_change_set_hash_apply_checks_and_summary_json_flags() {
    let stacks = load_plan_dir(&fixtures()).unwrap();
    let body = render_body(&stacks, &options(Target::Comment)).body;
    for stack in &stacks {
        let plan = stack.plan.as_ref().unwrap();
        let hash = change_set_hash(&plan.change_digests());
        let recorded = stack.recorded.as_ref().unwrap().change_set_hash.as_deref();
        assert_eq!(
            recorded,
            Some(hash.as_str()),
            "summary.json of the fixture is stale: run make-plans.sh"
        );
        assert!(
            body.contains(&format!("Change set `{hash}`")),
            "{} hash missing",
            stack.name
        );
    }
    // summary.json marks `data` provisional.
    assert!(
        body.contains(
            "### `data`: 1 to add, 1 to change, 1 to destroy, 2 to replace (provisional)"
        )
    );
    assert!(body.contains("> **Provisional:** `data` was planned against upstream outputs"));
    assert!(body.contains("| `quiet` | 0 | 0 | 0 | 0 | 0 | 0 | 0 | no changes |"));
    assert!(!body.contains("summary.json records change set"));
}

#[test]
fn a_summary_that_disagrees_with_the_plan_files_is_called_out() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["app.json", "quiet.json"] {
        std::fs::copy(fixtures().join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(
        dir.path().join("summary.json"),
        json!({"stacks": {
            "app": {"change_set_hash": "sha256:0000", "provisional": false},
            "ghost": {"counts": {"add": 0, "change": 0, "destroy": 4, "replace": 0, "import": 0, "move": 0, "forget": 0},
                      "change_set_hash": "sha256:1111", "provisional": true}
        }})
        .to_string(),
    )
    .unwrap();
    let stacks = load_plan_dir(dir.path()).unwrap();
    let body = render_body(&stacks, &options(Target::Comment)).body;
    assert!(
        body.contains("summary.json records change set `sha256:0000`"),
        "{body}"
    );
    assert!(body.contains("| `ghost` | 0 | 0 | **4** | 0 |"), "{body}");
    assert!(body.contains("plan JSON missing, provisional"), "{body}");
    assert!(body.contains("`ghost.json` is missing"), "{body}");
}

#[test]
fn stacks_the_run_could_not_plan_are_called_out_at_the_top() {
    // summary.json as `platform-deploy plan` writes it: a failed stack, a skipped one, an offline run.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures().join("app.json"), dir.path().join("app.json")).unwrap();
    // Left over from an earlier run in the same folder: must not be shown as this run's plan.
    std::fs::copy(fixtures().join("data.json"), dir.path().join("global.json")).unwrap();
    // What else the folder holds: apply's summary, a plan of a stack this run did not select.
    std::fs::write(dir.path().join("apply-summary.json"), "{\"stacks\": {}}").unwrap();
    std::fs::copy(fixtures().join("quiet.json"), dir.path().join("quiet.json")).unwrap();
    let app = PlanJson::parse(&std::fs::read(fixtures().join("app.json")).unwrap()).unwrap();
    let (counts, addresses) = app.summary_counts();
    let empty = json!({"add": 0, "change": 0, "destroy": 0, "replace": 0, "import": 0, "move": 0, "forget": 0});
    let not_planned = |status: &str, message: &str| {
        json!({"status": status, "counts": empty, "addresses": {}, "change_set_hash": "", "change_digests": {},
               "provisional": false, "unresolved_inputs": [], "terraform_version": "", "started_at": "",
               "finished_at": "", "message": message})
    };
    std::fs::write(
        dir.path().join("summary.json"),
        json!({"offline": true, "stacks": {
            "app": {"status": "planned", "counts": counts, "addresses": addresses,
                    "change_set_hash": change_set_hash(&app.change_digests()), "change_digests": app.change_digests(),
                    "provisional": true, "unresolved_inputs": ["vpc_id", "alb_arn"], "terraform_version": "1.11.4",
                    "started_at": "2026-11-25T10:00:00Z", "finished_at": "2026-11-25T10:00:09Z"},
            "global": not_planned("failed", "terraform plan exited 1:\nError: Invalid reference\n  on main.tf line 3"),
            "eu-west-1": not_planned("skipped", "upstream stack global failed"),
        }})
        .to_string(),
    )
    .unwrap();
    let stacks = load_plan_dir(dir.path()).unwrap();
    let r = render_body(&stacks, &options(Target::Comment));
    let body = &r.body;
    assert_well_formed(body);
    let table_at = body.find("| Stack |").unwrap();
    let failed_at = body
        .find("> - `global`: the plan failed: `terraform plan exited 1: Error: Invalid reference on main.tf line 3`")
        .expect("failure at the top");
    assert!(failed_at < table_at, "{body}");
    assert!(body.contains("**2 stacks were not planned"), "{body}");
    assert!(body.contains("> - `eu-west-1`: skipped: `upstream stack global failed`"));
    assert!(
        body.contains("| `global` | 0 | 0 | 0 | 0 | 0 | 0 | 0 | plan failed |"),
        "{body}"
    );
    assert!(body.contains("### `global`: plan failed"));
    assert!(
        !body.contains("aws_s3_bucket.logs"),
        "a stale plan file is not this run's plan"
    );
    assert!(body.contains("**Planned offline**"));
    assert!(
        body.contains("Provisional: `vpc_id`, `alb_arn` not known until upstream stacks apply.")
    );
    assert!(!body.contains("summary.json records change set"), "{body}");
}

#[test]
fn at_every_limit_the_body_fits_stays_well_formed_and_keeps_the_headline() {
    let stacks = load_plan_dir(&fixtures()).unwrap();
    let full = render_body(&stacks, &options(Target::Comment));
    let full_len = github_len(&full.body);
    let mut saw = [false; 5];
    for limit in (1_000..=full_len + 100).step_by(97) {
        let mut o = options(Target::Comment);
        o.limit = Some(limit);
        let r = render_body(&stacks, &o);
        assert!(
            github_len(&r.body) <= limit,
            "{} > {limit}",
            github_len(&r.body)
        );
        assert_well_formed(&r.body);
        assert!(r.body.contains("## Terraform plan: 2 of 3 stacks change"));
        assert!(r.body.contains("2 to destroy, 3 to replace**"));
        for secret in FIXTURE_SECRETS {
            assert!(!r.body.contains(secret));
        }
        if limit < full_len {
            assert!(!r.is_complete(), "at {limit} something must be left out");
            assert!(r.body.contains("> Shortened to fit"), "{}", r.body);
            assert!(
                r.body.contains(
                    "[job log of this run](https://github.com/acme/infra/actions/runs/42)"
                )
            );
        }
        // The shrink order: diffs first, then unchanged counts, then lists, then cut destroys.
        let note = r.left_out.join("; ");
        let stage = if note.contains("stack table") {
            4
        } else if note.contains("destroyed addresses") || note.contains("replaced addresses") {
            3
        } else if note.contains("lists of created") {
            2
        } else if note.contains("unchanged-resource") {
            1
        } else {
            0
        };
        saw[stage] = true;
        if (1..4).contains(&stage) {
            assert!(
                note.contains("attribute changes of `app`, `data`"),
                "{note}"
            );
        }
        if (2..4).contains(&stage) {
            assert!(note.contains("unchanged-resource"), "{note}");
        }
        if stage < 3 && limit >= full_len {
            assert!(r.is_complete());
        }
        if stage < 3 {
            let shown = visible(&r.body);
            for address in [
                "terraform_data.gone",
                "aws_s3_bucket.logs",
                "aws_dynamodb_table.sessions",
            ] {
                assert!(
                    shown.contains(&format!("`{address}`")),
                    "{limit}: {address}"
                );
            }
        } else {
            assert!(r.body.contains("see the job log"), "{}", r.body);
        }
    }
    assert!(
        saw.iter().all(|s| *s),
        "every shrink stage is exercised: {saw:?}"
    );
}

#[test]
fn the_bundled_us_east_1_stack_plan_renders_whole_without_its_sensitive_input() {
    // tests/fixtures/plan-configs/make-bundled-plan.sh: terraform/regions/us-east-1 planned offline.
    let dir = support::fs::fixtures().join("plans/bundled");
    let raw = std::fs::read_to_string(dir.join("us-east-1.json")).unwrap();
    let secret = "offline-placeholder-not-a-secret-0000000000";
    assert!(
        raw.contains(secret),
        "the plan carries the sensitive origin_verify_secret input"
    );
    let stacks = load_plan_dir(&dir).unwrap();
    let plan = stacks[0].plan.as_ref().unwrap();
    let created = plan.summary_counts().0.add;
    assert!(created > 100, "{created}");
    let r = render_body(&stacks, &options(Target::Comment));
    assert!(r.is_complete(), "{:?}", r.left_out);
    assert_well_formed(&r.body);
    assert!(!r.body.contains(secret));
    assert!(r.body.contains(&format!(
        "**{created} to add, 0 to change, 0 to destroy, 0 to replace**"
    )));
    for rc in plan.changes() {
        assert!(
            r.body.contains(&format!("- `{}`", rc.address)),
            "{} missing",
            rc.address
        );
    }
    assert!(
        r.body
            .contains("+ deploy_targets.services.api.prod_listener_arn: (known after apply)")
    );
    assert!(r.body.contains("1 data source read"));
}

// ---- generated plans -------------------------------------------------------------------------

fn rc(address: &str, resource_type: &str, actions: &[&str], before: Value, after: Value) -> Value {
    json!({
        "address": address,
        "mode": "managed",
        "type": resource_type,
        "name": address.rsplit('.').next().unwrap(),
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": if actions.contains(&"create") { json!({"arn": true, "id": true}) } else { json!({}) },
            "before_sensitive": if before.is_null() { json!(false) } else { json!({"password": true}) },
            "after_sensitive": if after.is_null() { json!(false) } else { json!({"password": true}) }
        }
    })
}

/// A plan the size of a real platform's: every kind of change, long module addresses, a
/// sensitive `password` on every resource.
fn generated_plan(creates: usize, updates: usize, destroys: usize, replaces: usize) -> PlanJson {
    let mut changes = Vec::new();
    for i in 0..creates {
        changes.push(rc(
            &format!("module.service[\"svc-{:04}\"].aws_iam_role_policy.task", i),
            "aws_iam_role_policy",
            &["create"],
            Value::Null,
            json!({"name": format!("task-{i}"), "policy": "{\"Version\":\"2012-10-17\"}", "password": format!("create-secret-{i:04}-value")}),
        ));
    }
    for i in 0..updates {
        changes.push(rc(
            &format!("module.edge.aws_cloudwatch_metric_alarm.latency[\"route-{:04}\"]", i),
            "aws_cloudwatch_metric_alarm",
            &["update"],
            json!({"threshold": 500, "tags": {"team": "edge", "tier": "gold"}, "password": format!("old-update-secret-{i:04}")}),
            json!({"threshold": 750, "tags": {"team": "edge", "tier": "platinum"}, "password": format!("new-update-secret-{i:04}")}),
        ));
    }
    for i in 0..destroys {
        // A stateful one in every eight.
        let (ty, name) = if i % 8 == 0 {
            ("aws_s3_bucket", "archive")
        } else {
            ("aws_security_group_rule", "ingress")
        };
        changes.push(rc(
            &format!("module.region[\"eu-west-1\"].{ty}.{name}[\"old-{:05}\"]", i),
            ty,
            &["delete"],
            json!({"id": format!("r-{i}"), "password": format!("destroy-secret-{i:05}")}),
            Value::Null,
        ));
    }
    for i in 0..replaces {
        changes.push(rc(
            &format!(
                "module.region[\"eu-west-1\"].aws_db_instance.replica[{}]",
                i
            ),
            "aws_db_instance",
            &["delete", "create"],
            json!({"engine_version": "15.4", "password": format!("replace-secret-{i:04}")}),
            json!({"engine_version": "16.1", "password": format!("replace-secret-{i:04}")}),
        ));
    }
    serde_json::from_value(json!({
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "resource_changes": changes
    }))
    .unwrap()
}

fn listed_destroys(body: &str) -> usize {
    visible(body)
        .lines()
        .filter(|l| l.starts_with("- `module.region[\"eu-west-1\"].aws_s") && l.contains("[\"old-"))
        .count()
}

#[test]
fn a_3000_resource_plan_fits_a_comment_with_every_destroy_listed() {
    let plan = generated_plan(1_500, 1_000, 400, 100);
    assert_eq!(plan.changes().len(), 3_000);
    let stacks = vec![StackPlan::new("eu-west-1", plan)];
    let r = render_body(&stacks, &options(Target::Comment));
    let body = &r.body;
    println!(
        "3,000 changes: {} characters, left out: {:?}",
        github_len(body),
        r.left_out
    );
    assert!(github_len(body) <= COMMENT_LIMIT, "{}", github_len(body));
    assert_well_formed(body);
    assert!(body.contains("**1,500 to add, 1,000 to change, 400 to destroy, 100 to replace**"));
    assert_eq!(
        listed_destroys(body),
        400,
        "every destroy stays listed, uncollapsed"
    );
    let shown = visible(body);
    for i in 0..100 {
        assert!(shown.contains(&format!(
            "`module.region[\"eu-west-1\"].aws_db_instance.replica[{i}]`"
        )));
    }
    // 50 bucket destroys and 100 database replacements are stateful.
    assert!(body.contains("**150 stateful resources will be destroyed or replaced"));
    assert!(body.contains("> Shortened to fit GitHub's 65,536-character comment limit."));
    assert!(body.contains("attribute changes of `eu-west-1`"));
    assert!(!body.contains("secret-0"), "no sensitive value may appear");
}

#[test]
fn within_a_stack_as_many_diffs_and_list_entries_stay_as_fit() {
    // 600 updates with diffs: too many for one comment, but most of them fit.
    let stacks = vec![StackPlan::new("edge", generated_plan(0, 600, 0, 0))];
    let r = render_body(&stacks, &options(Target::Comment));
    assert!(github_len(&r.body) <= COMMENT_LIMIT);
    assert_well_formed(&r.body);
    let shown = r.body.matches(" (update in place)\n").count();
    assert!(shown > 100 && shown < 600, "{shown}");
    assert!(r.body.contains(&format!(
        "# … the attribute changes of {} more resources are left out — see the job log",
        600 - shown
    )));
    assert!(r.left_out.contains(&format!(
        "attribute changes of {} of 600 resources in `edge`",
        600 - shown
    )));
    assert_eq!(
        r.body.matches("- `module.edge.").count(),
        600,
        "the update list is whole"
    );

    // 2,000 creates: the list is cut, not dropped, and says how many are not shown.
    let stacks = vec![StackPlan::new("svc", generated_plan(2_000, 0, 0, 0))];
    let r = render_body(&stacks, &options(Target::Comment));
    assert!(github_len(&r.body) <= COMMENT_LIMIT);
    assert_well_formed(&r.body);
    let listed = r.body.matches("- `module.service[").count();
    assert!(listed > 100 && listed < 2_000, "{listed}");
    assert!(r.body.contains(&format!(
        "- … and {} more — see the job log",
        format_thousands(2_000 - listed)
    )));
    assert!(r.body.contains("**Create (2,000)**"));
    assert!(
        r.left_out.iter().any(|l| l.contains(&format!(
            "of `svc` beyond {} entries each",
            format_thousands(listed)
        ))),
        "{:?}",
        r.left_out
    );
}

#[test]
fn a_destroy_list_longer_than_the_limit_is_cut_with_an_exact_count() {
    let plan = generated_plan(200, 200, 6_000, 0);
    let stacks = vec![StackPlan::new("eu-west-1", plan)];
    let r = render_body(&stacks, &options(Target::Comment));
    let body = &r.body;
    assert!(github_len(body) <= COMMENT_LIMIT);
    assert_well_formed(body);
    let listed = listed_destroys(body);
    assert!(listed > 100 && listed < 6_000, "{listed}");
    assert!(
        body.contains(&format!(
            "- … and {} more destroys — see the job log",
            format_thousands(6_000 - listed)
        )),
        "{listed} listed"
    );
    assert!(body.contains("200 to add, 200 to change, 6,000 to destroy, 0 to replace**"));
    assert!(body.contains("| `eu-west-1` | 200 | 200 | **6,000** | 0 |"));
    assert!(body.contains("**Destroy (6,000)**"));
    // Stateful destroys (every eighth: 750 buckets) are listed first, so the cut keeps them.
    let bucket_lines = visible(body)
        .lines()
        .filter(|l| l.starts_with("- `module.region[\"eu-west-1\"].aws_s3_bucket.archive"))
        .count();
    assert_eq!(bucket_lines, listed.min(750));
    // 750 warnings do not fit one per line: they are grouped with exact counts.
    assert!(
        body.contains("> - `eu-west-1` destroys **750 S3 buckets**"),
        "{body}"
    );
    assert!(r.left_out.iter().any(|l| l.contains(&format!(
        "{} of 6,000 destroyed addresses",
        format_thousands(6_000 - listed)
    ))));
}

#[test]
fn the_job_summary_keeps_the_detail_the_comment_leaves_out() {
    let plan = generated_plan(1_500, 1_000, 400, 100);
    let stacks = vec![StackPlan::new("eu-west-1", plan)];
    let comment = render_body(&stacks, &options(Target::Comment));
    let summary = render_body(&stacks, &options(Target::JobSummary));
    assert!(!comment.body.contains("! threshold: 500 → 750"));
    assert!(summary.body.contains("! threshold: 500 → 750"));
    assert!(summary.body.contains("! password: (sensitive)"));
    assert!(summary.is_complete(), "{:?}", summary.left_out);
    assert!(
        !summary.body.contains("<!-- platform-deploy:plan"),
        "markers belong to the comment"
    );
    assert!(summary.body.len() <= 1_000_000);
    assert!(!summary.body.contains("secret-0"));
}

#[test]
fn rendering_is_deterministic() {
    let a = render_body(
        &load_plan_dir(&fixtures()).unwrap(),
        &options(Target::Comment),
    );
    let b = render_body(
        &load_plan_dir(&fixtures()).unwrap(),
        &options(Target::Comment),
    );
    assert_eq!(a.body, b.body);
}

fn format_thousands(n: usize) -> String {
    platform_deploy::github::comment::markdown::num(n)
}
