//! `--drill`: the failover's steps, each only observed or planned; nothing is changed.

use super::*;

impl Run<'_> {
    /// The same steps, each only observed or planned.
    pub(super) async fn drill(&self) -> Result<FailoverReport, FailoverError> {
        let operation = self.opts.operation();
        let mut reports = Vec::new();
        let mut refused = None;
        for (i, step) in self.steps.iter().enumerate() {
            self.f.progress.event(
                "drill",
                &format!("[{}/{}] {}", i + 1, self.steps.len(), step.title),
            );
            let outcome = self.drill_step(i, step).await;
            let report = match outcome {
                Ok((detail, expected)) => {
                    let mut r = report_of(step, StepStatus::WouldRun, detail, None);
                    r.expected_seconds = Some(expected.as_secs());
                    r
                }
                Err(e @ FailoverError::Refused { .. }) => {
                    refused.get_or_insert_with(|| e.to_string());
                    report_of(step, StepStatus::WouldRefuse, e.to_string(), None)
                }
                Err(e) => return Err(e),
            };
            reports.push(report);
        }
        let recorded = Checklist::read(&self.opts.checklist)?
            .filter(|c| !c.finished())
            .map(|c| {
                format!(
                    "\n{} records an unfinished `{}` ({} of {} steps done)",
                    self.opts.checklist.display(),
                    c.operation,
                    c.done_count(),
                    c.steps.len()
                )
            })
            .unwrap_or_default();
        let (outcome, message) = match refused {
            Some(why) => (
                OutcomeKind::PreflightRefused,
                format!("drill of `{operation}`: a step would refuse: {why}{recorded}"),
            ),
            None => (
                OutcomeKind::Succeeded,
                format!(
                    "drill of `{operation}`: every step can run; nothing was changed{recorded}"
                ),
            ),
        };
        Ok(FailoverReport {
            operation,
            drill: true,
            outcome,
            message,
            steps: reports,
        })
    }

    async fn drill_step(
        &self,
        index: usize,
        step: &Step,
    ) -> Result<(String, Duration), FailoverError> {
        match &step.action {
            Action::PromoteDatabase { to, from } => {
                let promotion = database::decide(&self.database_target(to, from)?).await?;
                let expected = promotion.expected();
                Ok((format!("would: {}", promotion.describe()), expected))
            }
            Action::SetTrafficRole { region, role } => {
                let parameter = self.role_parameter(region)?;
                let now = traffic_role::read(self.aws(region)?, parameter).await?;
                let detail = match now.as_deref() {
                    Some(v) if v == role.as_str() => format!("{parameter} is already {role}"),
                    Some(v) => format!("would set {parameter}: {v} → {role}"),
                    None => {
                        return Err(FailoverError::Refused {
                            message: format!(
                                "the traffic-role parameter {parameter} does not exist in {region}"
                            ),
                            fix: "apply the regional stack once (it creates the parameter)".into(),
                        });
                    }
                };
                Ok((detail, Duration::from_secs(1)))
            }
            Action::ApplyStacks { stacks } => self.drill_apply(index, stacks).await,
            Action::WaitServing { region } => {
                let facts = self.facts(region)?;
                let now = health::region_health(self.aws(region)?, &facts.targets).await?;
                let serving = now.values().all(health::ServiceHealth::serving);
                let expected = if serving && index == 0 {
                    Duration::ZERO
                } else {
                    steps::EXPECTED_SERVING
                };
                Ok((format!("now: {}", health::summarize(&now)), expected))
            }
            Action::ConfirmEdge { down, stacks } => {
                let health_check = self.edge_health_check(down, stacks).await?;
                let route53 = &self.aws(self.opts.dr_region())?.route53;
                let (healthy, total) = edge::checkers(route53, &health_check).await?;
                Ok((
                    format!(
                        "now: {healthy} of {total} Route53 checkers see {down} healthy (health check {health_check}); {} applies once {down} answers",
                        stacks.join(", ")
                    ),
                    edge::EXPECTED_UNHEALTHY,
                ))
            }
        }
    }

    /// Plans the stacks as they would be applied at this step: the DR stack with the traffic role
    /// set just before (through the override variable, so nothing is written).
    async fn drill_apply(
        &self,
        index: usize,
        stacks: &[String],
    ) -> Result<(String, Duration), FailoverError> {
        let mut variables = BTreeMap::new();
        if let Some(role) = steps::role_before(&self.steps, index) {
            let mut vars = Map::new();
            vars.insert(
                ROLE_OVERRIDE_VARIABLE.into(),
                Value::String(role.as_str().into()),
            );
            variables.insert(self.dr_stack.clone(), vars);
        }
        // An edge stack is planned with the DR stack, so it shows as provisional: its inputs
        // change when the DR stack applies.
        let mut selected = stacks.to_vec();
        if !selected.contains(&self.dr_stack) {
            selected.insert(0, self.dr_stack.clone());
        }
        let summary = self.orchestrator(variables).plan(&selected).await?;
        let mut details = Vec::new();
        let mut expected = Duration::ZERO;
        for name in stacks {
            let Some(entry) = summary.stacks.get(name) else {
                continue;
            };
            if entry.status != StackStatus::Planned {
                return Err(FailoverError::StackFailed {
                    stack: name.clone(),
                    message: entry.message.clone().unwrap_or_default(),
                });
            }
            let c = &entry.counts;
            let mut line = format!(
                "{name}: would add {}, change {}, destroy {}",
                c.add,
                c.change + c.replace,
                c.destroy
            );
            if entry.provisional {
                line.push_str(&format!(
                    " (provisional: its inputs change when {} applies)",
                    self.dr_stack
                ));
            }
            details.push(line);
            expected += steps::expected_apply(entry);
        }
        Ok((details.join("; "), expected))
    }
}
