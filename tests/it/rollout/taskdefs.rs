//! Rendering the new revision keeps every field of real-world task definitions: secrets,
//! sidecars, FireLens, EFS and FSx volumes, ephemeral storage, runtime platform, App Mesh proxy
//! configuration, Linux parameters, ulimits, dependsOn, health checks, placement constraints,
//! inference accelerators — and fields this binary has never heard of.

use aws_smithy_mocks::{RuleMode, mock, mock_client};
use platform_deploy::rollout::taskdef::{
    self, Change, GIT_SHA_TAG, READ_ONLY_FIELDS, describe_raw, register_raw, registrable,
};
use serde_json::{Value, json};

use super::sim::{self, fixture, json_response};
use crate::support::fs::fixtures;

const IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api@sha256:4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899a";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// Every fixture and the container the release goes into.
const FIXTURES: &[(&str, &str)] = &[
    ("fargate-web-secrets", "app"),
    ("appmesh-envoy-xray", "app"),
    ("firelens-fluentbit", "search"),
    ("efs-and-bind-volumes", "media"),
    ("ec2-bridge-linux-parameters", "web"),
    ("ec2-gpu-inference", "model"),
    ("windows-fsx", "invoicing"),
    ("private-registry-restart-policy", "worker"),
    ("fields-from-the-future", "edge"),
];

#[test]
fn there_are_at_least_eight_real_world_fixtures() {
    let on_disk = std::fs::read_dir(fixtures().join("taskdefs"))
        .unwrap()
        .count();
    assert_eq!(on_disk, FIXTURES.len(), "every fixture file is exercised");
    assert!(FIXTURES.len() >= 8);
}

#[test]
fn rendering_changes_only_the_image_and_the_sha_tag() {
    for (name, container) in FIXTURES {
        let describe = fixture(name);
        let rendered = taskdef::render(&describe, container, IMAGE, SHA).unwrap();
        let changes = taskdef::diff(&registrable(&describe).unwrap(), &rendered);
        let image_path = format!("containerDefinitions[{container}].image");
        let sha_tag = json!({"key": GIT_SHA_TAG, "value": SHA});
        for change in &changes {
            let path = change.path();
            let tags_added = matches!(change, Change::Added { path, new } if path == "tags" && *new == json!([sha_tag]));
            assert!(
                path == image_path
                    || path.starts_with(&format!("tags[{GIT_SHA_TAG}]"))
                    || tags_added,
                "{name}: unexpected change {change:?}"
            );
        }
        assert!(
            changes.iter().any(|c| matches!(c, Change::Changed { path, new, .. } if *path == image_path && new == IMAGE)),
            "{name}: the image of {container} is the released digest"
        );
    }
}

#[test]
fn every_field_round_trips_except_the_read_only_ones() {
    for (name, container) in FIXTURES {
        let describe = fixture(name);
        let original = describe["taskDefinition"].as_object().unwrap();
        let rendered = taskdef::render(&describe, container, IMAGE, SHA).unwrap();
        let sent = rendered.as_object().unwrap();

        // Undo the two intended changes: what is left must be the original, minus read-only fields.
        let mut undone = rendered.clone();
        let containers = undone["containerDefinitions"].as_array_mut().unwrap();
        let target = containers
            .iter_mut()
            .find(|c| c["name"] == *container)
            .unwrap();
        let old_image = original["containerDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == *container)
            .unwrap()["image"]
            .clone();
        target["image"] = old_image;
        undone.as_object_mut().unwrap().remove("tags");

        let mut expected = original.clone();
        for field in READ_ONLY_FIELDS {
            expected.remove(*field);
        }
        assert_eq!(
            undone,
            Value::Object(expected),
            "{name}: a field was lost or altered"
        );
        for field in READ_ONLY_FIELDS {
            assert!(
                !sent.contains_key(*field),
                "{name}: read-only {field} would be sent"
            );
        }
        for (key, value) in original {
            if !READ_ONLY_FIELDS.contains(&key.as_str()) && key != "containerDefinitions" {
                assert_eq!(&sent[key], value, "{name}: {key}");
            }
        }

        // Tags: the user's kept, AWS-reserved ones dropped (RegisterTaskDefinition refuses them),
        // exactly one git SHA tag.
        let tags = sent["tags"].as_array().unwrap();
        for tag in describe["tags"].as_array().unwrap() {
            let key = tag["key"].as_str().unwrap();
            if key.starts_with("aws:") {
                assert!(!tags.contains(tag), "{name}: {key} must not be sent");
            } else if key != GIT_SHA_TAG {
                assert!(tags.contains(tag), "{name}: tag {key} lost");
            }
        }
        let sha_tags: Vec<&Value> = tags.iter().filter(|t| t["key"] == GIT_SHA_TAG).collect();
        assert_eq!(
            sha_tags,
            vec![&json!({"key": GIT_SHA_TAG, "value": SHA})],
            "{name}"
        );
    }
}

#[test]
fn fields_unknown_to_the_sdk_survive() {
    let describe = fixture("fields-from-the-future");
    let rendered = taskdef::render(&describe, "edge", IMAGE, SHA).unwrap();
    assert_eq!(
        rendered["observabilityConfiguration"]["openTelemetry"]["sampleRate"],
        0.05
    );
    assert_eq!(
        rendered["containerDefinitions"][0]["gracefulShutdownPolicy"],
        json!({"drainSeconds": 30, "signal": "SIGQUIT"})
    );
    assert_eq!(
        rendered["containerDefinitions"][0]["cpuPinning"],
        json!(["0-1"])
    );
}

/// The fixtures are what the API returns (the SDK's own deserializer accepts them) and
/// `describe_raw` hands back that JSON untouched.
#[tokio::test]
async fn describe_raw_returns_the_api_json_untouched() {
    for (name, _) in FIXTURES {
        let body = fixture(name);
        let served = body.clone();
        let rule = mock!(aws_sdk_ecs::Client::describe_task_definition)
            .match_requests(|req| req.include() == [aws_sdk_ecs::types::TaskDefinitionField::Tags])
            .then_http_response(move || json_response(&served));
        let ecs = mock_client!(aws_sdk_ecs, RuleMode::Sequential, [&rule]);
        let raw = describe_raw(
            &ecs,
            "arn:aws:ecs:us-east-1:123456789012:task-definition/x:1",
        )
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(raw, body, "{name}");
        assert_eq!(rule.num_calls(), 1);
    }
}

/// `register_raw` puts the rendered JSON on the wire byte for byte (with a matching
/// content-length), whatever the SDK's typed shapes know.
#[tokio::test]
async fn register_raw_sends_the_rendered_json_as_the_body() {
    for (name, container) in FIXTURES {
        let rendered = taskdef::render(&fixture(name), container, IMAGE, SHA).unwrap();
        let rule = mock!(aws_sdk_ecs::Client::register_task_definition).then_output(|| {
            aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionOutput::builder(
            )
            .task_definition(
                aws_sdk_ecs::types::TaskDefinition::builder()
                    .task_definition_arn("arn:aws:ecs:us-east-1:123456789012:task-definition/x:2")
                    .build(),
            )
            .build()
        });
        let state = std::sync::Arc::new(std::sync::Mutex::new(sim::State::default()));
        let recorder = sim::WireRecorder(state.clone());
        let ecs = mock_client!(aws_sdk_ecs, RuleMode::Sequential, [&rule], |c| c
            .interceptor(recorder.clone()));
        let arn = register_raw(&ecs, &rendered).await.unwrap();
        assert_eq!(
            arn,
            "arn:aws:ecs:us-east-1:123456789012:task-definition/x:2"
        );
        assert_eq!(state.lock().unwrap().registered, vec![rendered], "{name}");
    }
}
