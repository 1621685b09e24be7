//! Build secrets (`image.secrets`): read from the environment or a file when the build starts,
//! registered for masking at once, and handed to the daemon only when a `RUN --mount=type=secret`
//! asks for them through the session. They never enter the context, a layer or the build request.

use std::collections::{BTreeMap, HashMap};

use bollard_buildkit_proto::moby::buildkit::secrets::v1::secrets_server::Secrets;
use bollard_buildkit_proto::moby::buildkit::secrets::v1::{GetSecretRequest, GetSecretResponse};
use tonic::{Request, Response, Status};

use crate::config::SecretSource;
use crate::image::ImageError;

/// The secret values of one build, by id.
#[derive(Default)]
pub struct SecretStore {
    values: HashMap<String, Vec<u8>>,
}

impl std::fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretStore")
            .field("ids", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SecretStore {
    /// Reads every secret; one that is missing stops the build before anything is sent.
    pub fn resolve(sources: &BTreeMap<String, SecretSource>) -> Result<SecretStore, ImageError> {
        let mut values = HashMap::new();
        for (id, source) in sources {
            let value = match source {
                SecretSource::Env(name) => match std::env::var_os(name) {
                    Some(v) => v.into_encoded_bytes(),
                    None => {
                        return Err(ImageError::SecretUnavailable {
                            id: id.clone(),
                            source_text: source.to_string(),
                            reason: format!("the environment variable {name} is not set"),
                            fix: format!(
                                "set {name} for this run (in Actions: `env: {name}: ${{{{ secrets.{name} }}}}`), or change image.secrets.{id} in platform.toml"
                            ),
                        });
                    }
                },
                SecretSource::File(path) => std::fs::read(path).map_err(|e| {
                    ImageError::SecretUnavailable {
                        id: id.clone(),
                        source_text: source.to_string(),
                        reason: e.to_string(),
                        fix: format!(
                            "create the file before the build, or change image.secrets.{id} in platform.toml"
                        ),
                    }
                })?,
            };
            if let Ok(text) = std::str::from_utf8(&value) {
                crate::secrets::register(text);
            }
            values.insert(id.clone(), value);
        }
        Ok(SecretStore { values })
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[tonic::async_trait]
impl Secrets for SecretStore {
    async fn get_secret(
        &self,
        request: Request<GetSecretRequest>,
    ) -> Result<Response<GetSecretResponse>, Status> {
        let id = &request.get_ref().id;
        match self.values.get(id) {
            Some(data) => Ok(Response::new(GetSecretResponse { data: data.clone() })),
            None => Err(Status::not_found(format!(
                "secret {id} not found: add it to image.secrets in platform.toml"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_come_from_env_and_file_and_are_masked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pip.conf");
        std::fs::write(
            &file,
            "index-url = https://u:filecanary-91d7@pypi.example\n",
        )
        .unwrap();
        // SAFETY: a name no other test reads.
        unsafe { std::env::set_var("PD_TEST_SECRET_ENV_1", "envcanary-5f3a") };
        let store = SecretStore::resolve(&BTreeMap::from([
            (
                "tok".into(),
                SecretSource::Env("PD_TEST_SECRET_ENV_1".into()),
            ),
            ("pip".into(), SecretSource::File(file)),
        ]))
        .unwrap();
        let got = store
            .get_secret(Request::new(GetSecretRequest {
                id: "tok".into(),
                ..Default::default()
            }))
            .await
            .unwrap();
        assert_eq!(got.get_ref().data, b"envcanary-5f3a");
        assert_eq!(crate::secrets::redact("x envcanary-5f3a y"), "x *** y");
        let logged =
            crate::secrets::redact("conf: index-url = https://u:filecanary-91d7@pypi.example");
        assert!(!logged.contains("filecanary"), "{logged}");
        let missing = store
            .get_secret(Request::new(GetSecretRequest {
                id: "nope".into(),
                ..Default::default()
            }))
            .await
            .unwrap_err();
        assert_eq!(missing.code(), tonic::Code::NotFound);
        assert!(
            !format!("{store:?}").contains("canary"),
            "Debug shows ids only"
        );
    }

    #[test]
    fn a_missing_source_names_the_secret_and_the_fix() {
        let err = SecretStore::resolve(&BTreeMap::from([(
            "npm".into(),
            SecretSource::Env("PD_TEST_SECRET_NEVER_SET".into()),
        )]))
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("image.secrets.npm"), "{text}");
        assert!(
            text.contains("PD_TEST_SECRET_NEVER_SET is not set"),
            "{text}"
        );
        assert_eq!(err.kind(), crate::outcome::OutcomeKind::BadInput);
    }
}
