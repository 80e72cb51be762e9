//! Child processes for tests: a free loopback port, and a child that is killed when the test
//! ends (pass or panic) and whose output is kept for failure messages.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
/// Another process could take it before it is used; on a test machine that is rare enough.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A running child process with its stdout and stderr collected into one log.
/// Killed (and reaped) on drop.
pub struct ChildProcess {
    name: String,
    child: Child,
    log: Arc<Mutex<String>>,
}

impl ChildProcess {
    /// Spawns `command` with stdin closed and stdout and stderr piped into the log.
    /// `name` identifies it in messages.
    pub fn spawn(name: &str, command: &mut Command) -> ChildProcess {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({command:?}): {e}"));
        let log = Arc::new(Mutex::new(String::new()));
        if let Some(stdout) = child.stdout.take() {
            collect(stdout, Arc::clone(&log));
        }
        if let Some(stderr) = child.stderr.take() {
            collect(stderr, Arc::clone(&log));
        }
        ChildProcess {
            name: name.to_owned(),
            child,
            log,
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Its exit status, if it has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child
            .try_wait()
            .unwrap_or_else(|e| panic!("cannot query {}: {e}", self.name))
    }

    /// Everything it has written to stdout and stderr so far.
    pub fn log(&self) -> String {
        // Give the reader threads a moment to catch up with output written just before a
        // failure, so that the last lines are in the message.
        thread::sleep(Duration::from_millis(50));
        self.log.lock().unwrap().clone()
    }

    /// Its output, framed for a panic message.
    pub fn report(&mut self) -> String {
        let state = match self.exited() {
            Some(status) => format!("exited: {status}"),
            None => "still running".to_owned(),
        };
        format!(
            "--- {} (pid {}, {state}) output:\n{}--- end of {} output",
            self.name,
            self.id(),
            self.log(),
            self.name
        )
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn collect(mut stream: impl Read + Send + 'static, log: Arc<Mutex<String>>) {
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => log
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
    });
}
