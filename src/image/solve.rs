//! Builds through BuildKit's own control API on the daemon's `/grpc` endpoint, as buildx's docker
//! driver does, for what the Engine API's `/build` cannot ask: a cache exported to a registry.
//! The build uses the same session (context, Dockerfile, secrets, credentials) and prints the same
//! step lines; the image lands in the daemon's store under the build's tags.

use std::collections::HashMap;
use std::time::Duration;

use bollard_buildkit_proto::moby::buildkit::v1::control_client::ControlClient;
use bollard_buildkit_proto::moby::buildkit::v1::{
    CacheOptions, CacheOptionsEntry, SolveRequest, StatusRequest, StatusResponse,
};
use tokio::sync::mpsc;

use super::buildkit::Steps;
use super::daemon_http::Endpoint;
use super::engine::{BuildSettings, CacheTo};
use super::progress::BuildOutput;

/// What the build needs besides its settings.
pub struct SolveInput<'a> {
    pub session_id: &'a str,
    /// The Dockerfile's name in the session's `dockerfile` folder.
    pub dockerfile: &'a str,
    /// The daemon has no bridge network: RUN steps get none.
    pub network_none: bool,
}

/// The request: the Dockerfile frontend with every `image.*` setting, the daemon's image store as
/// the exporter, and the caches to import and export.
pub fn solve_request(
    build_ref: &str,
    input: &SolveInput,
    settings: &BuildSettings,
) -> SolveRequest {
    let mut attrs: HashMap<String, String> = HashMap::new();
    attrs.insert("filename".into(), input.dockerfile.to_string());
    if let Some(target) = &settings.target {
        attrs.insert("target".into(), target.clone());
    }
    if let Some(platform) = &settings.platform {
        attrs.insert("platform".into(), platform.clone());
    }
    for (key, value) in &settings.build_args {
        attrs.insert(format!("build-arg:{key}"), value.clone());
    }
    for (key, value) in &settings.labels {
        attrs.insert(format!("label:{key}"), value.clone());
    }
    if settings.no_cache {
        attrs.insert("no-cache".into(), String::new());
    }
    if settings.pull {
        attrs.insert("image-resolve-mode".into(), "pull".into());
    }
    if input.network_none {
        attrs.insert("force-network-mode".into(), "none".into());
    }
    let entry = |kind: &str, attrs: HashMap<String, String>| CacheOptionsEntry {
        r#type: kind.to_string(),
        attrs,
    };
    // An image with inline cache and a cache manifest are both read by the registry importer.
    let imports: Vec<CacheOptionsEntry> = settings
        .cache_from
        .iter()
        .map(|reference| {
            entry(
                "registry",
                HashMap::from([("ref".into(), reference.clone())]),
            )
        })
        .collect();
    if !imports.is_empty() {
        // The Dockerfile frontend solves with the imports it is given as an attribute, as buildx
        // passes them; the request's own list alone is not consulted for its steps.
        let listed: Vec<serde_json::Value> = imports
            .iter()
            .map(|i| serde_json::json!({"Type": i.r#type, "Attrs": i.attrs}))
            .collect();
        attrs.insert(
            "cache-imports".into(),
            serde_json::Value::Array(listed).to_string(),
        );
    }
    let exports = match &settings.cache_to {
        Some(CacheTo::Registry { reference, attrs }) => {
            let mut attrs: HashMap<String, String> = attrs.clone().into_iter().collect();
            attrs.insert("ref".into(), reference.clone());
            vec![entry("registry", attrs)]
        }
        Some(CacheTo::Inline) => vec![entry("inline", HashMap::new())],
        None => Vec::new(),
    };
    SolveRequest {
        r#ref: build_ref.to_string(),
        exporter_deprecated: "moby".into(),
        exporter_attrs_deprecated: HashMap::from([("name".into(), settings.tags.join(","))]),
        session: input.session_id.to_string(),
        frontend: "dockerfile.v0".into(),
        frontend_attrs: attrs,
        cache: Some(CacheOptions {
            exports,
            imports,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Runs the build, printing BuildKit's status as step lines; `Err` is BuildKit's message.
pub async fn solve(
    endpoint: &Endpoint,
    api: &str,
    request: SolveRequest,
    steps: &mut Steps,
    progress: &mut BuildOutput,
) -> Result<(), String> {
    let channel = endpoint
        .grpc_channel(api)
        .await
        .map_err(|e| e.to_string())?;
    let mut control = ControlClient::new(channel)
        .max_decoding_message_size(16 << 20)
        .max_encoding_message_size(16 << 20);
    let (tx, mut rx) = mpsc::channel::<StatusResponse>(64);
    let mut watcher = control.clone();
    let status_ref = request.r#ref.clone();
    let watching = tokio::spawn(async move {
        let Ok(response) = watcher.status(StatusRequest { r#ref: status_ref }).await else {
            return;
        };
        let mut stream = response.into_inner();
        while let Ok(Some(status)) = stream.message().await {
            if tx.send(status).await.is_err() {
                return;
            }
        }
    });
    let solving = control.solve(request);
    tokio::pin!(solving);
    let result = loop {
        tokio::select! {
            Some(status) = rx.recv() => {
                for line in steps.lines(&status) {
                    progress.line(&line);
                }
            }
            result = &mut solving => break result,
        }
    };
    // The last updates (the steps that ended with the build) follow the answer closely.
    while let Ok(Some(status)) = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
        for line in steps.lines(&status) {
            progress.line(&line);
        }
    }
    watching.abort();
    result
        .map(|_| ())
        .map_err(|status| status.message().to_string())
}

/// BuildKit's words when the daemon's builder cannot export a cache to a registry (the classic
/// image store's builder offers the inline exporter only).
pub fn refused_cache_export(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("cache export") && m.contains("not supported")
        || m.contains("unknown cache exporter")
        || m.contains("unsupported cache exporter")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn the_request_carries_every_setting_and_the_caches() {
        let settings = BuildSettings {
            tags: vec!["shop/api:abc".into(), "shop/api:latest".into()],
            build_args: BTreeMap::from([("A".into(), "1".into())]),
            labels: BTreeMap::from([("team".into(), "payments".into())]),
            target: Some("runtime".into()),
            platform: Some("linux/amd64".into()),
            no_cache: false,
            pull: true,
            cache_from: vec!["r.example/shop/api:buildcache".into()],
            cache_to: Some(CacheTo::Registry {
                reference: "r.example/shop/api:buildcache".into(),
                attrs: BTreeMap::from([("mode".into(), "max".into())]),
            }),
            secrets: BTreeMap::new(),
            credentials: None,
        };
        let input = SolveInput {
            session_id: "s1",
            dockerfile: "Dockerfile",
            network_none: true,
        };
        let request = solve_request("r1", &input, &settings);
        let attrs = &request.frontend_attrs;
        assert_eq!(attrs["filename"], "Dockerfile");
        assert_eq!(attrs["target"], "runtime");
        assert_eq!(attrs["build-arg:A"], "1");
        assert_eq!(attrs["label:team"], "payments");
        assert_eq!(attrs["platform"], "linux/amd64");
        assert_eq!(attrs["image-resolve-mode"], "pull");
        assert_eq!(attrs["force-network-mode"], "none");
        assert!(!attrs.contains_key("no-cache"));
        assert_eq!(request.exporter_deprecated, "moby");
        assert_eq!(
            request.exporter_attrs_deprecated["name"],
            "shop/api:abc,shop/api:latest"
        );
        assert_eq!(request.session, "s1");
        let cache = request.cache.unwrap();
        assert_eq!(cache.exports[0].r#type, "registry");
        assert_eq!(
            cache.exports[0].attrs["ref"],
            "r.example/shop/api:buildcache"
        );
        assert_eq!(cache.exports[0].attrs["mode"], "max");
        assert_eq!(
            cache.imports[0].attrs["ref"],
            "r.example/shop/api:buildcache"
        );
        let listed: serde_json::Value = serde_json::from_str(&attrs["cache-imports"]).unwrap();
        assert_eq!(
            listed,
            serde_json::json!([{"Type": "registry", "Attrs": {"ref": "r.example/shop/api:buildcache"}}])
        );
    }
}
