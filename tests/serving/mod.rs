//! The generated server under a slow-client attack, at a scale its own suite should not carry:
//! one address (127.0.0.1) opens 20,000 connections that each send part of a request and then
//! trickle a header every few seconds, while a normal client on another loopback address
//! (127.0.0.2) asks for `/health`. Every one of its probes must be answered 200 within 100 ms.
//!
//! The server runs with a descriptor limit below the attack's size ([`SERVER_OPEN_FILES`]), as
//! a server under `systemd` or in a container has one: a server that keeps every connection
//! open runs out of descriptors, stops accepting, and the normal client waits.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

use super::{Scenario, generate};
use crate::support::process::{ChildProcess, free_port};

/// Connections the attacker opens from 127.0.0.1.
const ATTACK_CONNECTIONS: usize = 20_000;
/// The server's descriptor limit (soft and hard): below [`ATTACK_CONNECTIONS`].
const SERVER_OPEN_FILES: u64 = 16_384;
/// Requests of the normal client, one every [`PROBE_INTERVAL`].
const PROBES: usize = 50;
const PROBE_INTERVAL: Duration = Duration::from_millis(100);
/// The longest a probe may take, from connect to the status line.
const PROBE_BUDGET: Duration = Duration::from_millis(100);
/// How often the attacker sends one more header on each connection it still has.
const TRICKLE_INTERVAL: Duration = Duration::from_secs(3);
/// The attacker gives up opening connections after this long, or after this many failed
/// attempts in a row (a server that stops accepting fills its backlog).
const ATTACK_DEADLINE: Duration = Duration::from_secs(30);
const ATTACK_FAILURES_IN_A_ROW: usize = 200;
/// How often, in connections opened, the attacker looks for those the server closed.
const REAP_EVERY: usize = 256;

/// What the attacker saw.
struct Attack {
    opened: usize,
    failed: usize,
    took: Duration,
    streams: Vec<TcpStream>,
}

#[test]
fn twenty_thousand_slow_connections_from_one_address_do_not_starve_another_client() {
    let binary = generate(&Scenario::with("serving", |_| {})).binary();
    // The server gets its limit before this process raises its own: the attacker needs a
    // descriptor per connection.
    let data = tempfile::tempdir().expect("a temporary directory");
    let port = free_port();
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(format!("ulimit -n {SERVER_OPEN_FILES} && exec \"$0\""))
        .arg(&binary)
        .env_clear()
        .current_dir(data.path());
    for inherited in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(inherited) {
            command.env(inherited, value);
        }
    }
    command
        // Nothing listens there: the keys never load, and `/health` does not need them.
        .env("BETTER_AUTH_URL", "http://127.0.0.1:9")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/app.db", data.path().display()),
        )
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("RUST_LOG", "error");
    let mut server = ChildProcess::spawn("the generated server", &mut command);
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    wait_for_health(&mut server, address);
    raise_open_files_limit();

    let mut attack = open_slow_connections(address);
    eprintln!(
        "serving: the attacker opened {} connections from 127.0.0.1 in {:.1?} ({} attempts \
         failed); the server kept {} of them",
        attack.opened,
        attack.took,
        attack.failed,
        attack.streams.len()
    );

    // The normal client probes while the attacker trickles headers on what it holds.
    let probes = thread::spawn(move || {
        (0..PROBES)
            .map(|_| {
                let result = probe(address);
                thread::sleep(PROBE_INTERVAL);
                result
            })
            .collect::<Vec<_>>()
    });
    let started = Instant::now();
    let mut trickles = 0;
    while !probes.is_finished() {
        if started.elapsed() >= TRICKLE_INTERVAL * trickles {
            trickle(&mut attack.streams);
            trickles += 1;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let probes = probes.join().expect("the probe thread");
    let held = reap_closed(&mut attack.streams);
    let exited = server.exited();
    assert!(exited.is_none(), "the server died\n{}", server.report());

    let mut times: Vec<Duration> = probes
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .copied()
        .collect();
    times.sort_unstable();
    let (fastest, median, slowest) = match times.as_slice() {
        [] => Default::default(),
        all => (all[0], all[all.len() / 2], all[all.len() - 1]),
    };
    eprintln!(
        "serving: {} of {PROBES} probes from 127.0.0.2 answered 200 (fastest {fastest:?}, median \
         {median:?}, slowest {slowest:?}); at the end the server kept {held} of the attacker's \
         connections open",
        times.len(),
    );
    let failures: Vec<String> = probes
        .iter()
        .enumerate()
        .filter_map(|(i, probe)| match probe {
            Ok(took) if *took <= PROBE_BUDGET => None,
            Ok(took) => Some(format!("probe {i}: 200 after {took:?}")),
            Err(error) => Some(format!("probe {i}: {error}")),
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {PROBES} probes were not answered 200 within {PROBE_BUDGET:?}:\n{}\n{}",
        failures.len(),
        failures.join("\n"),
        server.report()
    );
}

fn wait_for_health(server: &mut ChildProcess, address: SocketAddr) {
    let started = Instant::now();
    loop {
        if let Some(status) = server.exited() {
            panic!("the server exited ({status})\n{}", server.report());
        }
        if probe(address).is_ok() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "/health did not answer within 30 s\n{}",
            server.report()
        );
        thread::sleep(Duration::from_millis(100));
    }
}

/// Raises this process's soft limit on open files to its hard limit, which must leave the
/// attacker room for more connections than the server may hold.
fn raise_open_files_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let needed = SERVER_OPEN_FILES + 2_048;
    let limit = getrlimit(Resource::Nofile);
    assert!(
        limit.maximum.is_none_or(|maximum| maximum >= needed),
        "this test needs {needed} open files, more than the server's {SERVER_OPEN_FILES}, and \
         the hard limit is {limit:?}; raise it (`ulimit -Hn {needed}` as root)"
    );
    if limit.current.is_some_and(|current| current < needed) {
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: limit.maximum,
                maximum: limit.maximum,
            },
        )
        .unwrap_or_else(|e| panic!("cannot raise the open files limit ({limit:?}): {e}"));
    }
}

/// Opens [`ATTACK_CONNECTIONS`] connections from 127.0.0.1, each with a request line and one
/// header of a request that never ends. Those the server closes are let go as they are found
/// (every [`REAP_EVERY`] connections), so that the attacker holds what the server holds: no
/// process here may open 20,000 files.
fn open_slow_connections(address: SocketAddr) -> Attack {
    let started = Instant::now();
    let mut streams = Vec::with_capacity(ATTACK_CONNECTIONS);
    let (mut opened, mut failed, mut failed_in_a_row) = (0, 0, 0);
    while opened < ATTACK_CONNECTIONS
        && started.elapsed() < ATTACK_DEADLINE
        && failed_in_a_row < ATTACK_FAILURES_IN_A_ROW
    {
        match TcpStream::connect_timeout(&address, Duration::from_millis(200)) {
            Ok(mut stream) => {
                failed_in_a_row = 0;
                // A closed connection is found later, by `trickle` and `reap_closed`.
                let _ = stream.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
                stream.set_nonblocking(true).expect("a non-blocking socket");
                streams.push(stream);
                opened += 1;
                if opened % REAP_EVERY == 0 {
                    reap_closed(&mut streams);
                }
            }
            Err(_) => {
                failed += 1;
                failed_in_a_row += 1;
            }
        }
    }
    reap_closed(&mut streams);
    Attack {
        opened,
        failed,
        took: started.elapsed(),
        streams,
    }
}

/// One more header on every connection; those the server closed are let go.
fn trickle(streams: &mut Vec<TcpStream>) {
    streams.retain_mut(|stream| match stream.write(b"X-Trickle: 1\r\n") {
        Ok(_) => true,
        Err(e) => e.kind() == ErrorKind::WouldBlock,
    });
}

/// Lets go of the connections the server has closed; returns how many are left.
fn reap_closed(streams: &mut Vec<TcpStream>) -> usize {
    let mut buf = [0; 512];
    streams.retain_mut(
        |stream| matches!(stream.read(&mut buf), Err(e) if e.kind() == ErrorKind::WouldBlock),
    );
    streams.len()
}

/// `GET /health` on a fresh connection from 127.0.0.2: how long the status line took, or why
/// it was not a 200.
fn probe(address: SocketAddr) -> Result<Duration, String> {
    let started = Instant::now();
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))
        .map_err(|e| format!("socket: {e}"))?;
    let source = SocketAddr::from((Ipv4Addr::new(127, 0, 0, 2), 0));
    socket
        .bind(&source.into())
        .map_err(|e| format!("bind 127.0.0.2: {e}"))?;
    socket
        .connect_timeout(&address.into(), Duration::from_secs(2))
        .map_err(|e| format!("connect: {e}"))?;
    let mut stream = TcpStream::from(socket);
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("write: {e}"))?;
    let mut head = Vec::new();
    let mut buf = [0; 256];
    while !head.windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut buf) {
            Ok(0) => return Err(format!("closed after {:?}", started.elapsed())),
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("read after {:?}: {e}", started.elapsed())),
        }
    }
    let took = started.elapsed();
    let status_line = String::from_utf8_lossy(&head);
    let status_line = status_line.lines().next().unwrap_or_default();
    if status_line.starts_with("HTTP/1.1 200") {
        Ok(took)
    } else {
        Err(format!("{status_line:?} after {took:?}"))
    }
}
