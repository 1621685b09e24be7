variable "project" {
  description = "Project name (key description and alias)."
  type        = string
}

variable "account_id" {
  description = "AWS account id (KMS key policy)."
  type        = string
}

variable "partition" {
  description = "AWS partition (ARNs)."
  type        = string
}

variable "region" {
  description = "Region of the bucket and its key: the region of this module's aws provider."
  type        = string
}

variable "bucket_name" {
  description = "Name of the state bucket."
  type        = string
}

variable "noncurrent_version_retention_days" {
  description = "Days old state versions are kept."
  type        = number
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the key is deleted."
  type        = number
}

variable "replica_region" {
  description = "Region of the bucket this one replicates to."
  type        = string
}

variable "replica_bucket_arn" {
  description = "ARN of the bucket this one replicates to (versioned: replication needs versioning at both ends)."
  type        = string
}

variable "replica_kms_key_arn" {
  description = "KMS key of the replica bucket's region that S3 encrypts the replicas with."
  type        = string
}

variable "replication_time_control" {
  description = "Enable S3 Replication Time Control (15-minute SLA) and replication metrics on the rule."
  type        = bool
}
