//! Who may assume an IAM role, read from its trust policy: the comment warns near the top when a plan
//! changes a role's trust policy, with who may assume it before and after (reviewers approve that, not
//! a JSON diff further down).

use serde_json::Value;

use crate::terraform::plan_json::{Action, ResourceChange};

/// A role whose trust policy the plan changes.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustChange {
    pub address: String,
    /// Who may assume it now (in state), and after the plan; `None` when not known until apply.
    pub before: Option<Vec<String>>,
    pub after: Option<Vec<String>>,
}

/// The trust change of `rc`, when it updates or replaces an IAM role's `assume_role_policy`.
pub fn trust_change(rc: &ResourceChange) -> Option<TrustChange> {
    if rc.resource_type != "aws_iam_role"
        || !matches!(rc.action(), Action::Update | Action::Replace)
    {
        return None;
    }
    let before = document(&rc.change.before["assume_role_policy"]);
    let unknown = rc.change.after_unknown["assume_role_policy"] == Value::Bool(true);
    let after = document(&rc.change.after["assume_role_policy"]);
    if !unknown && before == after {
        return None;
    }
    Some(TrustChange {
        address: rc.address.clone(),
        before: before.as_ref().map(assumers),
        after: if unknown {
            None
        } else {
            after.as_ref().map(assumers)
        },
    })
}

/// The policy document (Terraform keeps it as a JSON string).
fn document(value: &Value) -> Option<Value> {
    match value {
        Value::String(text) => serde_json::from_str(text).ok(),
        Value::Object(_) => Some(value.clone()),
        _ => None,
    }
}

fn list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn texts(value: &Value) -> Vec<String> {
    list(value)
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// Each principal an Allow statement lets assume the role, in words, with the statement's conditions:
/// `token.actions.githubusercontent.com (sub = repo:o/r:pull_request)`, `service ecs-tasks.amazonaws.com`.
pub fn assumers(policy: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for statement in list(&policy["Statement"]) {
        if statement["Effect"] != "Allow" {
            continue;
        }
        let assumes = texts(&statement["Action"])
            .iter()
            .any(|a| a == "*" || a.starts_with("sts:AssumeRole") || a == "sts:*");
        if !assumes {
            continue;
        }
        let conditions = conditions(&statement["Condition"]);
        let mut principals = Vec::new();
        match &statement["Principal"] {
            Value::String(any) if any == "*" => principals.push("anyone".to_string()),
            Value::Object(by_kind) => {
                for (kind, values) in by_kind {
                    for v in texts(values) {
                        principals.push(match kind.as_str() {
                            "Federated" => v
                                .split_once("oidc-provider/")
                                .map_or(v.clone(), |(_, host)| host.to_string()),
                            "Service" => format!("service {v}"),
                            "AWS" if v == "*" => "any AWS account".to_string(),
                            other => format!("{other} {v}"),
                        });
                    }
                }
            }
            _ => {}
        }
        for principal in principals {
            out.push(if conditions.is_empty() {
                principal
            } else {
                format!("{principal} ({})", conditions.join("; "))
            });
        }
    }
    out
}

/// `key = a | b` per condition; the `aud` of an OIDC provider is left out (it is always STS's).
fn conditions(condition: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(operators) = condition.as_object() else {
        return out;
    };
    for (operator, pairs) in operators {
        let Some(pairs) = pairs.as_object() else {
            continue;
        };
        for (key, values) in pairs {
            if key.ends_with(":aud") {
                continue;
            }
            let short = key.rsplit_once(':').map_or(key.as_str(), |(_, k)| k);
            let op = if operator.contains("Like") {
                "like"
            } else {
                "="
            };
            out.push(format!("{short} {op} {}", texts(values).join(" | ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_github_oidc_trust_policy_reads_as_the_jobs_it_admits() {
        let policy = json!({"Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": ["repo:o/r:ref:refs/heads/main", "repo:o/r:environment:production"]
            }}
        }]});
        assert_eq!(
            assumers(&policy),
            [
                "token.actions.githubusercontent.com (sub = repo:o/r:ref:refs/heads/main | repo:o/r:environment:production)"
            ]
        );
    }

    #[test]
    fn services_accounts_and_denies() {
        let policy = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"Service": ["ecs-tasks.amazonaws.com"]}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
             "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::1:role/ci-*"}}},
            {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}
        ]});
        assert_eq!(
            assumers(&policy),
            [
                "service ecs-tasks.amazonaws.com",
                "any AWS account (PrincipalArn like arn:aws:iam::1:role/ci-*)"
            ]
        );
    }
}
