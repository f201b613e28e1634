//! A broker: N RPC clients → ROUTER/DEALER proxy → M RPC servers, each a
//! separate process on loopback, with the calls spread across the servers.
//!
//! With no argument this program is the conductor: it starts a broker,
//! three servers and four clients as child processes of itself, waits for
//! the clients, prints how the calls were spread, then closes the broker's
//! and servers' stdin (which ends them) and reaps every child. Everything
//! is bounded in time.
//!
//! The roles, to run by hand in separate terminals:
//!
//! ```text
//! cargo run --example rpc_broker -- broker                    # prints FRONTEND and BACKEND
//! cargo run --example rpc_broker -- server NAME BACKEND       # serves until stdin closes
//! cargo run --example rpc_broker -- client FRONTEND CALLS     # prints "NAME COUNT" lines
//! ```
//!
//! The broker is `zmq_core::Proxy` between a ROUTER (clients connect) and
//! a DEALER (servers connect); the DEALER hands requests to the servers in
//! turn, and the RPC envelope carries each reply back to its client.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use zmq_core::{Proxy, Socket, SocketType};
use zmq_rpc::{Handlers, connect_rpc, serve_rpc};
use zmq_runtime_tokio::TokioRuntime;

const SERVERS: usize = 3;
const CLIENTS: usize = 4;
const CALLS_PER_CLIENT: usize = 30;
const LIMIT: Duration = Duration::from_secs(60);

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let role = async {
            match args[..] {
                [] => conduct().await,
                ["broker"] => broker().await,
                ["server", name, backend] => server(name, backend).await,
                ["client", frontend, calls] => client(frontend, calls.parse()?).await,
                _ => bail!(
                    "usage: rpc_broker [broker | server NAME BACKEND | client FRONTEND CALLS]"
                ),
            }
        };
        match tokio::time::timeout(LIMIT, role).await {
            Ok(outcome) => outcome,
            Err(_) => bail!("gave up after {LIMIT:?}"),
        }
    })
}

/// Resolves when this process's stdin reaches end of file.
async fn stdin_closed() {
    let _ = tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new())).await;
}

async fn broker() -> Result<()> {
    let frontend = Arc::new(Socket::new(SocketType::ROUTER)?);
    // Replies to a client at its high-water mark wait instead of dropping.
    frontend.set_router_mandatory(true)?;
    let backend = Arc::new(Socket::new(SocketType::DEALER)?);
    println!("{}", frontend.bind("tcp://127.0.0.1:*")?);
    println!("{}", backend.bind("tcp://127.0.0.1:*")?);
    std::io::stdout().flush()?;

    let proxy = Proxy::new(frontend, backend);
    let steering = proxy.steering();
    let running = tokio::spawn(proxy.run());
    stdin_closed().await;
    steering.terminate();
    let statistics = running.await??;
    eprintln!(
        "broker: {} requests in, {} replies out",
        statistics.frontend.messages_in, statistics.frontend.messages_out
    );
    Ok(())
}

async fn server(name: &str, backend: &str) -> Result<()> {
    let name = name.to_owned();
    let handlers = Handlers::new()
        .method("whoami", move |()| Ok::<_, Infallible>(name.clone()))
        .method("add", |(a, b): (i64, i64)| Ok::<_, Infallible>(a + b));
    let server = serve_rpc(handlers)
        .connect(backend)
        .start(Arc::new(TokioRuntime::try_current()?))?;
    println!("ready");
    std::io::stdout().flush()?;
    stdin_closed().await;
    server.close();
    server.wait_closed().await;
    Ok(())
}

async fn client(frontend: &str, calls: usize) -> Result<()> {
    let client = connect_rpc()
        .connect(frontend)
        .timeout(Duration::from_secs(10))
        .start(Arc::new(TokioRuntime::try_current()?))?;
    let mut answered_by = BTreeMap::<String, usize>::new();
    for n in 0..calls as i64 {
        let sum: i64 = client.call("add").arg(n).arg(1).await?;
        if sum != n + 1 {
            bail!("add({n}, 1) returned {sum}");
        }
        let server: String = client.call("whoami").await?;
        *answered_by.entry(server).or_default() += 1;
    }
    for (server, count) in answered_by {
        println!("{server} {count}");
    }
    Ok(())
}

/// A child process of this program in one role; killed and reaped on drop
/// if it has not ended by then.
struct Role {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Role {
    fn start(args: &[&str]) -> Result<Role> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {args:?}"))?;
        let stdout = BufReader::new(child.stdout.take().context("child stdout")?);
        Ok(Role { child, stdout })
    }

    fn line(&mut self) -> Result<String> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            bail!("the child ended before printing a line");
        }
        Ok(line.trim().to_owned())
    }

    /// Closes stdin (the signal to stop) and waits for a clean exit.
    fn finish(mut self) -> Result<()> {
        drop(self.child.stdin.take());
        let status = self.child.wait()?;
        if !status.success() {
            bail!("child exited with {status}");
        }
        Ok(())
    }
}

impl Drop for Role {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

async fn conduct() -> Result<()> {
    tokio::task::spawn_blocking(|| -> Result<()> {
        let mut broker = Role::start(&["broker"])?;
        let frontend = broker.line()?;
        let backend = broker.line()?;
        println!("broker: clients connect to {frontend}, servers to {backend}");

        let mut servers = Vec::new();
        for n in 0..SERVERS {
            let mut server = Role::start(&["server", &format!("server-{n}"), &backend])?;
            server.line()?; // "ready"
            servers.push(server);
        }
        // Let every server's connection reach the broker, so that the DEALER
        // spreads the very first requests too.
        std::thread::sleep(Duration::from_millis(300));

        let calls = CALLS_PER_CLIENT.to_string();
        let clients: Vec<Role> = (0..CLIENTS)
            .map(|_| Role::start(&["client", &frontend, &calls]))
            .collect::<Result<_>>()?;
        let mut totals = BTreeMap::<String, usize>::new();
        for (n, mut client) in clients.into_iter().enumerate() {
            let mut report = String::new();
            client.stdout.read_to_string(&mut report)?;
            client.finish()?;
            for line in report.lines() {
                let (server, count) = line.split_once(' ').context("a report line")?;
                println!("client-{n}: {count} calls answered by {server}");
                *totals.entry(server.to_owned()).or_default() += count.parse::<usize>()?;
            }
        }

        for server in servers {
            server.finish()?;
        }
        broker.finish()?;
        println!("calls per server: {totals:?}");
        if totals.len() != SERVERS {
            bail!("the calls were not spread across all {SERVERS} servers: {totals:?}");
        }
        Ok(())
    })
    .await?
}
