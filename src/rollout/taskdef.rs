//! The new task definition revision: the service's current one with the released image (by digest)
//! in the named container, everything else kept.
//!
//! Rendering works on the raw JSON of the ECS API (`serde_json::Value`), not on the SDK's typed
//! shapes: a field this binary does not know (one AWS adds next year) is carried over untouched.
//! [`describe_raw`] captures the JSON body DescribeTaskDefinition returned and [`register_raw`]
//! sends the rendered JSON as the RegisterTaskDefinition body, both through the SDK client (so
//! signing, retries, endpoints and credentials are the SDK's).

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::{Map, Value};

/// Fields DescribeTaskDefinition returns that RegisterTaskDefinition refuses (or ignores): the
/// only fields that are not carried over.
pub const READ_ONLY_FIELDS: &[&str] = &[
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
];

/// The tag every revision registered by a rollout carries: the commit it releases.
pub const GIT_SHA_TAG: &str = "platform-deploy:git-sha";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TaskDefError {
    #[error(
        "the DescribeTaskDefinition response has no taskDefinition object\n  fix: check that the service's task definition {0} still exists"
    )]
    Missing(String),
    #[error(
        "task definition {family} has no container named `{container}` (it has: {available})\n  fix: set container_name in the stack's deploy_targets output to one of those names"
    )]
    NoSuchContainer {
        family: String,
        container: String,
        available: String,
    },
}

/// Renders the RegisterTaskDefinition request (JSON, the API's shape) from a DescribeTaskDefinition
/// response (`{"taskDefinition": {...}, "tags": [...]}`): the read-only fields dropped, `image` set
/// on `container`, the tags kept (except `aws:` ones, which cannot be set) and [`GIT_SHA_TAG`] set.
pub fn render(
    describe_response: &Value,
    container: &str,
    image: &str,
    git_sha: &str,
) -> Result<Value, TaskDefError> {
    let mut request = registrable(describe_response)?;
    let family = request["family"].as_str().unwrap_or("?").to_string();
    let containers = request
        .get_mut("containerDefinitions")
        .and_then(Value::as_array_mut);
    let available: Vec<String> = containers
        .as_ref()
        .map(|list| {
            list.iter()
                .filter_map(|c| c["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let target = containers.and_then(|list| {
        list.iter_mut()
            .find(|c| c["name"].as_str() == Some(container))
    });
    let Some(target) = target else {
        return Err(TaskDefError::NoSuchContainer {
            family,
            container: container.to_string(),
            available: if available.is_empty() {
                "no containers".into()
            } else {
                available.join(", ")
            },
        });
    };
    target["image"] = Value::String(image.to_string());

    let tags = request
        .as_object_mut()
        .expect("registrable returns an object")
        .entry("tags")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Some(list) = tags.as_array_mut() {
        list.retain(|t| t["key"].as_str() != Some(GIT_SHA_TAG));
        list.push(serde_json::json!({"key": GIT_SHA_TAG, "value": git_sha}));
    }
    Ok(request)
}

/// The current task definition as it would be registered unchanged: read-only fields dropped, the
/// response's tags (minus `aws:` ones) moved into `tags`. The "old" side of the dry-run diff.
pub fn registrable(describe_response: &Value) -> Result<Value, TaskDefError> {
    let Some(definition) = describe_response
        .get("taskDefinition")
        .and_then(Value::as_object)
    else {
        return Err(TaskDefError::Missing(
            describe_response["taskDefinition"]["taskDefinitionArn"]
                .as_str()
                .unwrap_or("(unknown)")
                .to_string(),
        ));
    };
    let mut out: Map<String, Value> = definition
        .iter()
        .filter(|(k, _)| !READ_ONLY_FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let tags: Vec<Value> = describe_response
        .get("tags")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter(|t| !t["key"].as_str().unwrap_or("").starts_with("aws:"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if !tags.is_empty() {
        out.insert("tags".into(), Value::Array(tags));
    }
    Ok(Value::Object(out))
}

/// The read-only fields present in a DescribeTaskDefinition response (shown by the dry run as
/// "not sent").
pub fn dropped_fields(describe_response: &Value) -> Vec<String> {
    describe_response["taskDefinition"]
        .as_object()
        .map(|o| {
            o.keys()
                .filter(|k| READ_ONLY_FIELDS.contains(&k.as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// One difference between two JSON documents.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Added {
        path: String,
        new: Value,
    },
    Removed {
        path: String,
        old: Value,
    },
    Changed {
        path: String,
        old: Value,
        new: Value,
    },
}

impl Change {
    pub fn path(&self) -> &str {
        match self {
            Change::Added { path, .. }
            | Change::Removed { path, .. }
            | Change::Changed { path, .. } => path,
        }
    }
}

/// Every difference between `old` and `new`. Lists of objects that carry a `name` (containers,
/// volumes, secrets) or a `key` (tags) are matched by it, so a change reads
/// `containerDefinitions[app].image` rather than an index.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    diff_at("", old, new, &mut out);
    out
}

fn identity(v: &Value) -> Option<String> {
    ["name", "key"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
}

fn keyed(list: &[Value]) -> Option<Vec<(String, &Value)>> {
    let keys: Vec<(String, &Value)> = list
        .iter()
        .map(|v| identity(v).map(|k| (k, v)))
        .collect::<Option<_>>()?;
    let mut seen = std::collections::BTreeSet::new();
    keys.iter()
        .all(|(k, _)| seen.insert(k.clone()))
        .then_some(keys)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn diff_at(path: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                match b.get(k) {
                    Some(vb) => diff_at(&join(path, k), va, vb, out),
                    None => out.push(Change::Removed {
                        path: join(path, k),
                        old: va.clone(),
                    }),
                }
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    out.push(Change::Added {
                        path: join(path, k),
                        new: vb.clone(),
                    });
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => match (keyed(a), keyed(b)) {
            (Some(ka), Some(kb)) => {
                for (k, va) in &ka {
                    let p = format!("{path}[{k}]");
                    match kb.iter().find(|(kk, _)| kk == k) {
                        Some((_, vb)) => diff_at(&p, va, vb, out),
                        None => out.push(Change::Removed {
                            path: p,
                            old: (*va).clone(),
                        }),
                    }
                }
                for (k, vb) in &kb {
                    if !ka.iter().any(|(kk, _)| kk == k) {
                        out.push(Change::Added {
                            path: format!("{path}[{k}]"),
                            new: (*vb).clone(),
                        });
                    }
                }
            }
            _ => {
                for i in 0..a.len().max(b.len()) {
                    let p = format!("{path}[{i}]");
                    match (a.get(i), b.get(i)) {
                        (Some(va), Some(vb)) => diff_at(&p, va, vb, out),
                        (Some(va), None) => out.push(Change::Removed {
                            path: p,
                            old: va.clone(),
                        }),
                        (None, Some(vb)) => out.push(Change::Added {
                            path: p,
                            new: vb.clone(),
                        }),
                        (None, None) => {}
                    }
                }
            }
        },
        _ if old != new => out.push(Change::Changed {
            path: path.to_string(),
            old: old.clone(),
            new: new.clone(),
        }),
        _ => {}
    }
}

/// The dry-run view of a rendered revision: `old → new` per changed field, and the fields not sent.
pub fn render_diff(describe_response: &Value, request: &Value) -> String {
    let mut out = String::new();
    let td = &describe_response["taskDefinition"];
    let _ = writeln!(
        out,
        "task definition {}:{} → new revision of {}",
        td["family"].as_str().unwrap_or("?"),
        td["revision"],
        request["family"].as_str().unwrap_or("?")
    );
    let old = registrable(describe_response).unwrap_or(Value::Null);
    let changes = diff(&old, request);
    if changes.is_empty() {
        let _ = writeln!(out, "  (no field changes)");
    }
    for change in &changes {
        match change {
            Change::Changed { path, old, new } => {
                let _ = writeln!(out, "  ~ {path}: {old} → {new}");
            }
            Change::Added { path, new } => {
                let _ = writeln!(out, "  + {path}: {new}");
            }
            Change::Removed { path, old } => {
                let _ = writeln!(out, "  - {path}: {old}");
            }
        }
    }
    let dropped = dropped_fields(describe_response);
    if !dropped.is_empty() {
        let _ = writeln!(
            out,
            "  (read-only, not sent: {}; every other field is kept as is)",
            dropped.join(", ")
        );
    }
    out
}

/// Saves the raw body of the response an operation received (the last attempt's).
#[derive(Debug, Clone, Default)]
struct CaptureBody(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for CaptureBody {
    fn name(&self) -> &'static str {
        "CaptureResponseBody"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(bytes) = context.response().body().bytes() {
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(bytes.to_vec());
        }
        Ok(())
    }
}

/// A failed ECS call, with the SDK's full error chain.
#[derive(Debug, thiserror::Error)]
#[error("{operation} failed: {message}")]
pub struct EcsCallError {
    pub operation: &'static str,
    pub message: String,
}

fn call_error<E>(operation: &'static str, e: E) -> EcsCallError
where
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + 'static,
{
    EcsCallError {
        operation,
        message: crate::aws::error_message(&e),
    }
}

/// DescribeTaskDefinition (with TAGS) returning the response exactly as the API sent it.
pub async fn describe_raw(
    ecs: &aws_sdk_ecs::Client,
    task_definition: &str,
) -> Result<Value, EcsCallError> {
    let capture = CaptureBody::default();
    ecs.describe_task_definition()
        .task_definition(task_definition)
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| call_error("DescribeTaskDefinition", e))?;
    let body = capture
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .ok_or_else(|| EcsCallError {
            operation: "DescribeTaskDefinition",
            message: "the response body was not available to read".into(),
        })?;
    serde_json::from_slice(&body).map_err(|e| EcsCallError {
        operation: "DescribeTaskDefinition",
        message: format!("the response is not JSON: {e}"),
    })
}

/// RegisterTaskDefinition with `request` (the API's JSON shape) as the body, byte for byte.
/// Returns the new revision's ARN.
pub async fn register_raw(
    ecs: &aws_sdk_ecs::Client,
    request: &Value,
) -> Result<String, EcsCallError> {
    let body = serde_json::to_vec(request).expect("a JSON value serializes");
    let family = request["family"].as_str().unwrap_or_default().to_string();
    let out = ecs
        .register_task_definition()
        .family(family)
        .customize()
        .mutate_request(move |req| {
            let len = body.len();
            *req.body_mut() = SdkBody::from(body.clone());
            req.headers_mut().insert("content-length", len.to_string());
        })
        .send()
        .await
        .map_err(|e| call_error("RegisterTaskDefinition", e))?;
    out.task_definition()
        .and_then(|td| td.task_definition_arn())
        .map(str::to_string)
        .ok_or_else(|| EcsCallError {
            operation: "RegisterTaskDefinition",
            message: "the response carries no taskDefinitionArn".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn describe() -> Value {
        json!({
            "taskDefinition": {
                "taskDefinitionArn": "arn:aws:ecs:us-east-1:1:task-definition/shop-api:7",
                "family": "shop-api",
                "revision": 7,
                "status": "ACTIVE",
                "containerDefinitions": [
                    {"name": "app", "image": "old:1", "futureField": {"x": 1}},
                    {"name": "envoy", "image": "envoy:1"}
                ],
                "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}],
                "compatibilities": ["EC2", "FARGATE"],
                "registeredAt": 1700000000.0,
                "registeredBy": "arn:aws:iam::1:role/x",
                "someNewTopLevelField": true
            },
            "tags": [{"key": "team", "value": "shop"}, {"key": "aws:cloudformation:stack-name", "value": "x"}]
        })
    }

    #[test]
    fn render_sets_the_image_keeps_unknown_fields_and_tags_the_sha() {
        let r = render(&describe(), "app", "repo@sha256:ab", "0123abcd").unwrap();
        assert_eq!(r["containerDefinitions"][0]["image"], "repo@sha256:ab");
        assert_eq!(r["containerDefinitions"][0]["futureField"]["x"], 1);
        assert_eq!(r["containerDefinitions"][1]["image"], "envoy:1");
        assert_eq!(r["someNewTopLevelField"], true);
        for f in READ_ONLY_FIELDS {
            assert!(r.get(*f).is_none(), "{f} must not be sent");
        }
        assert_eq!(
            r["tags"],
            json!([{"key": "team", "value": "shop"}, {"key": GIT_SHA_TAG, "value": "0123abcd"}])
        );
    }

    #[test]
    fn an_unknown_container_names_the_ones_there() {
        let err = render(&describe(), "web", "i", "s").unwrap_err();
        assert_eq!(
            err,
            TaskDefError::NoSuchContainer {
                family: "shop-api".into(),
                container: "web".into(),
                available: "app, envoy".into()
            }
        );
    }

    #[test]
    fn the_diff_shows_only_the_image_and_the_tag() {
        let r = render(&describe(), "app", "repo@sha256:ab", "0123abcd").unwrap();
        let changes = diff(&registrable(&describe()).unwrap(), &r);
        let paths: Vec<&str> = changes.iter().map(Change::path).collect();
        assert_eq!(
            paths,
            vec![
                "containerDefinitions[app].image",
                "tags[platform-deploy:git-sha]"
            ]
        );
        let text = render_diff(&describe(), &r);
        assert!(
            text.contains("~ containerDefinitions[app].image: \"old:1\" → \"repo@sha256:ab\""),
            "{text}"
        );
        assert!(
            text.contains("not sent: taskDefinitionArn, revision, status"),
            "{text}"
        );
    }
}
