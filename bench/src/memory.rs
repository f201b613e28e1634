//! Resident memory: per idle socket (measured in a fresh child process so
//! that earlier rows leave no freed-but-kept heap behind) and the growth
//! under calls that time out.

use std::process::Command;

use anyhow::{Context as _, Result, bail};
use zmq_core::{Context, SocketType};

/// The resident set size of this process, in bytes (`VmRSS`).
pub(crate) fn resident_bytes() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .context("no VmRSS in /proc/self/status")?;
    let kib: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?;
    Ok(kib * 1024)
}

/// Which implementation a child measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Native,
    Ours,
}

impl Side {
    fn arg(self) -> &'static str {
        match self {
            Side::Native => "idle-native",
            Side::Ours => "idle-ours",
        }
    }

    pub(crate) fn from_arg(arg: &str) -> Option<Side> {
        match arg {
            "idle-native" => Some(Side::Native),
            "idle-ours" => Some(Side::Ours),
            _ => None,
        }
    }
}

/// Runs this program again as `--child <side> <pairs>` and returns the
/// resident bytes per idle socket it reports.
pub(crate) fn idle_socket_bytes(side: Side, pairs: usize, tune: &crate::Tuning) -> Result<f64> {
    let exe = std::env::current_exe()?;
    let mut command = Command::new(exe);
    command.args(["--child", side.arg(), &pairs.to_string()]);
    command.args(tune.to_args());
    let output = command.output()?;
    if !output.status.success() {
        bail!(
            "child {} failed: {}",
            side.arg(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let text = String::from_utf8(output.stdout)?;
    Ok(text.trim().parse()?)
}

/// The child's work: `pairs` PAIR sockets bound and connected over tcp,
/// one message through each pair (so every connection is up), then the
/// growth of the resident set per socket. The sockets live in a context
/// of their own.
pub(crate) fn child(side: Side, pairs: usize, tune: &crate::Tuning) -> Result<f64> {
    let before = resident_bytes()?;
    let after = match side {
        Side::Native => {
            let context = zmq::Context::new();
            let mut sockets = Vec::with_capacity(2 * pairs);
            for _ in 0..pairs {
                let a = context.socket(zmq::PAIR)?;
                a.bind("tcp://127.0.0.1:*")?;
                let b = context.socket(zmq::PAIR)?;
                b.connect(&crate::native::last_endpoint(&a)?)?;
                b.send("x", 0)?;
                a.recv_bytes(0)?;
                sockets.push(a);
                sockets.push(b);
            }
            let after = resident_bytes()?;
            drop(sockets);
            after
        }
        Side::Ours => {
            let context = Context::new();
            let mut sockets = Vec::with_capacity(2 * pairs);
            for _ in 0..pairs {
                let a = context.socket(SocketType::PAIR)?;
                tune.apply(&a)?;
                let endpoint = a.bind("tcp://127.0.0.1:*")?;
                let b = context.socket(SocketType::PAIR)?;
                tune.apply(&b)?;
                b.connect(&endpoint)?;
                futures_lite::future::block_on(async {
                    b.send("x").await.map_err(|failed| failed.error)?;
                    a.recv().await
                })?;
                sockets.push(a);
                sockets.push(b);
            }
            let after = resident_bytes()?;
            drop(sockets);
            after
        }
    };
    Ok(after.saturating_sub(before) as f64 / (2 * pairs) as f64)
}
