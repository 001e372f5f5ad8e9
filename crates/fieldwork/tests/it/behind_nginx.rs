//! Two `fieldwork serve` processes on one PostgreSQL behind a real nginx running
//! `docs/nginx/fieldwork.conf`: the client's address as the servers see it, one rate limit
//! across both servers, `/readyz` taking a server that cannot store out of rotation, a
//! `close` taking effect on both at once, and metrics that say what happened.
//!
//! Clients come from different loopback addresses (127.0.0.2, 127.0.0.3, ...), so nginx sees
//! each as a different client while all connections from nginx come from 127.0.0.1.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fieldwork_store::{testing, Store};
use fieldwork_survey::SyntheticRespondents;
use serde_json::{json, Value};

use crate::backups::run_pg_tool;
use crate::durability::{free_port, prepared_study};

const SLUG: &str = "digital-leadership";

/// nginx in front of `upstreams`, from the documented configuration.
struct Nginx {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Nginx {
    fn binary() -> PathBuf {
        [
            "/usr/sbin/nginx",
            "/usr/local/sbin/nginx",
            "/usr/local/nginx/sbin/nginx",
        ]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "nginx is not installed: `apt-get install nginx` (.ci/run installs it); this \
                     test runs fieldwork behind a real nginx"
            )
        })
    }

    /// The documented site, on `port` without TLS, with `upstreams` for its servers; those
    /// in `down` marked down, as an operator does for a server whose /readyz fails.
    fn site(port: u16, upstreams: &[u16], down: &[u16]) -> String {
        let documented = include_str!("../../../../docs/nginx/fieldwork.conf");
        let mut site = String::new();
        for line in documented.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("server 127.0.0.1:8082") {
                continue;
            } else if trimmed.starts_with("server 127.0.0.1:8081") {
                for upstream in upstreams {
                    let state = if down.contains(upstream) { " down" } else { "" };
                    site.push_str(&format!(
                        "    server 127.0.0.1:{upstream} max_fails=1 fail_timeout=10s{state};\n"
                    ));
                }
            } else if trimmed.starts_with("listen 443") {
                site.push_str(&format!("    listen 127.0.0.1:{port};\n"));
            } else if !trimmed.starts_with("ssl_") {
                site.push_str(line);
                site.push('\n');
            }
        }
        site
    }

    fn write_config(dir: &Path, port: u16, upstreams: &[u16], down: &[u16]) {
        let user = if run_id_u() == "0" {
            "user root;\n"
        } else {
            ""
        };
        let config = format!(
            "{user}worker_processes 1;\ndaemon off;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log warn;\n\
             events {{ worker_connections 512; }}\n\
             http {{\n  log_format up '$remote_addr $request $status $upstream_addr $upstream_status';\n  add_header X-Test-Down \"{marked}\" always;\n  access_log {dir}/access.log up;\n  client_body_temp_path {dir}/body;\n  \
             proxy_temp_path {dir}/proxy;\n  fastcgi_temp_path {dir}/fastcgi;\n  \
             uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n{site}}}\n",
            dir = dir.display(),
            site = Self::site(port, upstreams, down),
            marked = Self::marker(down),
        );
        std::fs::write(dir.join("nginx.conf"), config).unwrap();
    }

    fn start(dir: &Path, upstreams: &[u16]) -> Nginx {
        let dir = dir.join("nginx");
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        Self::write_config(&dir, port, upstreams, &[]);
        let child = Command::new(Self::binary())
            .args([
                "-p",
                &dir.to_string_lossy(),
                "-e",
                &dir.join("error.log").to_string_lossy(),
            ])
            .args(["-c", &dir.join("nginx.conf").to_string_lossy()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let nginx = Nginx { child, dir, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if reqwest::blocking::get(format!("{}/healthz", nginx.base()))
                .is_ok_and(|r| r.status().is_success())
            {
                return nginx;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("nginx did not start: {}", nginx.error_log());
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }

    /// Rewrite the configuration with `down` marked down and reload it, as an operator's
    /// readiness loop does; returns once the new workers answer.
    fn mark_down(&self, upstreams: &[u16], down: &[u16]) {
        Self::write_config(&self.dir, self.port, upstreams, down);
        self.signal("reload");
        // Answers carry the servers marked down in the configuration that made them, and the
        // old worker, which may still take a connection until it has stopped, is gone once
        // the master has one child again (worker_processes 1).
        let fresh = || {
            reqwest::blocking::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap()
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let answer = fresh().get(format!("{}/healthz", self.base())).send();
            let reloaded = answer.is_ok_and(|a| {
                a.headers()
                    .get("x-test-down")
                    .is_some_and(|v| v == Self::marker(down).as_str())
            });
            if reloaded && children_of(self.child.id()) == 1 {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("nginx did not reload: {}", self.error_log());
    }

    /// The ports marked down, as the test header carries them.
    fn marker(down: &[u16]) -> String {
        down.iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }

    fn signal(&self, signal: &str) {
        let output = Command::new(Self::binary())
            .args([
                "-p",
                &self.dir.to_string_lossy(),
                "-e",
                &self.dir.join("error.log").to_string_lossy(),
            ])
            .args([
                "-c",
                &self.dir.join("nginx.conf").to_string_lossy(),
                "-s",
                signal,
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "nginx -s {signal}: {}",
            self.error_log()
        );
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new(Self::binary())
            .args([
                "-p",
                &self.dir.to_string_lossy(),
                "-e",
                &self.dir.join("error.log").to_string_lossy(),
            ])
            .args([
                "-c",
                &self.dir.join("nginx.conf").to_string_lossy(),
                "-s",
                "stop",
            ])
            .output();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How many processes have `parent` as their parent (from /proc).
fn children_of(parent: u32) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            // pid (comm) state ppid ...: comm may hold spaces, so read after its last ')'.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .is_some_and(|ppid| ppid == parent.to_string())
        })
        .count()
}

fn run_id_u() -> String {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// One `fieldwork serve` behind the proxy, with its metrics on an address of its own.
struct Server {
    child: Child,
    port: u16,
    metrics_port: u16,
}

impl Server {
    fn start(dir: &Path, database: &str, name: &str) -> Server {
        let (port, metrics_port) = (free_port(), free_port());
        let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
            .current_dir(dir)
            .env("FIELDWORK_DATABASE_URL", database)
            .env("FIELDWORK_LOG", "info")
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .args(["--trusted-proxy", "127.0.0.1/32"])
            .args(["--metrics-bind", &format!("127.0.0.1:{metrics_port}")])
            // 0.01 writes a second after a burst of 60: the burst is what a test can count.
            .args(["--rate-limit", "0.01"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let server = Server {
            child,
            port,
            metrics_port,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if reqwest::blocking::get(format!("{}/healthz", server.base()))
                .is_ok_and(|r| r.status().is_success())
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("fieldwork serve ({name}) did not start");
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The value of the metric line starting `series` (0 when absent).
    fn metric(&self, series: &str) -> f64 {
        let page =
            reqwest::blocking::get(format!("http://127.0.0.1:{}/metrics", self.metrics_port))
                .unwrap()
                .text()
                .unwrap();
        page.lines()
            .find(|l| l.starts_with(series))
            .and_then(|l| l.rsplit(' ').next())
            .map_or(0.0, |v| v.parse().unwrap())
    }

    fn submissions(&self, status: u16) -> f64 {
        self.metric(&format!(
            "fieldwork_http_requests_total{{method=\"POST\",route=\"/api/v1/surveys/{{slug}}/responses\",status=\"{status}\"}}"
        ))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client whose connections come from `address` (a loopback address).
fn client_from(address: &str) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .local_address(address.parse::<IpAddr>().unwrap())
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn submit(client: &reqwest::blocking::Client, base: &str, key: &str, body: &Value) -> u16 {
    client
        .post(format!("{base}/api/v1/surveys/{SLUG}/responses"))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .unwrap()
        .status()
        .as_u16()
}

/// A failed sign-in through `base` by `client`, sending `forwarded` as its own
/// X-Forwarded-For if given.
fn failed_sign_in(client: &reqwest::blocking::Client, base: &str, forwarded: Option<&str>) {
    let page = client
        .get(format!("{base}/admin/sign-in"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("the sign-in form") + marker.len();
    let token = page[start..].split('"').next().unwrap().to_owned();
    let mut post = client.post(format!("{base}/admin/sign-in")).form(&[
        ("csrf_token", token.as_str()),
        ("email", "nobody@example.org"),
        ("password", "not-the-password-at-all"),
    ]);
    if let Some(forwarded) = forwarded {
        post = post.header("X-Forwarded-For", forwarded);
    }
    assert_eq!(post.send().unwrap().status(), 401);
}

/// The survey's status as `base` reports it.
fn status_on(base: &str) -> String {
    let survey: Value = reqwest::blocking::get(format!("{base}/api/v1/surveys/{SLUG}"))
        .unwrap()
        .json()
        .unwrap();
    survey["status"].as_str().unwrap().to_owned()
}

/// `database` with its user replaced by `user`.
fn as_user(database: &str, user: &str) -> String {
    let (scheme, rest) = database.split_once("://").unwrap();
    let (_, host) = rest.split_once('@').unwrap();
    format!("{scheme}://{user}@{host}")
}

fn psql(database: &str, sql: &str) -> String {
    run_pg_tool(
        "psql",
        &[
            "-X",
            "-q",
            "-t",
            "-A",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
            database,
        ],
    )
}

#[test]
fn two_servers_behind_nginx_share_client_addresses_limits_readiness_and_closing() {
    let dir = tempfile::tempdir().unwrap();
    let database = testing::postgres_database_url();
    let definition = prepared_study(dir.path(), &database);
    // Server B connects as a role of its own, so that its writes alone can be refused later.
    let role = format!("fw_b_{}", uuid_like());
    psql(&database, &format!("CREATE ROLE {role} LOGIN SUPERUSER"));
    let a = Server::start(dir.path(), &database, "a");
    let b = Server::start(dir.path(), &as_user(&database, &role), "b");
    let upstreams = [a.port, b.port];
    let nginx = Nginx::start(dir.path(), &upstreams);
    let proxy = nginx.base();
    let bodies: Vec<Value> = SyntheticRespondents::new(&definition, 31)
        .take(200)
        .map(|answers| json!({ "answers": answers }))
        .collect();

    // 1. The servers see the client's address, not nginx's, and a forged X-Forwarded-For
    //    changes nothing.
    failed_sign_in(&client_from("127.0.0.2"), &proxy, None);
    failed_sign_in(&client_from("127.0.0.3"), &proxy, Some("203.0.113.9"));
    let store = Store::open(&database).unwrap();
    let mut addresses: Vec<String> = store
        .audit_entries(None, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "sign_in.failed")
        .map(|e| e.detail["address"].as_str().unwrap().to_owned())
        .collect();
    addresses.sort();
    assert_eq!(addresses, ["127.0.0.2", "127.0.0.3"]);

    // 2. One client's writes share one bucket on both servers: a burst of 60, not 120.
    let greedy = client_from("127.0.0.4");
    let statuses: Vec<u16> = (0..100)
        .map(|i| submit(&greedy, &proxy, &format!("greedy-{i}"), &bodies[i]))
        .collect();
    let accepted = statuses.iter().filter(|s| **s == 201).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(accepted + limited, 100, "{statuses:?}");
    assert!(
        (60..=61).contains(&accepted),
        "accepted {accepted} of 100: {statuses:?}"
    );
    for server in [&a, &b] {
        assert!(
            server.submissions(201) > 0.0,
            "nginx sent submissions to both servers"
        );
        assert!(server.submissions(429) > 0.0, "both servers refused some");
    }
    assert_eq!(a.submissions(201) + b.submissions(201), accepted as f64);
    // Another client has a bucket of its own.
    assert_eq!(
        submit(&client_from("127.0.0.5"), &proxy, "other-0", &bodies[100]),
        201
    );

    // 3. Metrics: on the metrics address, not through the proxy nor on the main address
    //    without the token, and naming no survey or answer.
    assert_eq!(
        reqwest::blocking::get(format!("{proxy}/metrics"))
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        reqwest::blocking::get(format!("{}/metrics", a.base()))
            .unwrap()
            .status(),
        404
    );
    let page = reqwest::blocking::get(format!("http://127.0.0.1:{}/metrics", a.metrics_port))
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains("fieldwork_group_commit_batch_size_count"),
        "{page}"
    );
    assert!(page.contains("fieldwork_sign_in_failures_total"), "{page}");
    assert!(!page.contains(SLUG) && !page.contains("127.0.0."), "{page}");
    assert_eq!(
        reqwest::blocking::get(format!("http://127.0.0.1:{}/healthz", a.metrics_port))
            .unwrap()
            .status(),
        404,
        "the metrics address serves nothing else"
    );

    // 4. Closing on one server (here the command line) stops both at once: writes at once,
    //    since each confirms in its own transaction; reads as soon as the change is heard.
    assert_eq!(status_on(&a.base()), "open");
    assert_eq!(status_on(&b.base()), "open");
    let closed = crate::fieldwork(dir.path(), &database, &["survey", "close", SLUG]);
    assert!(closed.status.success(), "{}", crate::stderr(&closed));
    let closed_at = Instant::now();
    let writer = client_from("127.0.0.6");
    for (s, server) in [&a, &b].iter().enumerate() {
        assert_eq!(
            submit(&writer, &server.base(), &format!("late-{s}"), &bodies[101]),
            409
        );
    }
    while [&a, &b].iter().any(|s| status_on(&s.base()) != "closed") {
        assert!(
            closed_at.elapsed() < Duration::from_millis(1500),
            "a server still says open"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    eprintln!(
        "both servers showed the survey closed {:?} after the close",
        closed_at.elapsed()
    );
    let reopened = crate::fieldwork(dir.path(), &database, &["survey", "open", SLUG]);
    assert!(reopened.status.success(), "{}", crate::stderr(&reopened));

    // 5. Server B's database refuses its writes (as a full or read-only disk would): its
    //    /readyz says so while A's does not; marked down, it gets no more submissions and
    //    every one through the proxy is stored.
    psql(
        &database,
        &format!("ALTER ROLE {role} SET default_transaction_read_only = on"),
    );
    psql(
        &database,
        &format!("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '{role}'"),
    );
    let ready = |server: &Server| {
        let response = reqwest::blocking::get(format!("{}/readyz", server.base())).unwrap();
        (
            response.status().as_u16(),
            response.json::<Value>().unwrap(),
        )
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let (status, body) = loop {
        let (status, body) = ready(&b);
        if status == 503 || Instant::now() > deadline {
            break (status, body);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["storage"], "read_only", "{body}");
    assert_eq!(body["database"], "ok", "{body}");
    assert_eq!(ready(&a).0, 200);
    nginx.mark_down(&upstreams, &[b.port]);
    let before_b = b.submissions(201) + b.submissions(503);
    let steady = client_from("127.0.0.7");
    for i in 0..40 {
        let status = submit(&steady, &proxy, &format!("steady-{i}"), &bodies[110 + i]);
        if status != 201 {
            let log = std::fs::read_to_string(nginx.dir.join("access.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(12).collect();
            // Which server answered, from nginx's log, says what went wrong.
            panic!(
                "steady-{i}: {status}; B {}, A {}; nginx:\n{}",
                b.port,
                a.port,
                tail.join("\n")
            );
        }
    }
    assert_eq!(
        b.submissions(201) + b.submissions(503),
        before_b,
        "B got no submissions"
    );

    // Everything acknowledged is stored once: the greedy client's, the other's, the steady's.
    drop(nginx);
    let stored: i64 = store
        .count_responses(SLUG)
        .unwrap()
        .iter()
        .map(|c| c.count)
        .sum();
    assert_eq!(stored, accepted as i64 + 1 + 40);
    drop(store);
    drop(a);
    drop(b);
    psql(
        &database,
        &format!("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '{role}'"),
    );
    psql(&database, &format!("DROP ROLE {role}"));
}

/// A short random name part (no uuid crate here): the clock's nanoseconds and the process id.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}_{}", std::process::id(), nanos % 1_000_000_000)
}

#[test]
fn serve_refuses_bad_proxy_and_metrics_settings() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("s.db").display());
    let output = crate::fieldwork(
        dir.path(),
        &database,
        &["serve", "--trusted-proxy", "10.0.0.0/40"],
    );
    crate::assert_one_line_error(&output, "`10.0.0.0/40` is not an address or a CIDR block");
    let output = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir.path())
        .env("FIELDWORK_DATABASE_URL", &database)
        .env("FIELDWORK_METRICS_TOKEN", "too-short")
        .args(["serve", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    crate::assert_one_line_error(&output, "the metrics token must be at least 24");
    assert!(
        !crate::stderr(&output).contains("too-short"),
        "the token is not echoed"
    );
    let output = crate::fieldwork(
        dir.path(),
        &database,
        &["serve", "--client-address-header", "via"],
    );
    assert_eq!(output.status.code(), Some(2), "a usage mistake");
    assert!(crate::stderr(&output).contains("use x-forwarded-for or forwarded"));
}
