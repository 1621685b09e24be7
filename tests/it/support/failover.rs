//! What the failover tests read: the AWS stand-in's call record and region outages (its control
//! endpoint), the failover report's steps, and the checklist a run keeps on disk.

use std::path::Path;
use std::process::{Child, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::http;

/// A control call to the stand-in at `addr` (`127.0.0.1:PORT`); panics unless it answers 200.
pub fn control(addr: &str, method: &str, path: &str) -> Value {
    let (status, body) = match method {
        "GET" => http::get(addr, path),
        _ => http::post_json(addr, path, &Value::Null),
    }
    .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    assert_eq!(status, 200, "{method} {path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// Forgets the calls recorded so far.
pub fn reset_calls(addr: &str) {
    control(addr, "POST", "/_sandbox/calls/reset");
}

/// Takes `region` down (every call for it fails as an outage does) or brings it back.
pub fn region(addr: &str, region: &str, state: &str) {
    control(addr, "POST", &format!("/_sandbox/regions/{region}/{state}"));
}

/// The mutating calls the stand-in received since the last reset, as `service:Operation@region`.
pub fn mutations(addr: &str) -> Vec<String> {
    let calls = control(addr, "GET", "/_sandbox/calls?mutating=true");
    calls["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}:{}@{}",
                c["service"].as_str().unwrap_or("?"),
                c["operation"].as_str().unwrap_or("?"),
                c["region"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

/// How many `operation` calls the stand-in received since the last reset.
pub fn count(addr: &str, operation: &str) -> u64 {
    let calls = control(
        addr,
        "GET",
        &format!("/_sandbox/calls?operation={operation}"),
    );
    calls["total"].as_u64().unwrap()
}

/// The report's steps as (id, status).
pub fn steps(report: &Value) -> Vec<(String, String)> {
    report["data"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The detail the report gives for step `id`.
pub fn detail<'a>(report: &'a Value, id: &str) -> &'a str {
    report["data"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .and_then(|s| s["detail"].as_str())
        .unwrap_or_else(|| panic!("no step {id} with a detail: {report:#}"))
}

/// Waits until the checklist of the running failover (`child`) records step `id` done.
pub fn wait_for_step(checklist: &Path, id: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let text = std::fs::read_to_string(checklist).unwrap_or_default();
        let recorded: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let done = recorded["steps"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["id"] == id && s["state"] == "done"));
        if done {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "step {id} did not finish: {text}"
        );
        if child.try_wait().unwrap().is_some() {
            let out = super::output::child_output(child);
            panic!(
                "failover ended before step {id} was done:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Interrupts `child` as Ctrl-C does and returns its output.
pub fn interrupt(child: &mut Child) -> Output {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    super::output::child_output(child)
}
