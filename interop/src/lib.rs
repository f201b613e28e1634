//! Harness of the interop suite: Python aiozmq and pyzmq peers as child
//! processes, always killed and reaped.
//!
//! The tests in `interop/tests/` need a Python with aiozmq 1.0.0, pyzmq
//! and msgpack, and the built `rpc_interop_server` example. `cargo xtask
//! interop` (a step of `cargo xtask ci`) prepares both and runs them with
//! [`PYTHON_ENV`] and [`SERVER_ENV`] set. Without those variables every
//! test prints `skipped: run \`cargo xtask interop\`` and passes, so
//! `cargo test --workspace` needs no Python.
//!
//! Every peer follows one contract: it binds to an ephemeral loopback
//! endpoint, prints the bound endpoint as its first stdout line, and exits
//! when its stdin closes. [`Peer`] keeps stdin open as a lifeline, reads
//! stdout lines on a thread (so every wait is bounded), keeps the tail of
//! stderr for failure messages, and kills and reaps the process on drop,
//! also when a test panics.

#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use zmq_rpc::rmpv::Value;

/// The Python interpreter of the interop venv (set by `cargo xtask interop`).
pub const PYTHON_ENV: &str = "ZMQ_INTEROP_PYTHON";
/// The built `rpc_interop_server` example (set by `cargo xtask interop`).
pub const SERVER_ENV: &str = "ZMQ_INTEROP_SERVER";

/// How long a peer may take to print its endpoint (Python imports aiozmq
/// first; the machine may be busy).
pub const STARTUP_WAIT: Duration = Duration::from_secs(30);
/// How long one case line of a Python case script may take (each case
/// bounds itself at 20 s).
pub const CASE_WAIT: Duration = Duration::from_secs(30);
/// Any single receive or exchange on the Rust side.
pub const WAIT: Duration = Duration::from_secs(10);

/// How much of a peer's stderr is kept for failure messages.
const STDERR_TAIL: usize = 16 * 1024;

/// Where the peers come from.
#[derive(Debug, Clone)]
pub struct InteropEnv {
    /// The venv's Python.
    pub python: PathBuf,
    /// The `rpc_interop_server` executable.
    pub server: PathBuf,
}

/// The interop environment, or `None` (after printing why the test is
/// skipped) when `cargo xtask interop` did not set it up.
pub fn interop_env(test: &str) -> Option<InteropEnv> {
    let python = std::env::var_os(PYTHON_ENV).filter(|v| !v.is_empty());
    let server = std::env::var_os(SERVER_ENV).filter(|v| !v.is_empty());
    match (python, server) {
        (Some(python), Some(server)) => Some(InteropEnv {
            python: python.into(),
            server: server.into(),
        }),
        _ => {
            // Straight to the stderr handle: libtest captures `println!` and
            // `eprintln!` of passing tests, and a skip must be visible.
            let _ = writeln!(
                std::io::stderr(),
                "{test}: skipped: run `cargo xtask interop` ({PYTHON_ENV} and {SERVER_ENV} are not set)"
            );
            None
        }
    }
}

/// The path of a script in `interop/python/`.
pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(name)
}

/// A child process with the endpoint-on-the-first-line contract.
///
/// Dropping it closes stdin, gives the process a moment to exit, then
/// kills it and reaps it. If the thread is panicking, the captured stderr
/// is printed so the failure shows what the peer said.
#[derive(Debug)]
pub struct Peer {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
    endpoint: String,
}

impl Peer {
    /// Starts `program args...` and waits (bounded) for its first line,
    /// the endpoint.
    pub fn start(name: &str, program: &Path, args: &[&str]) -> Result<Peer, String> {
        let mut peer = Peer::spawn(name, program, args)?;
        peer.endpoint = peer.next_line(STARTUP_WAIT, "its endpoint (first line)")?;
        if !peer.endpoint.contains("://") {
            return Err(peer.failure(&format!(
                "first line {:?} is not an endpoint",
                peer.endpoint
            )));
        }
        Ok(peer)
    }

    /// Starts `program args...` that prints no endpoint (a case script).
    pub fn spawn(name: &str, program: &Path, args: &[&str]) -> Result<Peer, String> {
        let mut child = Command::new(program)
            .args(args)
            .current_dir(script(""))
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{name}: cannot start {}: {e}", program.display()))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let writer = Arc::clone(&tail);
        thread::spawn(move || {
            let mut stderr = stderr;
            let mut buffer = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut buffer) {
                let Ok(mut tail) = writer.lock() else { break };
                tail.extend(&buffer[..n]);
                let excess = tail.len().saturating_sub(STDERR_TAIL);
                tail.drain(..excess);
            }
        });
        Ok(Peer {
            name: name.to_owned(),
            child,
            stdin,
            lines,
            stderr: tail,
            endpoint: String::new(),
        })
    }

    /// Starts `interop/python/<script_name> args...` with the venv's Python.
    pub fn python(env: &InteropEnv, script_name: &str, args: &[&str]) -> Result<Peer, String> {
        let path = script(script_name);
        let path = path.to_str().ok_or("non-UTF-8 script path")?;
        Peer::start(
            script_name,
            &env.python,
            &[&["-X", "dev", path], args].concat(),
        )
    }

    /// Starts a case script `interop/python/<script_name> args...` (no
    /// endpoint line; see [`Peer::expect_all_cases_pass`]).
    pub fn python_cases(
        env: &InteropEnv,
        script_name: &str,
        args: &[&str],
    ) -> Result<Peer, String> {
        let path = script(script_name);
        let path = path.to_str().ok_or("non-UTF-8 script path")?;
        Peer::spawn(
            script_name,
            &env.python,
            &[&["-X", "dev", path], args].concat(),
        )
    }

    /// Starts the `rpc_interop_server` example on `tcp://127.0.0.1:*`.
    pub fn rust_server(env: &InteropEnv) -> Result<Peer, String> {
        Peer::start("rpc_interop_server", &env.server, &["tcp://127.0.0.1:*"])
    }

    /// The endpoint the peer printed.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Reads the pipeline and pub-sub endpoints an interop server prints
    /// after its first line (`pipeline <ep>`, then `pubsub <ep>`).
    pub fn notify_endpoints(&mut self) -> Result<NotifyEndpoints, String> {
        let mut labelled = |label: &str| -> Result<String, String> {
            let line = self.next_line(STARTUP_WAIT, &format!("its `{label} <endpoint>` line"))?;
            match line
                .strip_prefix(label)
                .and_then(|rest| rest.strip_prefix(' '))
            {
                Some(endpoint) if endpoint.contains("://") => Ok(endpoint.to_owned()),
                _ => Err(self.failure(&format!("expected `{label} <endpoint>`, got {line:?}"))),
            }
        };
        let pipeline = labelled("pipeline")?;
        let pubsub = labelled("pubsub")?;
        Ok(NotifyEndpoints { pipeline, pubsub })
    }

    /// The next stdout line, waiting at most `wait`.
    pub fn next_line(&mut self, wait: Duration, what: &str) -> Result<String, String> {
        match self.lines.recv_timeout(wait) {
            Ok(line) => Ok(line),
            Err(RecvTimeoutError::Timeout) => {
                Err(self.failure(&format!("no {what} within {wait:?}")))
            }
            Err(RecvTimeoutError::Disconnected) => {
                Err(self.failure(&format!("stdout closed while waiting for {what}")))
            }
        }
    }

    /// Closes stdin (the peer's signal to exit) and waits at most `wait`
    /// for the exit status.
    pub fn close_and_wait(&mut self, wait: Duration) -> Result<ExitStatus, String> {
        self.stdin = None;
        let deadline = Instant::now() + wait;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Ok(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
                Ok(None) => return Err(self.failure(&format!("did not exit within {wait:?}"))),
                Err(e) => return Err(self.failure(&format!("waiting for exit: {e}"))),
            }
        }
    }

    /// Reads `PASS`/`FAIL` lines of a case script up to its `DONE` line,
    /// then checks that it exited successfully. The error lists every
    /// failed case by name.
    pub fn expect_all_cases_pass(&mut self) -> Result<usize, String> {
        let mut passed = 0;
        let mut failed = Vec::new();
        loop {
            let line = self.next_line(CASE_WAIT, "the next case result")?;
            if line.starts_with("PASS ") {
                passed += 1;
            } else if let Some(failure) = line.strip_prefix("FAIL ") {
                failed.push(failure.to_owned());
            } else if line.starts_with("DONE ") {
                break;
            } else {
                failed.push(format!("unexpected output line {line:?}"));
            }
        }
        let status = self.close_and_wait(WAIT)?;
        if !failed.is_empty() {
            return Err(self.failure(&format!(
                "{} case(s) failed ({passed} passed):\n  {}",
                failed.len(),
                failed.join("\n  ")
            )));
        }
        if !status.success() || passed == 0 {
            return Err(self.failure(&format!(
                "exited with {status} after {passed} passed case(s)"
            )));
        }
        Ok(passed)
    }

    /// The captured tail of stderr.
    pub fn stderr_tail(&self) -> String {
        let tail: Vec<u8> = self
            .stderr
            .lock()
            .map(|tail| tail.iter().copied().collect())
            .unwrap_or_default();
        String::from_utf8_lossy(&tail).into_owned()
    }

    /// A failure message naming the peer, with its stderr tail.
    pub fn failure(&self, what: &str) -> String {
        let stderr = self.stderr_tail();
        if stderr.trim().is_empty() {
            format!("{}: {what}", self.name)
        } else {
            format!(
                "{}: {what}\n--- stderr of {} ---\n{stderr}",
                self.name, self.name
            )
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stdin = None;
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        // Kill fails only if it already exited; wait reaps it either way.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!("--- stderr of {} ---\n{}", self.name, self.stderr_tail());
        }
    }
}

/// The pipeline and pub-sub endpoints of an interop server (lines 2 and 3
/// of its stdout).
#[derive(Debug, Clone)]
pub struct NotifyEndpoints {
    /// The pipeline server (PULL).
    pub pipeline: String,
    /// The pub-sub server (SUB, subscribed to every topic).
    pub pubsub: String,
}

/// The plain multipart messages of the raw-socket cases; must stay
/// identical to `messages()` in `interop/python/raw_peer.py`.
pub fn messages() -> Vec<Vec<Vec<u8>>> {
    vec![
        vec![b"hello".to_vec()],
        vec![Vec::new(), b"empty first frame".to_vec()],
        vec![b"a".to_vec(), Vec::new(), b"c".to_vec()],
        vec![(0..=255u8).collect()],
        (0..10).map(|i| i.to_string().into_bytes()).collect(),
        vec![vec![b'x'; 1_000_000]],
        vec!["h\u{e9}llo w\u{f6}rld \u{2713}".as_bytes().to_vec()],
    ]
}

/// Runs one case and records a failure under its name.
pub fn record_case(failures: &mut Vec<String>, name: &str, outcome: Result<(), String>) {
    match outcome {
        Ok(()) => println!("PASS {name}"),
        Err(why) => {
            println!("FAIL {name}: {why}");
            failures.push(format!("{name}: {why}"));
        }
    }
}

/// Prints how many cases of a Python case script passed, or panics with
/// the failures (each naming its case).
pub fn report_cases(result: Result<usize, String>) {
    match result {
        Ok(passed) => println!("{passed} case(s) passed"),
        Err(why) => panic!("{why}"),
    }
}

/// Panics with every failed case's name, if any failed.
pub fn assert_no_failures(suite: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{suite}: {} case(s) failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// Every msgpack kind, named as `MSGPACK_VALUES` in
/// `interop/python/common.py` names them.
pub fn msgpack_values() -> Vec<(String, Value)> {
    let mut values: Vec<(String, Value)> = vec![
        ("nil".into(), Value::Nil),
        ("true".into(), Value::Boolean(true)),
        ("false".into(), Value::Boolean(false)),
    ];
    let unsigned = [
        0u64,
        1,
        127,
        128,
        255,
        256,
        65535,
        65536,
        (1 << 32) - 1,
        1 << 32,
        (1 << 63) - 1,
        1 << 63,
        u64::MAX,
    ];
    let signed = [
        -1i64,
        -32,
        -33,
        -128,
        -129,
        -32768,
        -32769,
        -(1 << 31),
        -(1 << 31) - 1,
        i64::MIN,
    ];
    values.extend(unsigned.map(|n| (format!("int {n}"), Value::from(n))));
    values.extend(signed.map(|n| (format!("int {n}"), Value::from(n))));
    let floats = [
        0.0,
        -1.5,
        std::f64::consts::PI,
        f64::MAX,
        5e-324,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    values.extend(floats.map(|x| (format!("float64 {x:e}"), Value::F64(x))));
    values.extend([
        ("str empty".into(), Value::from("")),
        (
            "str non-ascii".into(),
            Value::from("h\u{e9}llo w\u{f6}rld \u{2713} \u{65e5}\u{672c}\u{8a9e} \u{1f389}"),
        ),
        (
            "str 300 chars (str16)".into(),
            Value::from("\u{e9}".repeat(300)),
        ),
        (
            "str 70000 bytes (str32)".into(),
            Value::from("x".repeat(70000)),
        ),
        ("bin empty".into(), Value::Binary(Vec::new())),
        ("bin all bytes".into(), Value::Binary((0..=255u8).collect())),
        (
            "bin 70000 bytes (bin32)".into(),
            Value::Binary([0u8, 0xff].repeat(35000)),
        ),
        ("array empty".into(), Value::Array(Vec::new())),
        (
            "array mixed".into(),
            Value::Array(vec![
                1.into(),
                "a".into(),
                Value::Binary(b"b".to_vec()),
                Value::Nil,
                true.into(),
                Value::F64(1.5),
            ]),
        ),
        (
            "array 20 items (array16)".into(),
            Value::Array((0..20).map(Value::from).collect()),
        ),
        (
            "array nested".into(),
            Value::Array(vec![
                Value::Array(vec![
                    1.into(),
                    Value::Array(vec![
                        2.into(),
                        Value::Array(vec![3.into(), Value::Array(vec![])]),
                    ]),
                ]),
                Value::Array(vec!["x".into()]),
            ]),
        ),
        ("map empty".into(), Value::Map(Vec::new())),
        (
            "map str and bin keys".into(),
            Value::Map(vec![
                ("a".into(), 1.into()),
                (Value::Binary(b"k".to_vec()), 2.into()),
                ("\u{e9}".into(), Value::Binary(vec![0])),
            ]),
        ),
        (
            "map nested".into(),
            Value::Map(vec![(
                "outer".into(),
                Value::Map(vec![
                    (
                        "inner".into(),
                        Value::Map(vec![(
                            Value::Binary(b"bin".to_vec()),
                            Value::Array(vec![1.into(), 2.into()]),
                        )]),
                    ),
                    (
                        "list".into(),
                        Value::Array(vec![Value::Map(vec![("k".into(), Value::Nil)])]),
                    ),
                ]),
            )]),
        ),
        (
            "map 20 entries (map16)".into(),
            Value::Map(
                (0..20)
                    .map(|i| (Value::from(format!("k{i}")), Value::from(i)))
                    .collect(),
            ),
        ),
        (
            "ext unknown code passes through".into(),
            Value::Ext(5, b"xy".to_vec()),
        ),
        (
            "ext msgpack Timestamp (-1) passes through".into(),
            // timestamp 64: nanoseconds in the top 30 bits, seconds below.
            Value::Ext(-1, ((123u64 << 34) | 1_700_000_000).to_be_bytes().to_vec()),
        ),
    ]);
    values
}

/// Equality with NaN equal to itself (and nothing else loosened).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::F64(x), Value::F64(y)) if x.is_nan() => y.is_nan(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
        }
        _ => a == b,
    }
}
