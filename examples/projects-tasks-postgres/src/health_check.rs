//! `my-api --health-check`: asks the server running beside it for `GET /health`, and
//! exits with status 0 on a 200, 1 otherwise (saying why on stderr). It is the container's
//! `HEALTHCHECK` (see `Dockerfile`), since the runtime image has no shell and no HTTP client.
//!
//! The server is found where it listens: `HOST` and `PORT` (and `.env`), with the defaults of
//! `src/config.rs`; a server listening on every address (`0.0.0.0`, `::`) is asked on loopback.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

/// How long connecting, sending and reading may each take (the image allows the probe 5 s).
const TIMEOUT: Duration = Duration::from_secs(2);
/// The most of the response that is read: its status line is all that counts.
const MAX_RESPONSE_BYTES: u64 = 4096;

/// Runs the probe against the server of this environment.
pub fn run() -> ExitCode {
    let var = |name: &str| std::env::var(name).ok();
    match address(var("HOST"), var("PORT")).and_then(probe) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("health check failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Where the server listens, as `HOST` and `PORT` say; an unspecified address becomes loopback.
fn address(host: Option<String>, port: Option<String>) -> Result<SocketAddr, String> {
    let set = |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let host: IpAddr = match set(host) {
        None => Ipv4Addr::LOCALHOST.into(),
        Some(host) => host
            .parse()
            .map_err(|_| format!("HOST `{host}` is not an IP address"))?,
    };
    let port: u16 = match set(port) {
        None => 8080,
        Some(port) => port
            .parse()
            .map_err(|_| format!("PORT `{port}` is not a port number"))?,
    };
    if port == 0 {
        return Err("PORT is 0: the server's port is not known".to_owned());
    }
    let host = match host {
        IpAddr::V4(ip) if ip.is_unspecified() => Ipv4Addr::LOCALHOST.into(),
        IpAddr::V6(ip) if ip.is_unspecified() => Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    Ok(SocketAddr::new(host, port))
}

/// `GET /health` on `addr`: `Ok` when the answer's status is 200.
fn probe(addr: SocketAddr) -> Result<(), String> {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| format!("cannot set a timeout: {e}"))?;
    write!(
        stream,
        "GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("cannot send the request to {addr}: {e}"))?;
    let mut response = Vec::new();
    stream
        .take(MAX_RESPONSE_BYTES)
        .read_to_end(&mut response)
        .map_err(|e| format!("no answer from {addr}: {e}"))?;
    let status_line = response
        .split(|&byte| byte == b'\n')
        .next()
        .unwrap_or_default();
    let status_line = String::from_utf8_lossy(status_line);
    let status_line = status_line.trim_end();
    match status_line.split(' ').nth(1) {
        Some("200") if status_line.starts_with("HTTP/1.") => Ok(()),
        _ => Err(format!("GET http://{addr}/health answered `{status_line}`")),
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::thread;

    use super::*;

    fn some(value: &str) -> Option<String> {
        Some(value.to_owned())
    }

    #[test]
    fn the_address_is_the_servers() {
        let addr = |host, port| address(host, port).map(|addr| addr.to_string());
        assert_eq!(addr(None, None).unwrap(), "127.0.0.1:8080");
        assert_eq!(addr(some(" "), some("")).unwrap(), "127.0.0.1:8080");
        assert_eq!(
            addr(some("0.0.0.0"), some("9000")).unwrap(),
            "127.0.0.1:9000"
        );
        assert_eq!(addr(some("::"), some("9000")).unwrap(), "[::1]:9000");
        assert_eq!(addr(some("10.0.0.7"), None).unwrap(), "10.0.0.7:8080");
        assert!(addr(some("localhost"), None).is_err());
        assert!(addr(None, some("http")).is_err());
        assert!(addr(None, some("0")).is_err());
    }

    /// A server on 127.0.0.1 that answers one request with `response`.
    fn answering(response: &'static str) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            // The whole request head first: closing with bytes unread would reset the
            // connection, and the client could lose the answer.
            let mut request = Vec::new();
            let mut buffer = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            let _ = stream.write_all(response.as_bytes());
        });
        addr
    }

    #[test]
    fn a_200_passes_and_anything_else_fails() {
        let ok = "HTTP/1.1 200 OK\r\ncontent-length: 15\r\n\r\n{\"status\":\"ok\"}";
        assert_eq!(probe(answering(ok)), Ok(()));
        let unavailable = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n";
        assert!(probe(answering(unavailable)).unwrap_err().contains("503"));
        assert!(probe(answering("garbage 200\r\n\r\n")).is_err());
        assert!(probe(answering("")).is_err());
    }

    #[test]
    fn no_server_fails() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        assert!(probe(addr).unwrap_err().contains("cannot connect"));
    }
}
