//! shop-api: the example service that platform-deploy releases.
//!
//! - `GET /health` answers `200 ok` (the load balancer's health check).
//! - `GET /` answers a JSON document with the version from `APP_VERSION`.
//! - It listens on `PORT` (default 8080) on every interface.
//! - On SIGTERM (what ECS and `docker stop` send) or SIGINT it stops accepting connections, serves the
//!   connections already made, waits for the requests in flight and exits 0: during a blue/green traffic
//!   shift no request is cut off.
//!
//! Standard library only, so it builds in seconds without a registry.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How often the accept loop looks for new connections and for a stop request.
const ACCEPT_POLL: Duration = Duration::from_millis(20);
/// A client that sends nothing for this long is answered 408 and dropped, so shutdown never hangs on it.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Request line and headers larger than this are refused with 431.
const MAX_HEAD: usize = 16 * 1024;

// ---------------------------------------------------------------------------------------------
// Signals: one `extern "C"` declaration of signal(2) from the C library std already links.

static STOP: AtomicBool = AtomicBool::new(false);

const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;
/// `SIG_ERR` is `(sighandler_t) -1`.
const SIG_ERR: usize = usize::MAX;

unsafe extern "C" {
    /// `sighandler_t signal(int signum, sighandler_t handler);` (`sighandler_t` is pointer-sized).
    fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
}

extern "C" fn request_stop(_signum: i32) {
    // An atomic store is all a signal handler may safely do here; the accept loop polls it.
    STOP.store(true, Ordering::SeqCst);
}

fn install_stop_handlers() -> io::Result<()> {
    for signum in [SIGTERM, SIGINT] {
        // SAFETY: `request_stop` only stores to an atomic, which is async-signal-safe.
        if unsafe { signal(signum, request_stop) } == SIG_ERR {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Settings

#[derive(Debug, PartialEq, Eq)]
struct Settings {
    port: u16,
    version: String,
}

impl Settings {
    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let port = match get("PORT").filter(|p| !p.trim().is_empty()) {
            None => 8080,
            Some(raw) => raw
                .trim()
                .parse::<u16>()
                .map_err(|_| format!("PORT must be a port number from 0 to 65535, got `{raw}`"))?,
        };
        let version = get("APP_VERSION")
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "dev".to_string());
        Ok(Settings { port, version })
    }
}

fn main() -> ExitCode {
    let settings = match Settings::from_lookup(|name| std::env::var(name).ok()) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("shop-api: {message}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = install_stop_handlers() {
        eprintln!("shop-api: cannot install the SIGTERM handler: {e}");
        return ExitCode::FAILURE;
    }
    let listener = match TcpListener::bind(("0.0.0.0", settings.port)) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "shop-api: cannot listen on port {}: {e} (set PORT to a free port)",
                settings.port
            );
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => eprintln!("shop-api {} listening on {addr}", settings.version),
        Err(_) => eprintln!("shop-api {} listening", settings.version),
    }
    match serve(listener, Arc::from(settings.version.as_str())) {
        Ok(finished) => {
            eprintln!("shop-api: stopped cleanly ({finished} in-flight connection(s) finished)");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("shop-api: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Accepts connections until a stop is requested, then serves what is already connected and waits for
/// every request in flight. Returns how many connections were still in flight at the stop.
fn serve(listener: TcpListener, version: Arc<str>) -> io::Result<usize> {
    listener.set_nonblocking(true)?;
    let mut in_flight: Vec<JoinHandle<()>> = Vec::new();
    loop {
        let stopping = STOP.load(Ordering::SeqCst);
        match listener.accept() {
            Ok((stream, _peer)) => {
                let version = Arc::clone(&version);
                let spawned = thread::Builder::new()
                    .name("request".into())
                    .spawn(move || handle_connection(stream, &version));
                match spawned {
                    Ok(handle) => in_flight.push(handle),
                    // The stream was moved into the closure and is closed with it.
                    Err(e) => eprintln!("shop-api: cannot start a request thread: {e}"),
                }
            }
            // Nothing waiting. After a stop request this means the backlog is drained: clients whose
            // connection the kernel had already completed are served rather than reset.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if stopping {
                    break;
                }
                thread::sleep(ACCEPT_POLL);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // Out of file descriptors and the like: keep serving the connections we have.
            Err(e) => {
                eprintln!("shop-api: accept failed: {e}");
                if stopping {
                    break;
                }
                thread::sleep(ACCEPT_POLL);
            }
        }
        in_flight.retain(|handle| !handle.is_finished());
    }
    // Closing the listener refuses every new connection from here on.
    drop(listener);
    let finishing = in_flight.len();
    eprintln!("shop-api: stop requested; finishing {finishing} in-flight connection(s)");
    for handle in in_flight {
        let _ = handle.join();
    }
    Ok(finishing)
}

fn handle_connection(mut stream: TcpStream, version: &str) {
    // Some platforms hand out accepted sockets with the listener's non-blocking flag.
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let response = match read_head(&mut stream) {
        Ok(Head::Complete(head)) => respond(&head, version),
        Ok(Head::TooLarge) => Response::text(431, "request header fields too large\n"),
        Ok(Head::Closed) => return,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            Response::text(408, "request timeout\n")
        }
        Err(_) => return,
    };
    if let Err(e) = stream.write_all(&response.to_bytes()) {
        eprintln!("shop-api: cannot write the response: {e}");
        return;
    }
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
}

enum Head {
    Complete(String),
    TooLarge,
    /// The client closed the connection before sending a whole request head.
    Closed,
}

/// Reads up to the blank line that ends the request head. Request bodies are not read: no route takes one.
fn read_head(stream: &mut impl Read) -> io::Result<Head> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(Head::Closed);
        }
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(&head, b"\r\n\r\n") {
            if end > MAX_HEAD {
                return Ok(Head::TooLarge);
            }
            head.truncate(end);
            return Ok(Head::Complete(String::from_utf8_lossy(&head).into_owned()));
        }
        if head.len() > MAX_HEAD {
            return Ok(Head::TooLarge);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// Routing and responses

#[derive(Debug, PartialEq, Eq)]
struct Response {
    status: u16,
    content_type: &'static str,
    body: String,
    /// HEAD: headers as for GET, no body.
    head_only: bool,
    allow: Option<&'static str>,
}

impl Response {
    fn text(status: u16, body: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.to_string(),
            head_only: false,
            allow: None,
        }
    }

    fn json(status: u16, body: String) -> Response {
        Response {
            status,
            content_type: "application/json",
            body,
            head_only: false,
            allow: None,
        }
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        if let Some(allow) = self.allow {
            out.push_str(&format!("Allow: {allow}\r\n"));
        }
        out.push_str("\r\n");
        if !self.head_only {
            out.push_str(&self.body);
        }
        out.into_bytes()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Answers one request head (request line and headers, without the final blank line).
fn respond(head: &str, version: &str) -> Response {
    let request_line = head.lines().next().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(protocol), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Response::text(400, "malformed request line\n");
    };
    if !protocol.starts_with("HTTP/1.") {
        return Response::text(505, "only HTTP/1.x is spoken here\n");
    }
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let mut response = match path {
        "/health" => Response::text(200, "ok"),
        "/" => Response::json(
            200,
            format!(
                "{{\"service\":\"shop-api\",\"version\":\"{}\"}}",
                json_escape(version)
            ),
        ),
        _ => return Response::text(404, "not found\n"),
    };
    match method {
        "GET" => {}
        "HEAD" => response.head_only = true,
        _ => {
            let mut refused = Response::text(405, "method not allowed\n");
            refused.allow = Some("GET, HEAD");
            return refused;
        }
    }
    if path != "/health" {
        eprintln!("shop-api: {method} {path} {}", response.status);
    }
    response
}

fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn settings_default_to_port_8080_and_version_dev() {
        assert_eq!(
            Settings::from_lookup(env(&[])).unwrap(),
            Settings {
                port: 8080,
                version: "dev".into()
            }
        );
    }

    #[test]
    fn settings_read_port_and_version() {
        let s = Settings::from_lookup(env(&[("PORT", "9000"), ("APP_VERSION", "abc123")])).unwrap();
        assert_eq!((s.port, s.version.as_str()), (9000, "abc123"));
    }

    #[test]
    fn a_bad_port_is_refused_with_the_value() {
        let err = Settings::from_lookup(env(&[("PORT", "eighty")])).unwrap_err();
        assert!(err.contains("`eighty`"), "{err}");
    }

    #[test]
    fn health_answers_ok() {
        let r = respond("GET /health HTTP/1.1\r\nHost: x", "1.0");
        assert_eq!((r.status, r.body.as_str()), (200, "ok"));
        let bytes = String::from_utf8(r.to_bytes()).unwrap();
        assert!(bytes.starts_with("HTTP/1.1 200 OK\r\n"), "{bytes}");
        assert!(bytes.ends_with("\r\n\r\nok"), "{bytes}");
    }

    #[test]
    fn root_answers_json_with_the_version_escaped() {
        let r = respond("GET /?x=1 HTTP/1.1", "v\"1\\2");
        assert_eq!(r.status, 200);
        assert_eq!(r.content_type, "application/json");
        assert_eq!(r.body, r#"{"service":"shop-api","version":"v\"1\\2"}"#);
    }

    #[test]
    fn head_sends_headers_without_a_body() {
        let r = respond("HEAD /health HTTP/1.1", "1");
        let bytes = String::from_utf8(r.to_bytes()).unwrap();
        assert!(bytes.contains("Content-Length: 2\r\n"), "{bytes}");
        assert!(bytes.ends_with("\r\n\r\n"), "{bytes}");
    }

    #[test]
    fn unknown_paths_methods_and_garbage_are_refused() {
        assert_eq!(respond("GET /nope HTTP/1.1", "1").status, 404);
        let post = respond("POST /health HTTP/1.1", "1");
        assert_eq!((post.status, post.allow), (405, Some("GET, HEAD")));
        assert_eq!(respond("hello", "1").status, 400);
        assert_eq!(respond("GET / SPDY/3", "1").status, 505);
    }

    #[test]
    fn the_head_is_read_up_to_the_blank_line_and_limited() {
        let mut ok: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody";
        match read_head(&mut ok).unwrap() {
            Head::Complete(h) => assert_eq!(h, "GET / HTTP/1.1\r\nHost: a"),
            _ => panic!("expected a complete head"),
        }
        let mut closed: &[u8] = b"GET / HTTP/1.1\r\n";
        assert!(matches!(read_head(&mut closed).unwrap(), Head::Closed));
        let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert!(matches!(
            read_head(&mut big.as_bytes()).unwrap(),
            Head::TooLarge
        ));
    }
}
