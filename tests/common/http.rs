//! The one HTTP client of the tests: a plain HTTP/1.0 GET, enough for the test
//! registries and for servers the tests start inside containers.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// GET `path` from `addr`, with an Accept header when one is given: (status, body).
/// The connection is given `connect_timeout` to open and 10 s per read.
pub fn get(
    addr: SocketAddr,
    path: &str,
    accept: Option<&str>,
    connect_timeout: Duration,
) -> Result<(u16, Vec<u8>), String> {
    let mut stream = TcpStream::connect_timeout(&addr, connect_timeout)
        .map_err(|e| format!("connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let accept = accept
        .map(|a| format!("Accept: {a}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {addr}\r\n{accept}\r\n"
    )
    .map_err(|e| format!("write to {addr}: {e}"))?;
    let mut reply = Vec::new();
    stream
        .read_to_end(&mut reply)
        .map_err(|e| format!("read from {addr}: {e}"))?;
    // CGI replies end their header with bare newlines.
    let (split, sep) = match reply.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(at) => (at, 4),
        None => (
            reply
                .windows(2)
                .position(|w| w == b"\n\n")
                .ok_or_else(|| format!("no HTTP header from {addr}: {reply:?}"))?,
            2,
        ),
    };
    let head = String::from_utf8_lossy(&reply[..split]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP reply from {addr}: {:?}", head.lines().next()))?;
    Ok((status, reply[split + sep..].to_vec()))
}
