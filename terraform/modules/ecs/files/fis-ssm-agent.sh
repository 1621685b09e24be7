# The FIS sidecar of a task with fault injection (modules/ecs, var.fault_injection). FIS runs its aws:ecs:task
# actions (network latency, blackhole, packet loss) as SSM documents on an SSM managed instance tagged with
# the task's ARN: this registers the task as one, runs the agent, and deregisters it when the task stops.
# Runs as `bash -c` in the amazon-ssm-agent image (Amazon Linux 2023).
set -euo pipefail
: "${MANAGED_INSTANCE_ROLE_NAME:?the task definition sets MANAGED_INSTANCE_ROLE_NAME}"
dnf install -y -q jq procps awscli >/dev/null

task=$(curl -fsS "${ECS_CONTAINER_METADATA_URI_V4}/task")
task_arn=$(jq -er .TaskARN <<<"$task")
zone=$(jq -er .AvailabilityZone <<<"$task")
region=${zone%?}

activation=$(aws ssm create-activation --region "$region" --iam-role "$MANAGED_INSTANCE_ROLE_NAME" \
  --description "FIS sidecar of $task_arn" \
  --tags "Key=ECS_TASK_ARN,Value=$task_arn" "Key=ECS_TASK_AVAILABILITY_ZONE,Value=$zone" \
  "Key=FAULT_INJECTION_SIDECAR,Value=true")
activation_id=$(jq -er .ActivationId <<<"$activation")
amazon-ssm-agent -register -y -region "$region" -id "$activation_id" \
  -code "$(jq -er .ActivationCode <<<"$activation")"

deregister() {
  aws ssm delete-activation --region "$region" --activation-id "$activation_id" || true
  instance=$(jq -r .ManagedInstanceID /var/lib/amazon/ssm/registration 2>/dev/null || true)
  [ -z "$instance" ] || aws ssm deregister-managed-instance --region "$region" --instance-id "$instance" || true
  kill -TERM "$agent" 2>/dev/null || true
}
trap deregister TERM INT
amazon-ssm-agent &
agent=$!
wait "$agent"
