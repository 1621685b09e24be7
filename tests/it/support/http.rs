//! Tiny HTTP/1.1 probes on loopback (one request a connection, `Connection: close`), for stand-ins
//! and containers that a test waits for or pokes: no client library, no retries.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// GET `path` from `addr` (`host:port`): the status code and the body.
pub fn get(addr: &str, path: &str) -> io::Result<(u16, String)> {
    exchange(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

/// GET with extra header lines (e.g. an `Authorization` that names the AWS service a stand-in routes to).
pub fn get_with(addr: &str, path: &str, headers: &[(&str, &str)]) -> io::Result<(u16, String)> {
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    exchange(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n")
            .as_bytes(),
    )
}

/// The status code `addr` answers a GET of `path` with, or `None` when nothing answers.
pub fn status(addr: &str, path: &str) -> Option<u16> {
    get(addr, path).ok().map(|(status, _)| status)
}

/// POST `body` as JSON to `path` on `addr`: the status code and the body of the answer.
pub fn post_json(addr: &str, path: &str, body: &serde_json::Value) -> io::Result<(u16, String)> {
    let body = body.to_string();
    exchange(
        addr,
        format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
}

/// POST a form (`application/x-www-form-urlencoded`, already encoded) with extra header lines.
pub fn post_form(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> io::Result<(u16, String)> {
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    exchange_within(
        addr,
        format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
        Duration::from_secs(60),
    )
}

fn exchange(addr: &str, request: &[u8]) -> io::Result<(u16, String)> {
    exchange_within(addr, request, Duration::from_secs(5))
}

fn exchange_within(
    addr: &str,
    request: &[u8],
    read_timeout: Duration,
) -> io::Result<(u16, String)> {
    let socket = addr.to_socket_addrs()?.next().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("no address: {addr}"))
    })?;
    let mut stream = TcpStream::connect_timeout(&socket, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(read_timeout))?;
    stream.write_all(request)?;
    let mut raw = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            // A server that keeps the connection open after its answer: what came is the answer.
            Err(_) if !raw.is_empty() => break,
            Err(e) => return Err(e),
        }
    }
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("not an HTTP answer: {text:?}"),
            )
        })?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}
