//! Everything that talks to AWS below the steps: settings and one `SdkConfig` per region
//! ([`config`]), the clients of a region ([`clients`]), GitHub OIDC credentials ([`oidc`]), one error
//! type ([`error`]), and the reads several steps share: the live ECS service ([`service`]) and a
//! deployment group's history ([`history`]).

pub mod clients;
pub mod config;
pub mod error;
pub mod history;
pub mod oidc;
pub mod service;

pub use clients::{RegionClients, clients_for};
pub use config::{AwsSettings, http_client, sdk_config};
pub use error::{AwsError, error_message, is_access_denied};
pub use history::deployment_ids;
pub use service::{LiveService, live_service};
