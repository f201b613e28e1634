//! Project automation for the zmq-async workspace.
//!
//! Run it through the cargo alias defined in `.cargo/config.toml`:
//!
//! ```text
//! cargo xtask ci                     # fmt, clippy, test, interop, doc, examples
//! cargo xtask ci --step clippy       # just one step
//! cargo xtask ci -- --nocapture      # extra arguments for the test harness
//! cargo xtask interop                # the Python interop suite alone
//! cargo xtask bench [--quick]        # our layers against the native zmq crate
//! cargo xtask help
//! ```
//!
//! Only `std` and `anyhow` are used so that the tool builds fast and needs
//! nothing beyond the Rust toolchain. The `interop` step also needs a
//! Python 3 (3.8 to 3.13, with `venv`) and the package registry (PyPI) to
//! create `target/interop-venv` the first time.

#![forbid(unsafe_code)]

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Default per-example time limit, overridable with [`TIMEOUT_ENV`].
const DEFAULT_EXAMPLE_TIMEOUT_SECS: u64 = 120;
/// Environment variable overriding the per-example time limit (seconds).
const TIMEOUT_ENV: &str = "XTASK_EXAMPLE_TIMEOUT_SECS";
/// How often a running example is polled for exit.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// The package holding the interop tests.
const INTEROP_PACKAGE: &str = "zmq-interop";
/// The example the interop tests run as the Rust RPC server.
const INTEROP_SERVER_EXAMPLE: &str = "rpc_interop_server";
/// The pinned Python requirements of the interop peers (workspace-relative).
const INTEROP_REQUIREMENTS: &str = "interop/python/requirements.txt";
/// The venv's directory name under the target directory.
const INTEROP_VENV: &str = "interop-venv";
/// The file in the venv holding the requirements it was built from.
const INTEROP_STAMP: &str = "requirements.installed.txt";
/// Environment variable naming the Python used to create the venv.
const PYTHON_ENV: &str = "XTASK_PYTHON";
/// Read by the interop tests: the venv's Python.
const INTEROP_PYTHON_ENV: &str = "ZMQ_INTEROP_PYTHON";
/// Read by the interop tests: the built `rpc_interop_server`.
const INTEROP_SERVER_ENV: &str = "ZMQ_INTEROP_SERVER";

const USAGE: &str = "\
Project automation for the zmq-async workspace.

Usage: cargo xtask <COMMAND>

Commands:
  ci [--step <STEP>] [-- <TEST-ARGS>...]
          Run the CI pipeline, stopping at the first failing step.
          Steps, in order: fmt, clippy, test, interop, doc, examples.
          --step <STEP>   run only that step
          <TEST-ARGS>     passed to the test harness (cargo test -- <TEST-ARGS>)
  interop [-- <TEST-ARGS>...]
          The interop suite against real Python aiozmq and pyzmq peers
          (the same as `ci --step interop`): creates or reuses the venv
          target/interop-venv from interop/python/requirements.txt, builds
          the rpc_interop_server example and runs the zmq-interop tests.
  bench [--quick] [--filter TEXT] [--reps N] [<BENCH-ARGS>...]
          Throughput, round trips, RPC rates and memory of our layers
          against the native blocking `zmq` crate, interleaved in one run
          (release build of the zmq-bench package; not part of `ci`).
          Prints a table and writes target/bench/results.jsonl.
          --quick          a smoke run of under a minute
          --filter TEXT    only rows whose key contains TEXT
                           (e.g. push-pull/core, rtt, rpc-calls)
          --reps N         native/ours pairs per row (default 5)
          Other arguments go to the bench binary as they are
          (`cargo xtask bench --help` lists them). See docs/performance.md.
  help    Print this message

Environment:
  CARGO                        cargo binary to use (default: cargo)
  CARGO_TARGET_DIR             where the built examples are looked up
  XTASK_EXAMPLE_TIMEOUT_SECS   time limit per example run (default: 120)
  XTASK_PYTHON                 the Python that creates the interop venv
                               (default: python3)
";

fn main() -> ExitCode {
    match real_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the whole context chain on one line, and unlike
            // returning the error from `main` it does not dump a backtrace
            // when RUST_BACKTRACE is set.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn real_main() -> Result<()> {
    let mut args = env::args().skip(1);
    let command = args.next();
    let rest: Vec<String> = args.collect();
    match command.as_deref() {
        None | Some("help" | "-h" | "--help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some("ci") => ci(&rest),
        Some("interop") => interop(&rest),
        Some("bench") => bench(&rest),
        Some(other) => {
            eprint!("{USAGE}");
            bail!("unknown subcommand `{other}` (see `cargo xtask help`)")
        }
    }
}

// ---------------------------------------------------------------------------
// `ci`
// ---------------------------------------------------------------------------

/// One stage of `cargo xtask ci`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Fmt,
    Clippy,
    Test,
    Interop,
    Doc,
    Examples,
}

impl Step {
    /// All steps, in the order `ci` runs them.
    const ALL: [Step; 6] = [
        Step::Fmt,
        Step::Clippy,
        Step::Test,
        Step::Interop,
        Step::Doc,
        Step::Examples,
    ];

    fn name(self) -> &'static str {
        match self {
            Step::Fmt => "fmt",
            Step::Clippy => "clippy",
            Step::Test => "test",
            Step::Interop => "interop",
            Step::Doc => "doc",
            Step::Examples => "examples",
        }
    }

    fn from_name(name: &str) -> Result<Step> {
        Step::ALL
            .into_iter()
            .find(|step| step.name() == name)
            .with_context(|| {
                format!(
                    "unknown ci step `{name}` (expected one of: {})",
                    step_names()
                )
            })
    }
}

fn step_names() -> String {
    Step::ALL.map(Step::name).join(", ")
}

/// Parsed `ci` command line.
#[derive(Debug)]
struct CiArgs {
    /// `Some` when `--step` restricts the run to one step.
    only: Option<Step>,
    /// Arguments after `--`, forwarded to the test harness.
    test_args: Vec<String>,
}

fn parse_ci_args(args: &[String]) -> Result<CiArgs> {
    let mut only = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let name = match arg.as_str() {
            "--" => break,
            "--step" => iter.next().context("`--step` needs a value")?.as_str(),
            a if a.starts_with("--step=") => &a["--step=".len()..],
            other => bail!("unexpected argument `{other}` for `ci` (see `cargo xtask help`)"),
        };
        if only.replace(Step::from_name(name)?).is_some() {
            bail!("`--step` given more than once");
        }
    }
    let test_args = iter.cloned().collect();
    Ok(CiArgs { only, test_args })
}

/// What every step needs to know.
#[derive(Debug)]
struct Ctx {
    root: PathBuf,
    cargo: OsString,
    test_args: Vec<String>,
}

impl Ctx {
    fn new(test_args: Vec<String>) -> Result<Ctx> {
        Ok(Ctx {
            root: workspace_root()?,
            cargo: env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
            test_args,
        })
    }

    /// A `cargo <args>` command running in the workspace root.
    fn cargo(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.cargo);
        cmd.args(args).current_dir(&self.root);
        cmd
    }
}

/// The workspace root: the parent of this crate's manifest directory.
fn workspace_root() -> Result<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .context("xtask manifest directory has no parent")
}

/// Outcome of one step, for the summary.
#[derive(Debug)]
enum Outcome {
    Passed(Duration),
    Failed(Duration),
    Skipped,
}

fn ci(args: &[String]) -> Result<()> {
    let args = parse_ci_args(args)?;
    let ctx = Ctx::new(args.test_args)?;
    let steps: Vec<Step> = match args.only {
        Some(step) => vec![step],
        None => Step::ALL.to_vec(),
    };

    let started = Instant::now();
    let mut outcomes: Vec<(Step, Outcome)> = Vec::new();
    let mut failure = None;
    for (index, &step) in steps.iter().enumerate() {
        if failure.is_some() {
            outcomes.push((step, Outcome::Skipped));
            continue;
        }
        println!("==> [{}/{}] {}", index + 1, steps.len(), step.name());
        let step_started = Instant::now();
        let result = run_step(&ctx, step);
        let elapsed = step_started.elapsed();
        match result {
            Ok(()) => {
                println!("==> {} passed ({})", step.name(), secs(elapsed));
                outcomes.push((step, Outcome::Passed(elapsed)));
            }
            Err(err) => {
                println!("==> {} FAILED ({})", step.name(), secs(elapsed));
                outcomes.push((step, Outcome::Failed(elapsed)));
                failure = Some(err.context(format!("ci step `{}` failed", step.name())));
            }
        }
    }

    print_summary(&outcomes, started.elapsed(), failure.is_none());
    match failure {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

fn print_summary(outcomes: &[(Step, Outcome)], total: Duration, ok: bool) {
    println!("==> summary");
    for (step, outcome) in outcomes {
        let (status, time) = match outcome {
            Outcome::Passed(d) => ("ok", secs(*d)),
            Outcome::Failed(d) => ("FAILED", secs(*d)),
            Outcome::Skipped => ("skipped", String::new()),
        };
        let line = format!("    {:<10} {:<8} {:>10}", step.name(), status, time);
        println!("{}", line.trim_end());
    }
    println!("    {:<10} {:<8} {:>10}", "total", "", secs(total));
    println!("==> ci {}", if ok { "passed" } else { "FAILED" });
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn run_step(ctx: &Ctx, step: Step) -> Result<()> {
    match step {
        Step::Fmt => step_fmt(ctx),
        Step::Clippy => run(ctx.cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])),
        Step::Test => step_test(ctx),
        Step::Interop => step_interop(ctx),
        Step::Doc => step_doc(ctx),
        Step::Examples => step_examples(ctx),
    }
}

/// Packages under the root that are not workspace members (see `exclude`
/// in the root Cargo.toml), so `cargo fmt --all` does not see them.
const NON_MEMBER_SOURCES: &[&str] = &[
    "crates/zeromq-src-patched/build.rs",
    "crates/zeromq-src-patched/src/lib.rs",
    "crates/zeromq-src-patched/src/patched_build.rs",
];

fn step_fmt(ctx: &Ctx) -> Result<()> {
    run(ctx.cargo(&["fmt", "--all", "--check"]))?;
    let mut rustfmt = Command::new("rustfmt");
    rustfmt
        .args(["--check", "--edition", "2024"])
        .args(NON_MEMBER_SOURCES)
        .current_dir(&ctx.root);
    run(rustfmt)
}

fn step_test(ctx: &Ctx) -> Result<()> {
    let mut cmd = ctx.cargo(&["test", "--workspace"]);
    if !ctx.test_args.is_empty() {
        cmd.arg("--").args(&ctx.test_args);
    }
    run(cmd)
}

// ---------------------------------------------------------------------------
// `interop`
// ---------------------------------------------------------------------------
// `bench`
// ---------------------------------------------------------------------------

/// The package holding the benchmark binary.
const BENCH_PACKAGE: &str = "zmq-bench";

/// `cargo xtask bench [<BENCH-ARGS>...]`: builds the bench binary in release
/// mode and runs it with the arguments as given (a leading `--` is
/// dropped).
fn bench(args: &[String]) -> Result<()> {
    let args = match args.split_first() {
        Some((first, rest)) if first == "--" => rest,
        _ => args,
    };
    let ctx = Ctx::new(Vec::new())?;
    let mut cmd = ctx.cargo(&["run", "--release", "--package", BENCH_PACKAGE, "--"]);
    cmd.args(args);
    let started = Instant::now();
    let result = run(cmd);
    println!(
        "==> bench {} ({})",
        if result.is_ok() { "done" } else { "FAILED" },
        secs(started.elapsed())
    );
    result
}

// ---------------------------------------------------------------------------

/// `cargo xtask interop [-- <TEST-ARGS>...]`: the `interop` step alone.
fn interop(args: &[String]) -> Result<()> {
    let test_args = match args.split_first() {
        None => Vec::new(),
        Some((first, rest)) if first == "--" => rest.to_vec(),
        Some((other, _)) => {
            bail!("unexpected argument `{other}` for `interop` (see `cargo xtask help`)")
        }
    };
    let ctx = Ctx::new(test_args)?;
    let started = Instant::now();
    let result = step_interop(&ctx);
    println!(
        "==> interop {} ({})",
        if result.is_ok() { "passed" } else { "FAILED" },
        secs(started.elapsed())
    );
    result
}

/// Prepares the venv and the Rust server, then runs the interop tests with
/// both named in the environment (without them the tests skip).
fn step_interop(ctx: &Ctx) -> Result<()> {
    let python = ensure_interop_venv(ctx)?;
    // `--workspace` everywhere: features are unified as in the `test` step,
    // so the libraries, the example and the test binaries it built are
    // reused instead of being compiled again with a narrower feature set.
    run(ctx.cargo(&["build", "--workspace", "--example", INTEROP_SERVER_EXAMPLE]))?;
    let server = target_dir(&ctx.root)
        .join("debug")
        .join("examples")
        .join(format!(
            "{INTEROP_SERVER_EXAMPLE}{}",
            env::consts::EXE_SUFFIX
        ));
    if !server.is_file() {
        bail!("the built example is not at {}", server.display());
    }
    // --no-fail-fast: one failing test binary must not hide the others' cases.
    let mut cmd = ctx.cargo(&["test", "--workspace", "--no-fail-fast"]);
    for test in interop_tests(ctx)? {
        cmd.arg("--test").arg(test);
    }
    cmd.env(INTEROP_PYTHON_ENV, &python)
        .env(INTEROP_SERVER_ENV, &server);
    if !ctx.test_args.is_empty() {
        cmd.arg("--").args(&ctx.test_args);
    }
    run(cmd)
}

/// The integration tests of the interop package: the file stems of
/// `interop/tests/*.rs` (cargo's own test target discovery).
fn interop_tests(ctx: &Ctx) -> Result<Vec<String>> {
    let dir = ctx.root.join("interop").join("tests");
    let mut names = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let is_rust = path.extension().is_some_and(|ext| ext == "rs");
        if let (true, Some(stem)) = (is_rust, path.file_stem().and_then(|s| s.to_str())) {
            names.push(stem.to_owned());
        }
    }
    names.sort();
    if names.is_empty() {
        bail!("no tests in {} ({INTEROP_PACKAGE})", dir.display());
    }
    Ok(names)
}

/// The venv's Python, creating the venv under the target directory (or
/// reusing it when it was built from the same requirements file).
fn ensure_interop_venv(ctx: &Ctx) -> Result<PathBuf> {
    let requirements_path = ctx.root.join(INTEROP_REQUIREMENTS);
    let requirements = fs::read_to_string(&requirements_path)
        .with_context(|| format!("reading {}", requirements_path.display()))?;
    let venv = target_dir(&ctx.root).join(INTEROP_VENV);
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    let stamp = venv.join(INTEROP_STAMP);
    if python.is_file() && fs::read_to_string(&stamp).ok().as_deref() == Some(&requirements) {
        println!("    reusing {} (requirements unchanged)", venv.display());
        return Ok(python);
    }

    let base = env::var_os(PYTHON_ENV).unwrap_or_else(|| "python3".into());
    let shown = base.to_string_lossy().into_owned();
    let probe = Command::new(&base)
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output();
    let version = match probe {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        Ok(out) => bail!(
            "the interop suite needs Python 3, but `{shown}` failed ({}): {}\n\
             install Python 3.8 to 3.13 with venv (Debian: `apt-get install python3 python3-venv`) \
             or point {PYTHON_ENV} at one",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(err) => bail!(
            "the interop suite needs Python 3, but `{shown}` could not be started: {err}\n\
             install Python 3.8 to 3.13 with venv (Debian: `apt-get install python3 python3-venv`) \
             or point {PYTHON_ENV} at one"
        ),
    };
    let (major, minor) = version
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .with_context(|| format!("`{shown}` reported an unreadable version {version:?}"))?;
    if major != 3 || !(8..=13).contains(&minor) {
        bail!(
            "`{shown}` is Python {version}; the interop suite needs 3.8 to 3.13 \
             (aiozmq 1.0.0 does not import on 3.14: aio-libs/aiozmq#194); set {PYTHON_ENV}"
        );
    }

    println!("    creating {} with Python {version}", venv.display());
    if venv.exists() {
        fs::remove_dir_all(&venv)
            .with_context(|| format!("removing the stale {}", venv.display()))?;
    }
    let mut create = Command::new(&base);
    create.arg("-m").arg("venv").arg(&venv);
    run(create).with_context(|| {
        format!(
            "could not create the interop venv with `{shown} -m venv` \
             (Debian: `apt-get install python3-venv`)"
        )
    })?;
    let mut install = Command::new(&python);
    install
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--timeout",
            "60",
            "-r",
        ])
        .arg(&requirements_path);
    run(install).with_context(|| {
        format!(
            "pip could not install {} into the interop venv: is the package registry \
             (PyPI, or the index pip is configured for) reachable?",
            requirements_path.display()
        )
    })?;
    let mut check = Command::new(&python);
    check.args([
        "-c",
        "import aiozmq, aiozmq.rpc, msgpack, zmq; \
         print('    aiozmq', aiozmq.__version__, '| pyzmq', zmq.__version__, \
         '| libzmq', zmq.zmq_version(), '| msgpack', msgpack.version)",
    ]);
    run(check).context("the interop venv's packages do not import")?;
    fs::write(&stamp, &requirements).with_context(|| format!("writing {}", stamp.display()))?;
    Ok(python)
}

fn step_doc(ctx: &Ctx) -> Result<()> {
    let mut cmd = ctx.cargo(&["doc", "--workspace", "--no-deps"]);
    // Cargo prefers CARGO_ENCODED_RUSTDOCFLAGS over RUSTDOCFLAGS, so extend
    // whichever one is in effect.
    if let Some(encoded) = env::var_os("CARGO_ENCODED_RUSTDOCFLAGS") {
        let mut flags = encoded;
        if !flags.is_empty() {
            flags.push("\u{1f}");
        }
        flags.push("-D\u{1f}warnings");
        cmd.env("CARGO_ENCODED_RUSTDOCFLAGS", flags);
    } else {
        let mut flags = env::var_os("RUSTDOCFLAGS").unwrap_or_default();
        if !flags.is_empty() {
            flags.push(" ");
        }
        flags.push("-D warnings");
        cmd.env("RUSTDOCFLAGS", flags);
    }
    run(cmd)
}

fn step_examples(ctx: &Ctx) -> Result<()> {
    let manifest = ctx.root.join("examples").join("Cargo.toml");
    let text =
        fs::read_to_string(&manifest).with_context(|| format!("reading {}", manifest.display()))?;
    let names = example_names(&text);
    if names.is_empty() {
        bail!("no [[example]] entries found in {}", manifest.display());
    }

    let timeout = example_timeout()?;
    // `--workspace`: the same feature unification as the test step, so the
    // libraries it built are reused instead of compiled again.
    run(ctx.cargo(&["build", "--workspace", "--examples"]))?;

    let dir = target_dir(&ctx.root).join("debug").join("examples");
    for name in &names {
        let exe = dir.join(format!("{name}{}", env::consts::EXE_SUFFIX));
        run_example(ctx, name, &exe, timeout)?;
    }
    println!("    all {} example(s) passed", names.len());
    Ok(())
}

/// The `name = "..."` values of the `[[example]]` tables in a manifest.
///
/// A deliberately simple line-based parse: it understands one key per line,
/// `#` comments and section headers, which is all `examples/Cargo.toml` uses.
fn example_names(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_example = false;
    for line in manifest.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.starts_with('[') {
            in_example = line == "[[example]]";
            continue;
        }
        if !in_example {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() == "name" {
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            if !value.is_empty() {
                names.push(value.to_owned());
            }
        }
    }
    names
}

fn example_timeout() -> Result<Duration> {
    match env::var(TIMEOUT_ENV) {
        Ok(value) => {
            let limit: u64 = value.trim().parse().with_context(|| {
                format!("{TIMEOUT_ENV}={value:?} is not a whole number of seconds")
            })?;
            Ok(Duration::from_secs(limit))
        }
        Err(env::VarError::NotPresent) => Ok(Duration::from_secs(DEFAULT_EXAMPLE_TIMEOUT_SECS)),
        Err(err) => Err(err).with_context(|| format!("reading {TIMEOUT_ENV}")),
    }
}

/// `$CARGO_TARGET_DIR` (relative paths resolved against the workspace root,
/// where the cargo children run) or `<root>/target`.
fn target_dir(root: &Path) -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

fn run_example(ctx: &Ctx, name: &str, exe: &Path, timeout: Duration) -> Result<()> {
    println!("--> example `{name}` (limit {} s)", timeout.as_secs());
    let started = Instant::now();
    let mut child = Command::new(exe)
        .current_dir(&ctx.root)
        .stdin(Stdio::null())
        .spawn()
        .with_context(|| format!("example `{name}`: failed to start {}", exe.display()))?;
    let status = wait_with_timeout(&mut child, timeout)
        .with_context(|| format!("example `{name}`: waiting for it to exit"))?;
    let elapsed = started.elapsed();
    match status {
        None => bail!(
            "example `{name}` timed out after {} and was killed",
            secs(elapsed)
        ),
        Some(status) if !status.success() => {
            bail!(
                "example `{name}` failed: {status} (after {})",
                secs(elapsed)
            )
        }
        Some(_) => {
            println!("--> example `{name}` ok ({})", secs(elapsed));
            Ok(())
        }
    }
}

/// Waits for `child`, polling every [`POLL_INTERVAL`]. Returns `None` if the
/// time limit passed, in which case the child has been killed and reaped.
fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            // It may exit between try_wait and kill; kill then fails, wait still reaps.
            let _ = child.kill();
            child.wait()?;
            return Ok(None);
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// Runs a command to completion with inherited stdio; fails on a non-zero exit.
fn run(mut cmd: Command) -> Result<()> {
    let shown = display(&cmd);
    println!("    $ {shown}");
    let status = cmd
        .status()
        .with_context(|| format!("failed to start `{shown}` (is it installed?)"))?;
    if !status.success() {
        bail!("`{shown}` failed: {status}");
    }
    Ok(())
}

/// `program arg...` for messages, with the program shown by file name only.
fn display(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program())
        .file_name()
        .unwrap_or(cmd.get_program())
        .to_string_lossy()
        .into_owned();
    let mut parts = vec![program];
    parts.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_example_names() {
        let manifest = r#"
[package]
name = "zmq-examples"

[[example]]
name = "quickstart"   # the first one
path = "quickstart.rs"

[[example]]
path = "pubsub.rs"
name='pubsub'

[dependencies]
name = "not-an-example"
"#;
        assert_eq!(example_names(manifest), ["quickstart", "pubsub"]);
    }

    #[test]
    fn parses_ci_args() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let parsed = parse_ci_args(&args(&["--step", "doc", "--", "--nocapture"])).unwrap();
        assert_eq!(parsed.only, Some(Step::Doc));
        assert_eq!(parsed.test_args, ["--nocapture"]);
        assert_eq!(
            parse_ci_args(&args(&["--step=fmt"])).unwrap().only,
            Some(Step::Fmt)
        );
        assert_eq!(
            parse_ci_args(&args(&["--step", "interop"])).unwrap().only,
            Some(Step::Interop)
        );
        assert!(parse_ci_args(&args(&["--step", "nope"])).is_err());
        assert!(parse_ci_args(&args(&["--bogus"])).is_err());
    }

    #[test]
    fn interop_runs_right_after_test() {
        let names = step_names();
        assert_eq!(names, "fmt, clippy, test, interop, doc, examples");
    }
}
