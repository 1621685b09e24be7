//! Waiting for ECR replication: every DR region is polled (in parallel) for the pushed digest with
//! exponential backoff until it appears or the timeout passes.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde::Serialize;

use super::{ImageError, ecr};

/// Poll timing: the first wait, the factor, the longest wait.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub initial: Duration,
    pub factor: f64,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(2),
            factor: 1.6,
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The wait before poll number `attempt` (0-based) after the first.
    pub fn delay(&self, attempt: u32) -> Duration {
        let secs = self.initial.as_secs_f64() * self.factor.powi(attempt as i32);
        Duration::from_secs_f64(secs.min(self.max.as_secs_f64()))
    }
}

/// One DR region that has the digest.
#[derive(Debug, Clone, Serialize)]
pub struct Replicated {
    pub region: String,
    /// From the start of the wait until the digest was seen.
    pub seconds: f64,
    pub polls: u32,
}

/// Waits until every region in `regions` has `digest` in `repository`.
pub async fn wait(
    regions: &[(String, aws_sdk_ecr::Client)],
    repository: &str,
    digest: &str,
    timeout: Duration,
    backoff: Backoff,
    on_replicated: impl Fn(&Replicated) + Sync,
) -> Result<Vec<Replicated>, ImageError> {
    let started = Instant::now();
    let deadline = started + timeout;
    let on_replicated = &on_replicated;
    let waits = regions.iter().map(|(region, client)| async move {
        let mut polls = 0u32;
        loop {
            polls += 1;
            if ecr::has_digest(client, repository, digest).await? {
                let done = Replicated {
                    region: region.clone(),
                    seconds: started.elapsed().as_secs_f64(),
                    polls,
                };
                on_replicated(&done);
                return Ok(Some(done));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok::<_, ImageError>(None);
            }
            tracing::debug!("{digest} not yet in {region} (poll {polls})");
            let pause = backoff.delay(polls - 1).min(deadline - now);
            tokio::time::sleep(pause).await;
        }
    });
    let results = join_all(waits).await;
    let mut done = Vec::new();
    let mut pending = Vec::new();
    for ((region, _), result) in regions.iter().zip(results) {
        match result? {
            Some(r) => done.push(r),
            None => pending.push(region.clone()),
        }
    }
    if pending.is_empty() {
        Ok(done)
    } else {
        Err(ImageError::ReplicationTimedOut {
            digest: digest.to_string(),
            pending,
            timeout,
            replicated: done
                .iter()
                .map(|r| (r.region.clone(), Duration::from_secs_f64(r.seconds)))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecr::Client;
    use aws_sdk_ecr::operation::describe_images::{DescribeImagesError, DescribeImagesOutput};
    use aws_sdk_ecr::types::ImageDetail;
    use aws_sdk_ecr::types::error::ImageNotFoundException;
    use aws_smithy_mocks::{
        MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock,
    };

    const DIGEST: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    fn client(region: &str, rules: &[&Rule]) -> Client {
        let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::Sequential);
        for rule in rules {
            interceptor = interceptor.with_rule(rule);
        }
        let config = aws_sdk_ecr::Config::builder()
            .behavior_version(aws_sdk_ecr::config::BehaviorVersion::latest())
            .region(aws_sdk_ecr::config::Region::new(region.to_string()))
            .credentials_provider(aws_sdk_ecr::config::Credentials::new(
                "AKID", "SECRET", None, None, "test",
            ))
            .http_client(create_mock_http_client())
            .interceptor(interceptor)
            .build();
        Client::from_conf(config)
    }

    fn fast() -> Backoff {
        Backoff {
            initial: Duration::from_millis(5),
            factor: 2.0,
            max: Duration::from_millis(20),
        }
    }

    fn missing() -> Rule {
        mock!(Client::describe_images)
            .sequence()
            .error(|| {
                DescribeImagesError::ImageNotFoundException(
                    ImageNotFoundException::builder().message("not yet").build(),
                )
            })
            .times(3)
            .build()
    }

    fn found() -> Rule {
        mock!(Client::describe_images).then_output(|| {
            DescribeImagesOutput::builder()
                .image_details(ImageDetail::builder().image_digest(DIGEST).build())
                .build()
        })
    }

    #[tokio::test]
    async fn a_region_is_done_when_the_digest_appears() {
        let (not_yet, then) = (missing(), found());
        let regions = vec![(
            "eu-west-1".to_string(),
            client("eu-west-1", &[&not_yet, &then]),
        )];
        let done = wait(
            &regions,
            "shop/api",
            DIGEST,
            Duration::from_secs(5),
            fast(),
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(done[0].region, "eu-west-1");
        assert_eq!(done[0].polls, 4);
    }

    #[tokio::test]
    async fn the_regions_still_missing_at_the_deadline_are_named() {
        let ok = found();
        let never = mock!(Client::describe_images)
            .sequence()
            .error(|| {
                DescribeImagesError::ImageNotFoundException(
                    ImageNotFoundException::builder().build(),
                )
            })
            .repeatedly()
            .build();
        let regions = vec![
            ("eu-west-1".to_string(), client("eu-west-1", &[&ok])),
            ("ap-south-1".to_string(), client("ap-south-1", &[&never])),
        ];
        let err = wait(
            &regions,
            "shop/api",
            DIGEST,
            Duration::from_millis(100),
            fast(),
            |_| {},
        )
        .await
        .unwrap_err();
        match &err {
            ImageError::ReplicationTimedOut {
                pending,
                replicated,
                ..
            } => {
                assert_eq!(pending, &vec!["ap-south-1".to_string()]);
                assert_eq!(replicated[0].0, "eu-west-1");
            }
            other => panic!("unexpected {other}"),
        }
        assert_eq!(err.kind(), crate::outcome::OutcomeKind::TimedOut);
        assert!(err.to_string().contains("did not appear in ap-south-1"));
    }

    #[test]
    fn backoff_grows_to_its_cap() {
        let b = Backoff::default();
        assert_eq!(b.delay(0), Duration::from_secs(2));
        assert!(b.delay(1) > b.delay(0));
        assert_eq!(b.delay(20), Duration::from_secs(30));
    }
}
