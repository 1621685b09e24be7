//! The terraform steps of one stack: init, outputs, plan + show, apply.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::error::TerraformError;
use super::plan_json::PlanJson;
use super::process::{self, Captured, Invocation, LineSink};
use crate::config::{Backend, Stack};

/// The generated variables file a stack's upstream outputs are passed through.
pub const INPUTS_FILE: &str = "platform-deploy.auto.tfvars.json";
/// Written only into an offline run's working copy (see `offline`): swaps the backend for a local one.
pub const OFFLINE_OVERRIDE_FILE: &str = "platform_deploy_offline_override.tf";

/// What every terraform command of a run shares.
#[derive(Clone)]
pub struct RunContext {
    pub binary: String,
    pub offline: bool,
    pub backend: Option<Backend>,
    pub out_dir: PathBuf,
    pub sink: Arc<dyn LineSink>,
    pub cancel: CancellationToken,
    /// `terraform init` runs one stack at a time: a shared plugin cache (TF_PLUGIN_CACHE_DIR) is not
    /// safe for concurrent installs. Plans and applies still run in parallel.
    pub init_lock: Arc<tokio::sync::Mutex<()>>,
    /// Extra variables per stack, on top of the upstream inputs (e.g. the traffic role a
    /// `failover --drill` plans with). Later keys win over inputs of the same name.
    pub variables: std::collections::BTreeMap<String, Map<String, Value>>,
    /// The AWS environment of every terraform command: set (`Some`) or removed (`None`); see
    /// [`super::credentials::terraform_aws`].
    pub aws_env: std::collections::BTreeMap<String, Option<String>>,
    /// Regions known not to answer (`failover --primary-down`): state buckets there are not tried;
    /// outputs come from the replicas straight away.
    pub unreachable: std::collections::BTreeSet<String>,
    /// Plans only look (a drill): no state lock, so nothing at all is written to the backend.
    pub read_only: bool,
}

impl RunContext {
    fn data_dir(&self, stack: &Stack) -> PathBuf {
        self.out_dir.join(".terraform").join(&stack.name)
    }

    pub fn plan_file(&self, stack: &str) -> PathBuf {
        self.out_dir.join(format!("{stack}.tfplan"))
    }

    pub fn json_file(&self, stack: &str) -> PathBuf {
        self.out_dir.join(format!("{stack}.json"))
    }

    /// A terraform command in the stack's folder with the run's environment.
    pub fn invocation(&self, stack: &Stack, args: &[&str]) -> Invocation {
        let mut inv = Invocation::new(&self.binary, &stack.dir, args)
            // Keep .terraform/ out of the source tree and apart per stack.
            .env("TF_DATA_DIR", self.data_dir(stack).display().to_string());
        if self.offline {
            inv = inv.env("TF_VAR_offline", "true");
        }
        for (key, value) in &self.aws_env {
            inv = match value {
                Some(value) => inv.env(key, value),
                None => inv.env_remove(key),
            };
        }
        inv
    }
}

/// `terraform init` arguments: the S3 backend from platform.toml, or none when offline.
pub fn init_args(stack: &str, backend: Option<&Backend>, offline: bool) -> Vec<String> {
    let mut args: Vec<String> = ["init", "-input=false", "-no-color"]
        .map(String::from)
        .to_vec();
    if !offline && let Some(b) = backend {
        let key = b.key(stack);
        for (k, v) in [
            ("bucket", b.bucket.as_str()),
            ("key", key.as_str()),
            ("region", b.region.as_str()),
            // No `encrypt`: it would write SSE-S3 over the bucket's default SSE-KMS key.
            ("use_lockfile", "true"),
        ] {
            args.push(format!("-backend-config={k}={v}"));
        }
    }
    args
}

async fn checked(
    ctx: &RunContext,
    stack: &Stack,
    inv: Invocation,
    quiet_stdout: bool,
    ok_codes: &[i32],
) -> Result<Captured, TerraformError> {
    let out = process::run(
        &inv,
        &stack.name,
        ctx.sink.clone(),
        &ctx.cancel,
        quiet_stdout,
    )
    .await?;
    if ok_codes.contains(&out.code) {
        return Ok(out);
    }
    Err(step_error(stack, inv.step(), &out))
}

fn step_error(stack: &Stack, step: &str, out: &Captured) -> TerraformError {
    let stderr = crate::secrets::redact(out.stderr.trim());
    if stderr.contains("Error acquiring the state lock") {
        let who = stderr
            .lines()
            .find(|l| l.trim_start().starts_with("Who:"))
            .map(|l| format!(" ({})", l.trim()))
            .unwrap_or_default();
        return TerraformError::Locked {
            stack: stack.name.clone(),
            dir: stack.dir.clone(),
            who,
        };
    }
    let fix = match step {
        "init" => {
            "check the backend settings in platform.toml and the provider sources; run `terraform init` in the stack folder to see more"
        }
        "plan" => "fix the Terraform configuration or the inputs named above, then plan again",
        "apply" => {
            "read terraform's error above; the state holds what was applied, re-run after fixing"
        }
        _ => "read terraform's error above",
    };
    TerraformError::Step {
        stack: stack.name.clone(),
        step: step.to_string(),
        code: out.code,
        stderr: tail(&stderr, 40),
        fix: fix.to_string(),
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

pub async fn init(ctx: &RunContext, stack: &Stack) -> Result<(), TerraformError> {
    let backend = stack.backend.as_ref().or(ctx.backend.as_ref());
    init_at(ctx, stack, &stack.name, backend).await
}

/// `terraform init` of `stack`'s folder against the state of stack `state_of` in `backend`.
async fn init_at(
    ctx: &RunContext,
    stack: &Stack,
    state_of: &str,
    backend: Option<&Backend>,
) -> Result<(), TerraformError> {
    let _one_at_a_time = ctx.init_lock.lock().await;
    let args = init_args(state_of, backend, ctx.offline);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    checked(ctx, stack, ctx.invocation(stack, &args), false, &[0]).await?;
    Ok(())
}

/// The stack's current outputs, from the backend that answers: its own, else the first replica
/// (S3 replication keeps a copy of the state in the other regions' buckets, so a region outage
/// does not hide the outputs of the stacks whose state lives there). A replica is only read.
pub async fn current_outputs(
    ctx: &RunContext,
    stack: &Stack,
) -> Result<Map<String, Value>, TerraformError> {
    let down = stack
        .backend
        .as_ref()
        .is_some_and(|b| ctx.unreachable.contains(&b.region));
    let error = if down {
        None
    } else {
        let own = async {
            init(ctx, stack).await?;
            outputs(ctx, stack).await
        }
        .await;
        match own {
            Ok(values) => return Ok(values),
            Err(TerraformError::Cancelled) => return Err(TerraformError::Cancelled),
            Err(e) => Some(e),
        }
    };
    let Some(backend) = stack.backend.as_ref().filter(|_| !ctx.offline) else {
        return error.map_or_else(|| outputs_unreachable(stack), Err);
    };
    for replica in backend
        .replicas
        .iter()
        .filter(|r| !ctx.unreachable.contains(&r.region))
    {
        ctx.sink.line(
            &stack.name,
            &format!(
                "s3://{}/{} ({}) did not answer; reading the outputs from the replica s3://{}/{} ({})",
                backend.bucket,
                backend.key(&stack.name),
                backend.region,
                replica.bucket,
                backend.key(&stack.name),
                replica.region
            ),
        );
        // Its own data folder: the stack's stays initialised for its real backend.
        let copy = Stack {
            name: format!("{}@{}", stack.name, replica.region),
            backend: Some(backend.at(replica)),
            ..stack.clone()
        };
        let read = async {
            init_at(ctx, &copy, &stack.name, copy.backend.as_ref()).await?;
            outputs(ctx, &copy).await
        }
        .await;
        match read {
            // An object that has not replicated yet reads as an empty state: not an answer.
            Ok(values) if values.is_empty() => ctx.sink.line(
                &copy.name,
                "the replica holds no outputs for this stack (not replicated yet?)",
            ),
            Ok(values) => {
                tracing::info!(
                    "{}: outputs read from the replica s3://{} in {} ({} did not answer)",
                    stack.name,
                    replica.bucket,
                    replica.region,
                    backend.region
                );
                return Ok(values);
            }
            Err(TerraformError::Cancelled) => return Err(TerraformError::Cancelled),
            Err(e) => ctx.sink.line(
                &copy.name,
                &format!("the replica did not answer either: {e}"),
            ),
        }
    }
    error.map_or_else(|| outputs_unreachable(stack), Err)
}

fn outputs_unreachable(stack: &Stack) -> Result<Map<String, Value>, TerraformError> {
    Err(TerraformError::Step {
        stack: stack.name.clone(),
        step: "output".into(),
        code: 1,
        stderr: "the state's region is down and no replica of it answered".into(),
        fix: "add a state bucket in another region to [terraform.backend] buckets, replicated from this one (terraform/bootstrap makes them)".into(),
    })
}

/// The stack's current outputs (`{name: value}`), sensitive ones included.
pub async fn outputs(
    ctx: &RunContext,
    stack: &Stack,
) -> Result<Map<String, Value>, TerraformError> {
    let out = checked(
        ctx,
        stack,
        ctx.invocation(stack, &["output", "-json", "-no-color"]),
        true,
        &[0],
    )
    .await?;
    let parsed: Value =
        serde_json::from_str(out.stdout.trim()).map_err(|e| TerraformError::BadOutput {
            stack: stack.name.clone(),
            step: "output -json".into(),
            reason: e.to_string(),
        })?;
    let mut values = Map::new();
    if let Value::Object(map) = parsed {
        for (name, output) in map {
            if let Some(value) = output.get("value") {
                values.insert(name, value.clone());
            }
        }
    }
    Ok(values)
}

/// Writes (or removes, when empty) the generated inputs file.
pub fn write_inputs(stack: &Stack, values: &Map<String, Value>) -> Result<(), TerraformError> {
    let path = stack.dir.join(INPUTS_FILE);
    let result = if values.is_empty() {
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    } else {
        let mut text =
            serde_json::to_string_pretty(&Value::Object(values.clone())).unwrap_or_default();
        text.push('\n');
        std::fs::write(&path, text)
    };
    result.map_err(|source| TerraformError::Write { path, source })
}

/// `plan -out` then `show -json`; writes `<stack>.tfplan` and `<stack>.json` to the out dir.
pub async fn plan(
    ctx: &RunContext,
    stack: &Stack,
    destroy: bool,
) -> Result<(PlanJson, String), TerraformError> {
    let plan_file = ctx.plan_file(&stack.name);
    let mut inv = ctx.invocation(
        stack,
        &["plan", "-input=false", "-no-color", "-lock-timeout=60s"],
    );
    inv = inv.arg(format!("-out={}", plan_file.display()));
    if ctx.read_only {
        inv = inv.arg("-lock=false");
    }
    if destroy {
        inv = inv.arg("-destroy");
    }
    checked(ctx, stack, inv, false, &[0]).await?;
    show(ctx, stack, &plan_file).await
}

/// The saved plan as JSON, written beside it; returns the parsed model and terraform's version.
pub async fn show(
    ctx: &RunContext,
    stack: &Stack,
    plan_file: &Path,
) -> Result<(PlanJson, String), TerraformError> {
    let inv = ctx
        .invocation(stack, &["show", "-json", "-no-color"])
        .arg(plan_file.display().to_string());
    let out = checked(ctx, stack, inv, true, &[0]).await?;
    let json_file = ctx.json_file(&stack.name);
    std::fs::write(&json_file, out.stdout.as_bytes()).map_err(|source| TerraformError::Write {
        path: json_file.clone(),
        source,
    })?;
    let plan = PlanJson::parse(out.stdout.as_bytes()).map_err(|e| TerraformError::BadOutput {
        stack: stack.name.clone(),
        step: "show -json".into(),
        reason: e.to_string(),
    })?;
    let version = plan.terraform_version.clone();
    Ok((plan, version))
}

/// Applies a saved plan exactly as it is.
pub async fn apply(
    ctx: &RunContext,
    stack: &Stack,
    plan_file: &Path,
) -> Result<(), TerraformError> {
    let inv = ctx
        .invocation(
            stack,
            &["apply", "-input=false", "-no-color", "-lock-timeout=60s"],
        )
        .arg(plan_file.display().to_string());
    checked(ctx, stack, inv, false, &[0]).await?;
    Ok(())
}

/// `terraform version -json` → the version string.
pub async fn version(binary: &str, cancel: &CancellationToken) -> Result<String, TerraformError> {
    let inv = Invocation::new(binary, Path::new("."), &["version", "-json"]);
    let sink: Arc<dyn LineSink> = Arc::new(process::BufferedLines::default());
    let out = process::run(&inv, "terraform", sink, cancel, true).await?;
    let parsed: Value = serde_json::from_str(out.stdout.trim()).unwrap_or(Value::Null);
    Ok(parsed["terraform_version"]
        .as_str()
        .unwrap_or("unknown")
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_init_points_the_s3_backend_at_the_stack_key_with_native_locking() {
        let backend = Backend {
            bucket: "shop-state".into(),
            region: "us-east-1".into(),
            key_prefix: "platform/".into(),
            replicas: Vec::new(),
        };
        let args = init_args("eu-west-1", Some(&backend), false);
        assert!(args.contains(&"-backend-config=key=platform/eu-west-1.tfstate".to_string()));
        assert!(args.contains(&"-backend-config=use_lockfile=true".to_string()));
        assert_eq!(
            init_args("eu-west-1", Some(&backend), true),
            vec!["init", "-input=false", "-no-color"]
        );
    }
}
