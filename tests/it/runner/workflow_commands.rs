//! Workflow commands as the GitHub runner reads them: the outputs file, the summary, masks and groups.

use std::sync::{Arc, Mutex};

use platform_deploy::runner::{Location, RunnerEnv, Workflow};

use crate::support::output::{Buffer, workflow as runner};

#[test]
fn outputs_file_holds_single_and_multi_line_values() {
    let dir = tempfile::tempdir().unwrap();
    let (wf, _) = runner(dir.path(), true);
    wf.set_output("image-digest", "sha256:0123").unwrap();
    wf.set_output("deployment-ids", "d-1\nd-2").unwrap();
    let content = std::fs::read_to_string(dir.path().join("output")).unwrap();
    assert_eq!(
        content,
        "image-digest=sha256:0123\ndeployment-ids<<PLATFORM_DEPLOY_EOF_0\nd-1\nd-2\nPLATFORM_DEPLOY_EOF_0\n"
    );
}

#[test]
fn a_secret_is_masked_before_it_can_print_and_redacted_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (wf, out) = runner(dir.path(), true);
    let token = "ghs_workflowtest_0123456789abcdef";
    wf.mask(token);
    wf.error_at(&format!("login failed with {token}"), None);
    wf.set_output("token-echo", token).unwrap();
    wf.append_summary(&format!("token: {token}")).unwrap();

    let printed = out.text();
    let mask_at = printed.find("::add-mask::").expect("mask command printed");
    let error_at = printed.find("::error::").expect("error printed");
    assert!(mask_at < error_at, "mask must come first:\n{printed}");
    assert!(
        printed.contains("::error::login failed with ***"),
        "{printed}"
    );
    assert_eq!(
        printed.matches(token).count(),
        1,
        "only the mask command may hold the token:\n{printed}"
    );
    let outputs = std::fs::read_to_string(dir.path().join("output")).unwrap();
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(!outputs.contains(token) && !summary.contains(token));
    assert_eq!(summary, "token: ***\n");
}

#[test]
fn groups_and_annotations_use_the_runner_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let (wf, out) = runner(dir.path(), true);
    {
        let _g = wf.group("terraform plan us-east-1");
        wf.warning_at(
            "drift: 2 resources",
            Some(&Location {
                file: "terraform/global/waf.tf".into(),
                line: 12,
                column: 3,
            }),
        );
    }
    assert_eq!(
        out.text(),
        "::group::terraform plan us-east-1\n::warning file=terraform/global/waf.tf,line=12,col=3::drift: 2 resources\n::endgroup::\n"
    );
}

#[test]
fn outside_actions_the_same_calls_print_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let env = RunnerEnv::from_lookup(|_| None);
    assert!(!env.in_actions);
    let buffer = Buffer::default();
    let wf = Workflow::new(env, Arc::new(Mutex::new(buffer.clone())));
    {
        let _g = wf.group("build");
        wf.error_at(
            "no daemon",
            Some(&Location {
                file: "platform.toml".into(),
                line: 3,
                column: 1,
            }),
        );
        wf.set_output("outcome", "failed").unwrap();
    }
    assert_eq!(
        buffer.text(),
        "── build ──\nerror: platform.toml:3:1: no daemon\noutput outcome=failed\n"
    );
    assert!(!dir.path().join("output").exists());
}
