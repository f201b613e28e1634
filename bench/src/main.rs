//! `cargo xtask bench`: our layers against the native blocking `zmq` crate,
//! measured in one run on the same machine.
//!
//! Every row runs the native baseline and ours alternately (A B A B ...,
//! `--reps` pairs) and reports the medians, so that a machine whose speed
//! drifts over minutes does not decide the ratio. `ratio` is always
//! `value / native_value`: above 1 is better for rates (msg/s, calls/s),
//! below 1 is better for times (µs) and bytes. The `better` field of each
//! JSON line says which.
//!
//! Output: a table on stdout and one JSON object per row in
//! `target/bench/results.jsonl` (or `--out PATH`).
//!
//! ```text
//! cargo xtask bench [--quick] [--filter TEXT] [--reps N] [--out PATH]
//!                   [--ours-stock] [--batch BYTES] [--sndhwm N] [--rcvhwm N]
//! ```

mod latency;
mod memory;
mod native;
mod processes;
mod rpc;
mod runtimes;
mod throughput;

use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};
use zmq_core::Socket;

pub(crate) use memory::resident_bytes;
use runtimes::{RUNTIMES, RuntimeSpec};
use throughput::Layer;

const USAGE: &str = "\
Usage: zmq-bench [OPTIONS]   (normally through `cargo xtask bench [OPTIONS]`)

Options:
  --quick           fewer messages and repetitions: a smoke run (< 1 min)
  --filter TEXT     only rows whose key contains TEXT; the key is
                    workload/layer/runtime/transport/size, e.g.
                    push-pull/core/tokio-mt/tcp/32; `*` matches anything
                    and `,` separates alternatives (core*tcp/32,rtt)
  --reps N          native/ours pairs per row (default 5, quick 2)
  --ours-only       throughput and rpc-calls-1 rows without the native
                    baseline (to profile ours with perf; no ratios)
  --out PATH        the JSON-lines file (default target/bench/results.jsonl)
  --ours-stock      our sockets with libzmq's stock batch sizes (8192) and
                    high-water marks (1000), as the native baseline has:
                    shows what the tuned defaults of zmq-core bring
  --batch BYTES     our sockets' ZMQ_IN/OUT_BATCH_SIZE (experiments)
  --sndhwm N        our sockets' ZMQ_SNDHWM (experiments)
  --rcvhwm N        our sockets' ZMQ_RCVHWM (experiments)
  -h, --help        this message
";

/// The runtimes the timed-out-calls memory row runs under.
const MEMORY_RUNTIMES: &[&str] = &["tokio-mt", "smol", "tokio-mt-fd"];

fn main() -> std::process::ExitCode {
    match real_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Options applied to each of our sockets right after creation (the
/// native baseline is never touched).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tuning {
    batch: Option<usize>,
    sndhwm: Option<i32>,
    rcvhwm: Option<i32>,
}

/// A socket of `bound_type` bound to `endpoint` and one of
/// `connecting_type` connected to it, both tuned: (bound, connecting).
pub(crate) fn connected_pair(
    bound_type: zmq_core::SocketType,
    connecting_type: zmq_core::SocketType,
    endpoint: &str,
    tune: &Tuning,
) -> Result<(Socket, Socket)> {
    let bound = Socket::new(bound_type)?;
    tune.apply(&bound)?;
    let resolved = bound.bind(endpoint)?;
    let connecting = Socket::new(connecting_type)?;
    tune.apply(&connecting)?;
    connecting.connect(&resolved)?;
    Ok((bound, connecting))
}

impl Tuning {
    pub(crate) fn apply(&self, socket: &Socket) -> Result<()> {
        if let Some(bytes) = self.batch {
            socket.set_in_batch_size(bytes)?;
            socket.set_out_batch_size(bytes)?;
        }
        if let Some(hwm) = self.sndhwm {
            socket.set_sndhwm(hwm)?;
        }
        if let Some(hwm) = self.rcvhwm {
            socket.set_rcvhwm(hwm)?;
        }
        Ok(())
    }

    /// The command-line options that recreate this tuning (for children).
    pub(crate) fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(bytes) = self.batch {
            args.extend(["--batch".to_owned(), bytes.to_string()]);
        }
        if let Some(hwm) = self.sndhwm {
            args.extend(["--sndhwm".to_owned(), hwm.to_string()]);
        }
        if let Some(hwm) = self.rcvhwm {
            args.extend(["--rcvhwm".to_owned(), hwm.to_string()]);
        }
        args
    }

    fn describe(&self) -> String {
        if self.batch.is_none() && self.sndhwm.is_none() && self.rcvhwm.is_none() {
            "zmq-core defaults".to_owned()
        } else {
            format!("{:?}", self)
        }
    }
}

#[derive(Debug, Clone)]
struct Config {
    quick: bool,
    /// Skip the native baseline of throughput rows (for profiling ours).
    ours_only: bool,
    filter: Option<String>,
    reps: usize,
    out: PathBuf,
    tuning: Tuning,
}

impl Config {
    /// A full run's count, or a tenth of it with `--quick`.
    fn scaled(&self, full: usize) -> usize {
        if self.quick { full / 10 } else { full }
    }
    fn messages(&self) -> usize {
        self.scaled(200_000)
    }
    fn trips(&self) -> usize {
        self.scaled(20_000)
    }
    fn calls_one(&self) -> usize {
        self.scaled(20_000)
    }
    fn calls_many(&self) -> usize {
        self.scaled(200_000)
    }
    fn notifications(&self) -> usize {
        self.scaled(200_000)
    }
    fn timeout_calls(&self) -> usize {
        self.scaled(1_000_000)
    }
    fn idle_pairs(&self) -> usize {
        if self.quick { 100 } else { 400 }
    }
}

fn parse_args(args: &[String]) -> Result<Option<Config>> {
    let mut config = Config {
        quick: false,
        ours_only: false,
        filter: None,
        reps: 0,
        out: default_out(),
        tuning: Tuning::default(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .with_context(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--quick" => config.quick = true,
            "--ours-only" => config.ours_only = true,
            "--filter" => config.filter = Some(value("--filter")?),
            "--reps" => config.reps = value("--reps")?.parse().context("--reps")?,
            "--out" => config.out = PathBuf::from(value("--out")?),
            "--ours-stock" => {
                config.tuning.batch = Some(8192);
                config.tuning.sndhwm = Some(1000);
                config.tuning.rcvhwm = Some(1000);
            }
            "--batch" => config.tuning.batch = Some(value("--batch")?.parse()?),
            "--sndhwm" => config.tuning.sndhwm = Some(value("--sndhwm")?.parse()?),
            "--rcvhwm" => config.tuning.rcvhwm = Some(value("--rcvhwm")?.parse()?),
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(None);
            }
            other => bail!("unknown option `{other}`\n{USAGE}"),
        }
    }
    if config.reps == 0 {
        config.reps = if config.quick { 2 } else { 5 };
    }
    Ok(Some(config))
}

fn default_out() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("bench").join("results.jsonl")
}

fn real_main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child_main(&args[1..]);
    }
    let Some(config) = parse_args(&args)? else {
        return Ok(());
    };
    watchdog::start(Duration::from_secs(if config.quick { 60 } else { 180 }));
    let mut bench = Bench::new(config)?;
    let started = Instant::now();
    bench.run_all()?;
    println!(
        "\n{} rows in {:.0} s; results in {}",
        bench.rows,
        started.elapsed().as_secs_f64(),
        bench.config.out.display()
    );
    Ok(())
}

/// `--child idle-native|idle-ours PAIRS [tuning...]` (see
/// [`memory::child`]) or `--child echo-native|echo-ours|add-ours ...` (see
/// [`processes::serve_child`]).
fn child_main(args: &[String]) -> Result<()> {
    if let Some("echo-native" | "echo-ours" | "add-ours") = args.first().map(String::as_str) {
        return processes::serve_child(args);
    }
    let (Some(side), Some(pairs)) = (args.first(), args.get(1)) else {
        bail!("--child needs a side and a count");
    };
    let side = memory::Side::from_arg(side).context("unknown child side")?;
    let config = parse_args(&args[2..])?.context("no configuration")?;
    let bytes = memory::child(side, pairs.parse()?, &config.tuning)?;
    println!("{bytes}");
    Ok(())
}

/// The name prefix of the bench's ipc directories (and of the flat
/// `zmq-bench-<pid>-<n>.ipc` files earlier versions left behind).
const IPC_PREFIX: &str = "zmq-bench-";

/// What a row measured, before it is printed.
struct Row<'a> {
    workload: &'a str,
    layer: &'a str,
    runtime: &'a str,
    transport: &'a str,
    size: Option<usize>,
    count: usize,
    unit: &'a str,
    /// True when a larger value is better (rates).
    higher_is_better: bool,
    ours: Vec<f64>,
    native: Option<Vec<f64>>,
    note: &'a str,
    extra: Value,
}

struct Bench {
    config: Config,
    out: File,
    rows: usize,
    endpoints: AtomicUsize,
    /// `<temp_dir>/zmq-bench-<pid>`, made on the first ipc endpoint and
    /// removed when the bench is dropped: libzmq leaves a named ipc path's
    /// file behind when the listener closes.
    ipc_dir: OnceLock<PathBuf>,
}

impl Drop for Bench {
    fn drop(&mut self) {
        if let Some(dir) = self.ipc_dir.get() {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

impl Bench {
    fn new(config: Config) -> Result<Bench> {
        if let Some(dir) = config.out.parent() {
            fs::create_dir_all(dir)?;
        }
        let out = File::create(&config.out)
            .with_context(|| format!("cannot create {}", config.out.display()))?;
        Ok(Bench {
            config,
            out,
            rows: 0,
            endpoints: AtomicUsize::new(0),
            ipc_dir: OnceLock::new(),
        })
    }

    fn wanted(&self, key: &str) -> bool {
        self.config
            .filter
            .as_ref()
            .is_none_or(|filter| filter.split(',').any(|pattern| matches(pattern, key)))
    }

    /// A fresh endpoint of `transport` to bind (wildcard port for tcp).
    fn endpoint(&self, transport: &str) -> String {
        let n = self.endpoints.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        match transport {
            "tcp" => "tcp://127.0.0.1:*".to_owned(),
            "ipc" => format!("ipc://{}/{n}.ipc", self.ipc_dir().display()),
            _ => format!("inproc://zmq-bench-{pid}-{n}"),
        }
    }

    /// This run's ipc directory, made on first use after removing dead
    /// runs' leftovers (a run the watchdog ended never dropped its bench).
    fn ipc_dir(&self) -> &Path {
        self.ipc_dir.get_or_init(|| {
            // If this fails, binding the endpoint reports the path.
            zmq_test_support::process_ipc_directory(IPC_PREFIX).unwrap_or_else(|_| {
                std::env::temp_dir().join(format!("{IPC_PREFIX}{}", std::process::id()))
            })
        })
    }

    fn header(&self) {
        println!(
            "zmq-bench: {} mode, {} native/ours pairs per row, our sockets: {}; {} cores, load {}",
            if self.config.quick { "quick" } else { "full" },
            self.config.reps,
            self.config.tuning.describe(),
            std::thread::available_parallelism().map_or(0, usize::from),
            load_average()
        );
        println!("ratio = value / native (rates: higher is better; µs and bytes: lower is better)");
        println!(
            "{:<17} {:<10} {:<12} {:<7} {:>6} {:>14} {:>14} {:>7}  unit",
            "workload", "layer", "runtime", "transp", "size", "value", "native", "ratio"
        );
    }

    fn run_all(&mut self) -> Result<()> {
        self.header();
        self.throughput()?;
        self.round_trips()?;
        self.rpc()?;
        self.memory()?;
        Ok(())
    }

    fn throughput(&mut self) -> Result<()> {
        let count = self.config.messages();
        for size in [32usize, 1024] {
            for transport in ["tcp", "ipc", "inproc"] {
                for layer in Layer::ALL {
                    for runtime in RUNTIMES {
                        let key = format!(
                            "push-pull/{}/{}/{transport}/{size}",
                            layer.name(),
                            runtime.name
                        );
                        if !self.wanted(&key) {
                            continue;
                        }
                        watchdog::row(&key);
                        let mut ours = Vec::new();
                        let mut native = Vec::new();
                        for _ in 0..self.config.reps {
                            if !self.config.ours_only {
                                native.push(self.native_push_pull(transport, size, count)?);
                            }
                            ours.push(
                                throughput::push_pull(
                                    runtime,
                                    layer,
                                    &self.endpoint(transport),
                                    size,
                                    count,
                                    &self.config.tuning,
                                )
                                .with_context(|| key.clone())?,
                            );
                            watchdog::progress();
                        }
                        self.report(Row {
                            workload: "push-pull",
                            layer: layer.name(),
                            runtime: runtime.name,
                            transport,
                            size: Some(size),
                            count,
                            unit: "msg/s",
                            higher_is_better: true,
                            ours,
                            native: (!native.is_empty()).then_some(native),
                            note: "",
                            extra: json!({}),
                        })?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The native baseline, tried a second time if the first attempt got
    /// stuck (see `native::push_pull`), so that one lost message in libzmq
    /// does not end the whole run.
    fn native_push_pull(&self, transport: &str, size: usize, count: usize) -> Result<f64> {
        match native::push_pull(&self.endpoint(transport), size, count) {
            Ok(rate) => Ok(rate),
            Err(error) => {
                eprintln!("warning: {error:#}; measuring the native baseline again");
                native::push_pull(&self.endpoint(transport), size, count)
            }
        }
    }

    /// The round trip with both peers in this process (`rtt`), then with
    /// the echoing peer in a child process (`rtt-procs`).
    fn round_trips(&mut self) -> Result<()> {
        type Native = fn(usize, usize, usize) -> Result<Vec<f64>>;
        type Ours = fn(&'static RuntimeSpec, usize, usize, usize, &Tuning) -> Result<Vec<f64>>;
        let kinds: [(&str, [&str; 2], Native, Ours); 2] = [
            (
                "rtt",
                ["rtt-p50", "rtt-p99"],
                native::round_trips,
                latency::round_trips,
            ),
            (
                "rtt-procs",
                ["rtt-procs-p50", "rtt-procs-p99"],
                processes::native_round_trips,
                processes::round_trips,
            ),
        ];
        let count = self.config.trips();
        let warmup = count / 10;
        for (kind, [p50_name, p99_name], native_trips, our_trips) in kinds {
            for runtime in RUNTIMES {
                let key = format!("{kind}/core/{}/tcp/32", runtime.name);
                if !self.wanted(&key) {
                    continue;
                }
                watchdog::row(&key);
                let (mut ours_p50, mut ours_p99) = (Vec::new(), Vec::new());
                let (mut native_p50, mut native_p99) = (Vec::new(), Vec::new());
                for _ in 0..self.config.reps {
                    let mut native = native_trips(32, warmup, count)?;
                    native_p50.push(percentile(&mut native, 0.50));
                    native_p99.push(percentile(&mut native, 0.99));
                    let mut ours = our_trips(runtime, 32, warmup, count, &self.config.tuning)
                        .with_context(|| key.clone())?;
                    ours_p50.push(percentile(&mut ours, 0.50));
                    ours_p99.push(percentile(&mut ours, 0.99));
                    watchdog::progress();
                }
                for (workload, ours, native) in [
                    (p50_name, ours_p50, native_p50),
                    (p99_name, ours_p99, native_p99),
                ] {
                    self.report(Row {
                        workload,
                        layer: "core",
                        runtime: runtime.name,
                        transport: "tcp",
                        size: Some(32),
                        count,
                        unit: "µs",
                        higher_is_better: false,
                        ours,
                        native: Some(native),
                        note: "",
                        extra: json!({}),
                    })?;
                }
            }
        }
        Ok(())
    }

    fn rpc(&mut self) -> Result<()> {
        // (workload, concurrent callers, server in a child process)
        const CALL_ROWS: [(&str, usize, bool); 3] = [
            ("rpc-calls-1", 1, false),
            ("rpc-calls-100", 100, false),
            ("rpc-procs-calls-1", 1, true),
        ];
        for runtime in RUNTIMES {
            for (workload, callers, between_processes) in CALL_ROWS {
                let key = format!("{workload}/rpc/{}/tcp/", runtime.name);
                if !self.wanted(&key) {
                    continue;
                }
                watchdog::row(&key);
                let count = if callers == 1 {
                    self.config.calls_one()
                } else {
                    self.config.calls_many()
                };
                let mut ours = Vec::new();
                let mut native = Vec::new();
                for _ in 0..self.config.reps {
                    if callers == 1 && !self.config.ours_only {
                        // The ceiling of sequential request-reply: native
                        // DEALER/ROUTER round trips per second.
                        let trips = if between_processes {
                            processes::native_round_trips(32, count / 10, count)?
                        } else {
                            native::round_trips(32, count / 10, count)?
                        };
                        native.push(1e6 * trips.len() as f64 / trips.iter().sum::<f64>());
                    }
                    let rate = if between_processes {
                        processes::rpc_calls(runtime, count, &self.config.tuning)
                    } else {
                        rpc::calls(runtime, callers, count, &self.config.tuning)
                    };
                    ours.push(rate.with_context(|| key.clone())?);
                    watchdog::progress();
                }
                self.report(Row {
                    workload,
                    layer: "rpc",
                    runtime: runtime.name,
                    transport: "tcp",
                    size: None,
                    count,
                    unit: "calls/s",
                    higher_is_better: true,
                    ours,
                    native: (callers == 1 && !native.is_empty()).then_some(native),
                    note: match (callers, between_processes) {
                        (1, false) => "native = blocking DEALER/ROUTER 32 B round trips/s",
                        (1, true) => "native = the same round trips, between two processes",
                        _ => "no native RPC",
                    },
                    extra: json!({ "callers": callers }),
                })?;
            }
            let key = format!("pipeline-notify/rpc/{}/tcp/", runtime.name);
            if self.wanted(&key) {
                watchdog::row(&key);
                let count = self.config.notifications();
                let mut ours = Vec::new();
                let mut native = Vec::new();
                for _ in 0..self.config.reps {
                    // The ceiling: native PUSH/PULL of 32 B messages.
                    native.push(self.native_push_pull("tcp", 32, count)?);
                    ours.push(
                        rpc::notifications(runtime, count, &self.config.tuning)
                            .with_context(|| key.clone())?,
                    );
                    watchdog::progress();
                }
                self.report(Row {
                    workload: "pipeline-notify",
                    layer: "rpc",
                    runtime: runtime.name,
                    transport: "tcp",
                    size: None,
                    count,
                    unit: "notif/s",
                    higher_is_better: true,
                    ours,
                    native: Some(native),
                    note: "native = blocking PUSH/PULL 32 B msg/s",
                    extra: json!({}),
                })?;
            }
        }
        Ok(())
    }

    fn memory(&mut self) -> Result<()> {
        let calls = self.config.timeout_calls();
        let batch = 1000;
        // A million calls per runtime is the slowest row; it was flat under
        // every runtime, so it runs under one of each kind of executor.
        for runtime in RUNTIMES
            .iter()
            .filter(|runtime| MEMORY_RUNTIMES.contains(&runtime.name))
        {
            let key = format!("rpc-timeouts-rss/rpc/{}/tcp/", runtime.name);
            if !self.wanted(&key) {
                continue;
            }
            watchdog::row(&key);
            self.timeout_memory(runtime, calls, batch)?;
        }
        let key = "idle-socket-rss/core/-/tcp/";
        if self.wanted(key) {
            watchdog::row(key);
            let pairs = self.config.idle_pairs();
            let mut ours = Vec::new();
            let mut native = Vec::new();
            for _ in 0..self.config.reps.min(3) {
                native.push(memory::idle_socket_bytes(
                    memory::Side::Native,
                    pairs,
                    &self.config.tuning,
                )?);
                ours.push(memory::idle_socket_bytes(
                    memory::Side::Ours,
                    pairs,
                    &self.config.tuning,
                )?);
                watchdog::progress();
            }
            self.report(Row {
                workload: "idle-socket-rss",
                layer: "core",
                runtime: "-",
                transport: "tcp",
                size: None,
                count: 2 * pairs,
                unit: "B/socket",
                higher_is_better: false,
                ours,
                native: Some(native),
                note: "connected PAIR sockets, fresh process each",
                extra: json!({ "pairs": pairs }),
            })?;
        }
        Ok(())
    }

    fn timeout_memory(&mut self, runtime: &RuntimeSpec, calls: usize, batch: usize) -> Result<()> {
        let limit = Duration::from_millis(2);
        let rss = rpc::timeout_rss(runtime, calls, batch, limit, &self.config.tuning)?;
        watchdog::progress();
        // The first tenth warms up (allocator pools, timer wheels, the
        // client's table of expired ids); then compare quarters.
        let warm = &rss[rss.len() / 10..];
        let quarter = (warm.len() / 4).max(1);
        let mean = |part: &[f64]| part.iter().sum::<f64>() / part.len() as f64;
        let first = mean(&warm[..quarter]);
        let last = mean(&warm[warm.len() - quarter..]);
        let growth = last - first;
        self.report(Row {
            workload: "rpc-timeouts-rss",
            layer: "rpc",
            runtime: runtime.name,
            transport: "tcp",
            size: None,
            count: calls,
            unit: "B growth",
            higher_is_better: false,
            ours: vec![growth],
            native: None,
            note: "last minus first quarter of RSS after warm-up",
            extra: json!({
                "batch": batch,
                "timeout_ms": limit.as_millis() as u64,
                "rss_first_quarter": first,
                "rss_last_quarter": last,
                "rss_start": rss.first(),
                "rss_end": rss.last(),
                "rss_max": rss.iter().copied().fold(0.0, f64::max),
            }),
        })
    }

    fn report(&mut self, row: Row<'_>) -> Result<()> {
        let value = median(&row.ours);
        let native_value = row.native.as_deref().map(median);
        let ratio = native_value.map(|native| value / native);
        println!(
            "{:<17} {:<10} {:<12} {:<7} {:>6} {:>14} {:>14} {:>7}  {}{}",
            row.workload,
            row.layer,
            row.runtime,
            row.transport,
            row.size.map_or("-".to_owned(), |size| size.to_string()),
            format_value(value),
            native_value.map_or("-".to_owned(), format_value),
            ratio.map_or("-".to_owned(), |ratio| format!("{ratio:.2}")),
            row.unit,
            if row.note.is_empty() {
                String::new()
            } else {
                format!("  ({})", row.note)
            }
        );
        let min_max = |values: &[f64]| {
            json!([
                values.iter().copied().fold(f64::INFINITY, f64::min),
                values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            ])
        };
        let mut line = json!({
            "layer": row.layer,
            "runtime": row.runtime,
            "workload": row.workload,
            "transport": row.transport,
            "size": row.size,
            "count": row.count,
            "value": value,
            "unit": row.unit,
            "native_value": native_value,
            "ratio": ratio,
            "better": if row.higher_is_better { "higher" } else { "lower" },
            "reps": row.ours.len(),
            "values": row.ours,
            "native_values": row.native,
            "min_max": min_max(&row.ours),
            "quick": self.config.quick,
            "tuning": self.config.tuning.describe(),
            "note": row.note,
            "unix_time": SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |t| t.as_secs()),
        });
        if let (Value::Object(line), Value::Object(extra)) = (&mut line, row.extra) {
            line.extend(extra);
        }
        writeln!(self.out, "{line}")?;
        self.out.flush()?;
        std::io::stdout().flush()?;
        self.rows += 1;
        Ok(())
    }
}

/// True when `key` contains the pieces of `pattern` between its `*`s, in
/// order (`core*tcp/32` matches `push-pull/core/smol/tcp/32`).
fn matches(pattern: &str, key: &str) -> bool {
    let mut rest = key;
    for piece in pattern.split('*') {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The `q` quantile (nearest rank) of `samples`.
fn percentile(samples: &mut [f64], q: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    if samples.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1]
}

fn format_value(value: f64) -> String {
    if value.abs() >= 1e6 {
        format!("{:.3}M", value / 1e6)
    } else if value.abs() >= 1e4 {
        format!("{:.1}k", value / 1e3)
    } else {
        format!("{value:.1}")
    }
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "?".to_owned())
}

/// Ends the process when no row made progress for too long (a peer that
/// waits forever for a message that never comes).
mod watchdog {
    use super::*;

    static LAST: AtomicU64 = AtomicU64::new(0);
    static ROW: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

    /// Names the row being measured, for the message on giving up.
    pub(crate) fn row(key: &str) {
        progress();
        let mut row = ROW
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        key.clone_into(&mut row);
    }

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |t| t.as_secs())
    }

    pub(crate) fn progress() {
        LAST.store(now(), Ordering::Relaxed);
    }

    pub(crate) fn start(limit: Duration) {
        progress();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(5));
                if now().saturating_sub(LAST.load(Ordering::Relaxed)) > limit.as_secs() {
                    let row = ROW.lock().map(|row| row.clone()).unwrap_or_default();
                    eprintln!(
                        "error: no progress for {} s in {row}, giving up",
                        limit.as_secs()
                    );
                    std::process::exit(3);
                }
            }
        });
    }
}
