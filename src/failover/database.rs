//! The Aurora step: make the cluster of the target region the writer.
//!
//! With the current writer healthy, a global switchover (no data loss: RDS waits for the secondary
//! to catch up). With the writer region down, detach-and-promote: the target cluster leaves the
//! global cluster and becomes a standalone writer; writes not yet replicated are lost, so it needs
//! `--allow-data-loss`.

use std::time::Duration;

use aws_sdk_rds::types::GlobalCluster;
use tokio_util::sync::CancellationToken;

use super::Waits;
use super::error::FailoverError;
use crate::aws::RegionClients;
use crate::rollout::Progress;

/// What the database step found or would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Promotion {
    /// The target cluster already writes.
    AlreadyWriter(String),
    Switchover {
        global_cluster: String,
        from_writer: String,
    },
    DetachAndPromote {
        global_cluster: String,
        why: String,
    },
}

impl Promotion {
    pub fn describe(&self) -> String {
        match self {
            Promotion::AlreadyWriter(why) => why.clone(),
            Promotion::Switchover {
                global_cluster,
                from_writer,
            } => format!(
                "global switchover of {global_cluster} (writer {} is healthy; no data loss)",
                arn_region(from_writer)
            ),
            Promotion::DetachAndPromote {
                global_cluster,
                why,
            } => format!(
                "detach from {global_cluster} and promote ({why}; writes not yet replicated are lost)"
            ),
        }
    }

    /// Rough durations from AWS's Aurora global database documentation: a switchover waits for
    /// the secondary to catch up and restarts both writers; a detach promotes one cluster.
    pub fn expected(&self) -> Duration {
        match self {
            Promotion::AlreadyWriter(_) => Duration::ZERO,
            Promotion::Switchover { .. } => Duration::from_secs(180),
            Promotion::DetachAndPromote { .. } => Duration::from_secs(120),
        }
    }
}

pub fn arn_region(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or("")
}

fn members(g: &GlobalCluster) -> impl Iterator<Item = (&str, bool)> {
    g.global_cluster_members().iter().map(|m| {
        (
            m.db_cluster_arn().unwrap_or(""),
            m.is_writer().unwrap_or(false),
        )
    })
}

fn writer(g: &GlobalCluster) -> Option<&str> {
    members(g).find(|(_, w)| *w).map(|(arn, _)| arn)
}

fn is_member(g: &GlobalCluster, arn: &str) -> bool {
    members(g).any(|(m, _)| m == arn)
}

/// The global cluster `cluster_arn` belongs to, asked in the cluster's own region.
async fn global_of(
    aws: &RegionClients,
    cluster_arn: &str,
) -> Result<Option<GlobalCluster>, FailoverError> {
    let mut pages = aws.rds.describe_global_clusters().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| FailoverError::aws("DescribeGlobalClusters", &aws.region, e))?;
        if let Some(g) = page
            .global_clusters()
            .iter()
            .find(|g| is_member(g, cluster_arn))
        {
            return Ok(Some(g.clone()));
        }
    }
    Ok(None)
}

/// The cluster's status (`available`, `failing-over`, ...), or why it could not be read.
async fn cluster_status(aws: &RegionClients, arn: &str) -> Result<String, String> {
    let out = aws
        .rds
        .describe_db_clusters()
        .db_cluster_identifier(arn)
        .send()
        .await
        .map_err(|e| crate::aws::error_message(&e))?;
    Ok(out
        .db_clusters()
        .first()
        .and_then(|c| c.status())
        .unwrap_or("missing")
        .to_string())
}

/// The request of one promotion: who is promoted and what is allowed.
pub struct Target<'a> {
    pub aws: &'a RegionClients,
    pub cluster_arn: &'a str,
    /// The cluster that writes now (the other region), when known.
    pub other_cluster_arn: Option<&'a str>,
    /// The other region's clients; `None` when that region is unreachable.
    pub other_aws: Option<&'a RegionClients>,
    pub allow_data_loss: bool,
    /// Failing back: the two clusters must still form one global database.
    pub failing_back: bool,
}

/// Decides what the step does, without changing anything.
pub async fn decide(t: &Target<'_>) -> Result<Promotion, FailoverError> {
    let region = &t.aws.region;
    let Some(global) = global_of(t.aws, t.cluster_arn).await? else {
        if t.failing_back {
            return Err(detached_refusal(
                region,
                t.other_aws.map(|a| a.region.as_str()),
            ));
        }
        return match cluster_status(t.aws, t.cluster_arn).await {
            Ok(status) if status == "available" => Ok(Promotion::AlreadyWriter(format!(
                "the cluster in {region} is a standalone writer (detached and promoted earlier)"
            ))),
            Ok(status) => Err(FailoverError::Refused {
                message: format!(
                    "the Aurora cluster {} in {region} is in no global cluster and is {status}",
                    t.cluster_arn
                ),
                fix: "check the cluster in the RDS console; rerun when it is available".into(),
            }),
            Err(message) => Err(FailoverError::Aws(crate::aws::AwsError {
                operation: "DescribeDBClusters".into(),
                region: region.clone(),
                message,
            })),
        };
    };
    let id = global.global_cluster_identifier().unwrap_or("").to_string();
    if t.failing_back
        && let Some(other) = t.other_cluster_arn
        && !is_member(&global, other)
    {
        return Err(detached_refusal(region, Some(arn_region(other))));
    }
    let current = writer(&global).unwrap_or("").to_string();
    if current == t.cluster_arn {
        return Ok(Promotion::AlreadyWriter(format!(
            "the cluster in {region} already writes for {id}"
        )));
    }
    let writer_health = match t.other_aws.filter(|a| a.region == arn_region(&current)) {
        Some(other) => cluster_status(other, &current).await,
        None => Err(format!("region {} is not reachable", arn_region(&current))),
    };
    match writer_health {
        Ok(status) if status == "available" => Ok(Promotion::Switchover {
            global_cluster: id,
            from_writer: current,
        }),
        health => {
            let why = match health {
                Ok(status) => format!("writer in {} is {status}", arn_region(&current)),
                Err(e) => format!("writer in {} cannot be reached: {e}", arn_region(&current)),
            };
            if t.failing_back {
                return Err(FailoverError::Refused {
                    message: format!("cannot fail back: the {why}"),
                    fix: "fail back once the DR writer is healthy (a switchover keeps every write)"
                        .into(),
                });
            }
            if !t.allow_data_loss {
                return Err(FailoverError::Refused {
                    message: format!(
                        "the Aurora {why}, so a switchover (no data loss) is not possible"
                    ),
                    fix: format!(
                        "rerun with --allow-data-loss to detach the {region} cluster from {id} and promote it (writes not yet replicated, usually under a second of them, are lost)"
                    ),
                });
            }
            Ok(Promotion::DetachAndPromote {
                global_cluster: id,
                why,
            })
        }
    }
}

fn detached_refusal(region: &str, other: Option<&str>) -> FailoverError {
    let other = other.unwrap_or("the DR region");
    FailoverError::Refused {
        message: format!(
            "the Aurora clusters of {region} and {other} are no longer one global database (the DR cluster was detached and promoted), so a switchover back is not possible"
        ),
        fix: format!(
            "rebuild the global database from the {other} cluster (it holds the newest writes) with a secondary in {region}, then rerun `failover --back`"
        ),
    }
}

/// Carries out `promotion` and waits until the target cluster writes.
pub async fn promote(
    t: &Target<'_>,
    promotion: &Promotion,
    waits: &Waits,
    progress: &Progress,
    cancel: &CancellationToken,
) -> Result<String, FailoverError> {
    let region = &t.aws.region;
    match promotion {
        Promotion::AlreadyWriter(why) => return Ok(why.clone()),
        Promotion::Switchover { global_cluster, .. } => {
            t.aws
                .rds
                .switchover_global_cluster()
                .global_cluster_identifier(global_cluster)
                .target_db_cluster_identifier(t.cluster_arn)
                .send()
                .await
                .map_err(|e| FailoverError::aws("SwitchoverGlobalCluster", region, e))?;
        }
        Promotion::DetachAndPromote { global_cluster, .. } => {
            t.aws
                .rds
                .remove_from_global_cluster()
                .global_cluster_identifier(global_cluster)
                .db_cluster_identifier(t.cluster_arn)
                .send()
                .await
                .map_err(|e| FailoverError::aws("RemoveFromGlobalCluster", region, e))?;
        }
    }
    let what = format!("the Aurora cluster in {region} becoming the writer");
    waits
        .until(&what, progress, "database", cancel, || async {
            let global = global_of(t.aws, t.cluster_arn).await?;
            Ok(match (&global, promotion) {
                (Some(g), Promotion::Switchover { .. }) => {
                    let status = g.status().unwrap_or("");
                    (writer(g) == Some(t.cluster_arn) && status == "available")
                        .then(|| "writer".to_string())
                        .ok_or(format!("global cluster {status}"))
                }
                (None, Promotion::DetachAndPromote { .. }) => {
                    match cluster_status(t.aws, t.cluster_arn).await {
                        Ok(s) if s == "available" => Ok("standalone writer".to_string()),
                        Ok(s) => Err(format!("cluster {s}")),
                        Err(e) => Err(e),
                    }
                }
                (Some(_), _) => Err("still in the global cluster".to_string()),
                (None, _) => Err("not in the global cluster".to_string()),
            })
        })
        .await?;
    Ok(format!("{} done", promotion.describe()))
}
