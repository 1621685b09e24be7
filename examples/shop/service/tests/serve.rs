//! The real binary on a loopback port: routes, and a clean stop on SIGTERM that still answers the
//! request in flight.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(version: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shop-api"))
        .env("PORT", "0")
        .env("APP_VERSION", version)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start shop-api");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let port = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in the first log line: {line:?}"));
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stderr.read_to_string(&mut rest);
    });
    Server { child, port }
}

fn get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn health_and_root_answer() {
    let server = start("3f2c1ab");
    let health = get(server.port, "/health");
    assert!(health.starts_with("HTTP/1.1 200 OK\r\n"), "{health}");
    assert!(health.ends_with("\r\n\r\nok"), "{health}");
    let root = get(server.port, "/");
    assert!(
        root.ends_with(r#"{"service":"shop-api","version":"3f2c1ab"}"#),
        "{root}"
    );
    assert!(get(server.port, "/missing").starts_with("HTTP/1.1 404 "));
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits_zero() {
    let mut server = start("1");
    // A client is connected and halfway through its request when the stop arrives.
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.write_all(b"GET /health HTTP/1.1\r\n").unwrap();
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    stream.write_all(b"Host: localhost\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");

    let exit = server.child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "shop-api must exit 0 after SIGTERM");
    // Nothing listens any more.
    assert!(TcpStream::connect(("127.0.0.1", server.port)).is_err());
}
