//! The checklist of each direction: which steps, in which order, and why that order.

use std::time::Duration;

use serde::Serialize;

use super::traffic_role::TrafficRole;
use crate::terraform::summary::StackSummary;

/// Which way traffic moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Direction {
    /// Promote this DR region.
    To(String),
    /// Return to the primary region from this DR region.
    Back { from: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    PromoteDatabase {
        to: String,
        from: String,
    },
    SetTrafficRole {
        region: String,
        role: TrafficRole,
    },
    ApplyStacks {
        stacks: Vec<String>,
    },
    WaitServing {
        region: String,
    },
    /// The primary is down: check that the edge routes around `down` by its health check (the
    /// edge stacks apply when it answers again).
    ConfirmEdge {
        down: String,
        stacks: Vec<String>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Stable across runs: the key of the checklist file.
    pub id: String,
    pub title: String,
    pub action: Action,
}

fn step(id: impl Into<String>, title: impl Into<String>, action: Action) -> Step {
    Step {
        id: id.into(),
        title: title.into(),
        action,
    }
}

/// The stacks a failover applies.
#[derive(Debug, Clone, Copy)]
pub struct Stacks<'a> {
    /// The primary region's stack: its backup plan follows the writer (it reads the DR region's
    /// traffic role), so it is applied when the writer moves, whenever the primary answers.
    pub primary: Option<&'a str>,
    pub dr: &'a str,
    /// The stacks that read the regions' outputs (the global stack: CloudFront and Route53).
    pub edge: &'a [String],
}

/// The steps of `direction`.
pub fn plan(
    direction: &Direction,
    primary: &str,
    stacks: Stacks<'_>,
    primary_down: bool,
) -> Vec<Step> {
    let steps = StepsOf {
        primary,
        stacks,
        primary_down,
    };
    let list = match direction {
        Direction::To(dr) => steps.to_dr(dr),
        Direction::Back { from } => steps.back(from),
    };
    list.into_iter().flatten().collect()
}

/// The steps a failover is made of, for one platform.
struct StepsOf<'a> {
    primary: &'a str,
    stacks: Stacks<'a>,
    primary_down: bool,
}

impl StepsOf<'_> {
    /// Database first: the region must be able to write before it takes traffic. Capacity next,
    /// and the edge only once the region serves.
    fn to_dr(&self, dr: &String) -> Vec<Option<Step>> {
        let (primary, dr_stack) = (self.primary, self.stacks.dr);
        vec![
            Some(step(
                "promote-database",
                format!("Promote the Aurora cluster in {dr} to writer"),
                Action::PromoteDatabase {
                    to: dr.clone(),
                    from: primary.to_string(),
                },
            )),
            Some(step(
                "mark-active",
                format!("Set the traffic role of {dr} to active"),
                Action::SetTrafficRole {
                    region: dr.clone(),
                    role: TrafficRole::Active,
                },
            )),
            Some(self.apply_dr(
                "apply-dr",
                format!(
                    "Apply stack {dr_stack}: tasks at full count, NAT gateways, the backup plan (copies to {primary})"
                ),
            )),
            self.apply_primary(&format!(
                "its backup plan stops ({dr} holds the writer and backs it up)"
            )),
            Some(step(
                "wait-serving",
                format!("Wait until every service in {dr} serves behind its load balancer"),
                Action::WaitServing { region: dr.clone() },
            )),
            self.edge(format!(
                "Apply stack {}: the edge prefers {dr}",
                self.stacks.edge.join(", ")
            )),
        ]
    }

    /// The primary must serve before it takes the writer back; the edge moves before the DR
    /// region gives up its capacity.
    fn back(&self, from: &String) -> Vec<Option<Step>> {
        let (primary, dr_stack) = (self.primary, self.stacks.dr);
        vec![
            Some(step(
                "check-primary-serving",
                format!("Check that every service in {primary} serves"),
                Action::WaitServing {
                    region: primary.to_string(),
                },
            )),
            Some(step(
                "promote-database",
                format!("Switch the Aurora writer back to {primary}"),
                Action::PromoteDatabase {
                    to: primary.to_string(),
                    from: from.clone(),
                },
            )),
            Some(step(
                "mark-draining",
                format!("Set the traffic role of {from} to draining"),
                Action::SetTrafficRole {
                    region: from.clone(),
                    role: TrafficRole::Draining,
                },
            )),
            self.apply_primary("the backup plan returns here with the writer"),
            Some(self.apply_dr(
                "apply-dr-draining",
                format!("Apply stack {dr_stack}: {from} no longer preferred, capacity kept"),
            )),
            self.edge(format!(
                "Apply stack {}: the edge prefers {primary}",
                self.stacks.edge.join(", ")
            )),
            Some(step(
                "mark-standby",
                format!("Set the traffic role of {from} to standby"),
                Action::SetTrafficRole {
                    region: from.clone(),
                    role: TrafficRole::Standby,
                },
            )),
            Some(self.apply_dr(
                "apply-dr-standby",
                format!("Apply stack {dr_stack}: {from} back to 0 tasks and no NAT"),
            )),
        ]
    }

    fn apply_dr(&self, id: &str, title: String) -> Step {
        step(
            id,
            title,
            Action::ApplyStacks {
                stacks: vec![self.stacks.dr.to_string()],
            },
        )
    }

    /// The backups follow the writer: the primary's stack stops (or resumes) its backup plan.
    /// While the primary is down it cannot be applied; its next apply catches up.
    fn apply_primary(&self, title: &str) -> Option<Step> {
        let stack = self.stacks.primary.filter(|_| !self.primary_down)?;
        Some(step(
            "apply-primary",
            format!("Apply stack {stack}: {title}"),
            Action::ApplyStacks {
                stacks: vec![stack.to_string()],
            },
        ))
    }

    /// The edge stacks applied, or with the primary down, the check that the edge routes around it.
    fn edge(&self, title: String) -> Option<Step> {
        let (primary, edge) = (self.primary, self.stacks.edge);
        if edge.is_empty() {
            return None;
        }
        if self.primary_down {
            return Some(step(
                "confirm-edge",
                format!(
                    "Check that Route53 routes around {primary} (its health check fails); {} applies once {primary} answers",
                    edge.join(", ")
                ),
                Action::ConfirmEdge {
                    down: primary.to_string(),
                    stacks: edge.to_vec(),
                },
            ));
        }
        Some(step(
            "apply-edge",
            title,
            Action::ApplyStacks {
                stacks: edge.to_vec(),
            },
        ))
    }
}

/// The traffic role the DR stack is applied with at `index` (the last role set before it).
pub fn role_before(steps: &[Step], index: usize) -> Option<TrafficRole> {
    steps[..index].iter().rev().find_map(|s| match s.action {
        Action::SetTrafficRole { role, .. } => Some(role),
        _ => None,
    })
}

/// How long an apply of `plan` is expected to take: the slowest resource, or the total spread
/// over Terraform's 10 parallel operations when that is longer. Per-type times are what these
/// resources typically take to create or update in AWS.
pub fn expected_apply(plan: &StackSummary) -> Duration {
    let a = &plan.addresses;
    let each: Vec<u64> = a
        .create
        .iter()
        .chain(&a.update)
        .chain(&a.replace)
        .chain(&a.delete)
        .map(|address| resource_seconds(address))
        .collect();
    let slowest = each.iter().copied().max().unwrap_or(0);
    let spread = each.iter().sum::<u64>() / 10;
    // init, refresh and plan of the stack itself.
    Duration::from_secs(30 + slowest.max(spread))
}

fn resource_seconds(address: &str) -> u64 {
    let kind = address
        .rsplit('.')
        .nth(1)
        .map(|k| k.split('[').next().unwrap_or(k))
        .unwrap_or("");
    match kind {
        "aws_cloudfront_distribution" => 420,
        "aws_rds_cluster" | "aws_rds_cluster_instance" => 600,
        "aws_nat_gateway" => 150,
        "aws_route53_record" => 60,
        "aws_ecs_service" => 30,
        _ => 5,
    }
}

/// Starting tasks, registering them and passing the target group's health checks.
pub const EXPECTED_SERVING: Duration = Duration::from_secs(240);

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(steps: &[Step]) -> Vec<&str> {
        steps.iter().map(|s| s.id.as_str()).collect()
    }

    #[test]
    fn promotion_writes_first_and_moves_the_edge_last() {
        let steps = plan(
            &Direction::To("eu-west-1".into()),
            "us-east-1",
            Stacks {
                primary: Some("us-east-1"),
                dr: "eu-west-1",
                edge: &["global".into()],
            },
            false,
        );
        assert_eq!(
            ids(&steps),
            [
                "promote-database",
                "mark-active",
                "apply-dr",
                "apply-primary",
                "wait-serving",
                "apply-edge"
            ]
        );
        assert_eq!(role_before(&steps, 2), Some(TrafficRole::Active));
    }

    #[test]
    fn failing_back_moves_the_edge_before_the_capacity() {
        let steps = plan(
            &Direction::Back {
                from: "eu-west-1".into(),
            },
            "us-east-1",
            Stacks {
                primary: Some("us-east-1"),
                dr: "eu-west-1",
                edge: &["global".into()],
            },
            false,
        );
        let ids = ids(&steps);
        let pos = |id: &str| ids.iter().position(|i| *i == id).unwrap();
        assert!(pos("check-primary-serving") < pos("promote-database"));
        assert!(pos("apply-edge") < pos("mark-standby"));
        assert_eq!(
            role_before(&steps, pos("apply-dr-draining")),
            Some(TrafficRole::Draining)
        );
        assert_eq!(
            role_before(&steps, pos("apply-dr-standby")),
            Some(TrafficRole::Standby)
        );
    }

    #[test]
    fn without_an_edge_stack_there_is_no_edge_step() {
        let steps = plan(
            &Direction::To("eu-west-1".into()),
            "us-east-1",
            Stacks {
                primary: Some("us-east-1"),
                dr: "dr",
                edge: &[],
            },
            false,
        );
        assert!(!ids(&steps).contains(&"apply-edge"));
    }

    #[test]
    fn with_the_primary_down_the_edge_is_confirmed_not_applied() {
        let steps = plan(
            &Direction::To("eu-west-1".into()),
            "us-east-1",
            Stacks {
                primary: Some("us-east-1"),
                dr: "eu-west-1",
                edge: &["global".into()],
            },
            true,
        );
        assert_eq!(ids(&steps).last(), Some(&"confirm-edge"));
        assert!(!ids(&steps).contains(&"apply-edge"));
        assert!(matches!(
            &steps.last().unwrap().action,
            Action::ConfirmEdge { down, .. } if down == "us-east-1"
        ));
    }

    #[test]
    fn nat_gateways_and_distributions_dominate_the_estimate() {
        let mut plan = StackSummary::without_plan(
            crate::terraform::summary::StackStatus::Planned,
            String::new(),
        );
        plan.addresses.create = vec![
            "module.platform.module.vpc.aws_nat_gateway.this[\"a\"]".into(),
            "module.platform.module.vpc.aws_route.private[\"a\"]".into(),
        ];
        assert_eq!(expected_apply(&plan), Duration::from_secs(180));
        plan.addresses.create.clear();
        assert_eq!(expected_apply(&plan), Duration::from_secs(30));
    }
}
