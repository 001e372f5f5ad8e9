//! `fieldwork bench proxy`: ingest through nginx into one and into two `fieldwork serve`
//! processes sharing one PostgreSQL database, beside the baseline of one server posted to
//! directly, all three in one run on the same machine (`docs/performance.md`).
//!
//! Each pass imports a survey of its own, starts its servers as child processes of this
//! binary (as an operator runs them, with `--trusted-proxy`), posts the same number of
//! synthetic responses with the load generator of `bench ingest`, and checks that every
//! acknowledged response was stored exactly once. nginx runs `docs/nginx/fieldwork.conf`
//! with the passes' ports in place of the example's and plain HTTP in place of TLS.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fieldwork_store::{Backend, Store, SurveyStatus};
use fieldwork_survey::SyntheticRespondents;

use crate::bench::{load, p50_p99, request_body};

/// One pass: how it was set up and what it measured.
#[derive(Debug)]
struct Pass {
    name: &'static str,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    acknowledged: usize,
}

pub(crate) fn run(
    database: &str,
    responses: usize,
    concurrency: usize,
    seed: u64,
    nginx: &Path,
) -> Result<()> {
    let store = Store::open(database)?;
    if store.backend() != Backend::Postgres {
        bail!("bench proxy measures servers sharing PostgreSQL: give --database postgres://...");
    }
    if !nginx.exists() {
        bail!(
            "{} does not exist: install nginx (apt-get install nginx) or give --nginx",
            nginx.display()
        );
    }
    let scratch = tempfile::tempdir()?;
    let mut passes = Vec::new();
    for (name, servers, proxied) in [
        ("one server, direct (baseline)", 1, false),
        ("one server behind nginx", 1, true),
        ("two servers behind nginx", 2, true),
    ] {
        let slug = format!("bench-proxy-{seed}-{}", passes.len());
        let pass = measure(
            &store,
            database,
            &slug,
            (responses, concurrency, seed),
            servers,
            proxied.then_some(nginx),
            scratch.path(),
        )
        .with_context(|| format!("the pass \"{name}\""))?;
        passes.push(Pass { name, ..pass });
    }
    println!(
        "{:<32} {:>10} {:>8} {:>8} {:>12}",
        "PASS", "RESP/S", "P50 MS", "P99 MS", "ACKNOWLEDGED"
    );
    for pass in &passes {
        println!(
            "{:<32} {:>10.0} {:>8.1} {:>8.1} {:>12}",
            pass.name, pass.per_second, pass.p50_ms, pass.p99_ms, pass.acknowledged
        );
    }
    println!(
        "{} responses per pass, {} in flight, {}; one behind nginx / direct {:.2}; two / one behind nginx {:.2}",
        responses,
        concurrency,
        store.backend_version()?,
        passes[1].per_second / passes[0].per_second,
        passes[2].per_second / passes[1].per_second,
    );
    Ok(())
}

/// Post `n` responses to `servers` servers on `slug`, through nginx when given one.
fn measure(
    store: &Store,
    database: &str,
    slug: &str,
    (n, concurrency, seed): (usize, usize, u64),
    servers: usize,
    nginx: Option<&Path>,
    scratch: &Path,
) -> Result<Pass> {
    let mut definition = crate::fixtures::digital_leadership()?;
    definition.allow_open_link = true;
    definition.slug = slug.to_owned();
    store.import_survey(&definition)?;
    store.set_survey_status(slug, SurveyStatus::Open)?;
    let bodies: Vec<String> = SyntheticRespondents::new(&definition, seed)
        .take(n)
        .map(|answers| request_body(&answers))
        .collect();

    let running: Vec<ChildServer> = (0..servers)
        .map(|_| ChildServer::start(database))
        .collect::<Result<_>>()?;
    let ports: Vec<u16> = running.iter().map(|s| s.port).collect();
    let proxy = match nginx {
        Some(binary) => Some(ChildNginx::start(binary, &scratch.join(slug), &ports)?),
        None => None,
    };
    let port = proxy.as_ref().map_or(ports[0], |p| p.port);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let path = format!("/api/v1/surveys/{slug}/responses");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (elapsed, mut latencies, acknowledged) =
        runtime.block_on(load(addr, &path, bodies, concurrency))?;
    drop(runtime);
    drop(proxy);
    drop(running);
    let stored: i64 = store.count_responses(slug)?.iter().map(|c| c.count).sum();
    if stored != acknowledged as i64 || acknowledged != n {
        bail!("{n} posted, {acknowledged} acknowledged, {stored} stored");
    }
    let (p50_ms, p99_ms) = p50_p99(&mut latencies);
    Ok(Pass {
        name: "",
        per_second: acknowledged as f64 / elapsed.as_secs_f64(),
        p50_ms,
        p99_ms,
        acknowledged,
    })
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Wait until `url` answers 200.
fn wait_for(url: &str, what: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if reqwest::blocking::get(url).is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("{what} did not start")
}

/// `fieldwork serve` as a child process, stopped when dropped.
struct ChildServer {
    child: Child,
    port: u16,
}

impl ChildServer {
    fn start(database: &str) -> Result<Self> {
        let port = free_port()?;
        let child = Command::new(std::env::current_exe()?)
            .env("FIELDWORK_DATABASE_URL", database)
            .env_remove("FIELDWORK_LOG")
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .args(["--rate-limit", "0", "--trusted-proxy", "127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start fieldwork serve")?;
        let server = ChildServer { child, port };
        wait_for(
            &format!("http://127.0.0.1:{port}/healthz"),
            "fieldwork serve",
        )?;
        Ok(server)
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// nginx as a child process in front of `upstreams`, stopped when dropped.
struct ChildNginx {
    child: Child,
    binary: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl ChildNginx {
    fn start(binary: &Path, dir: &Path, upstreams: &[u16]) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let port = free_port()?;
        std::fs::write(dir.join("nginx.conf"), nginx_config(dir, port, upstreams))?;
        let child = Command::new(binary)
            .args(Self::paths(dir))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start nginx")?;
        let nginx = ChildNginx {
            child,
            binary: binary.to_owned(),
            dir: dir.to_owned(),
            port,
        };
        wait_for(&format!("http://127.0.0.1:{port}/healthz"), "nginx")?;
        Ok(nginx)
    }

    fn paths(dir: &Path) -> Vec<String> {
        vec![
            "-p".into(),
            dir.display().to_string(),
            "-e".into(),
            dir.join("error.log").display().to_string(),
            "-c".into(),
            dir.join("nginx.conf").display().to_string(),
        ]
    }
}

impl Drop for ChildNginx {
    fn drop(&mut self) {
        let _ = Command::new(&self.binary)
            .args(Self::paths(&self.dir))
            .args(["-s", "stop"])
            .output();
        let _ = self.child.wait();
    }
}

/// The documented site (`docs/nginx/fieldwork.conf`) with `upstreams` and a plain HTTP
/// listener on `port`, in a configuration of its own that keeps every file under `dir`.
fn nginx_config(dir: &Path, port: u16, upstreams: &[u16]) -> String {
    let documented = include_str!("../../../docs/nginx/fieldwork.conf");
    let mut site = String::new();
    for line in documented.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("server 127.0.0.1:8082") || trimmed.starts_with("ssl_") {
            continue;
        } else if trimmed.starts_with("server 127.0.0.1:8081") {
            for upstream in upstreams {
                site.push_str(&format!(
                    "    server 127.0.0.1:{upstream} max_fails=1 fail_timeout=10s;\n"
                ));
            }
        } else if trimmed.starts_with("listen 443") {
            site.push_str(&format!("    listen 127.0.0.1:{port};\n"));
        } else {
            site.push_str(line);
            site.push('\n');
        }
    }
    // As root nginx's workers would run as `nobody`, who cannot write under `dir`.
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let user = if root { "user root;\n" } else { "" };
    let dir = dir.display();
    format!(
        "{user}worker_processes auto;\ndaemon off;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log warn;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {dir}/body;\n  proxy_temp_path {dir}/proxy;\n  \
         fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n{site}}}\n"
    )
}
