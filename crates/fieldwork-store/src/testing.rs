//! Throwaway databases for tests, on real SQLite files and a real PostgreSQL server.
//!
//! PostgreSQL comes from `FIELDWORK_TEST_POSTGRES_URL` when it is set (a server whose user may
//! create databases; `.ci/run` starts one), and otherwise from a private cluster that this
//! process starts with the system's `initdb` and `postgres` in a temporary directory on a free
//! port. Either way every test gets a database of its own. The private cluster runs as the
//! `postgres` user when the tests run as root (PostgreSQL refuses root), and a small shell
//! guardian stops it and removes its directory when the test process exits.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::connection::with_database;
use crate::Store;

/// Generate `sqlite::NAME` and `postgres::NAME` tests for each `fn NAME(db: TestDatabase)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name($crate::testing::sqlite()) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name($crate::testing::postgres()) } )*
        }
    };
}

/// A store on a fresh database, and what keeps that database alive.
#[derive(Debug)]
pub struct TestDatabase {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// Last: dropped after the store's own connections.
    _drop: Option<DropDatabase>,
}

/// Drops a PostgreSQL test database when its test is done: on a long-lived server (the one
/// `FIELDWORK_TEST_POSTGRES_URL` names) thousands of runs would otherwise fill its disk.
/// `WITH (FORCE)` closes the pooled connections of stores still open on it.
#[derive(Debug)]
struct DropDatabase {
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(postgres_server_url()) {
            // A database that cannot be dropped now is left for the server's owner.
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin);
        }
    }
}

/// A store on a new SQLite file in a temporary directory.
pub fn sqlite() -> TestDatabase {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = Store::open(&url).expect("a new SQLite store");
    TestDatabase {
        store,
        url,
        _dir: Some(dir),
        _drop: None,
    }
}

/// A store on a new database of the test PostgreSQL server.
pub fn postgres() -> TestDatabase {
    let url = postgres_database_url();
    let store = Store::open(&url).expect("a new PostgreSQL store");
    let name = url
        .rsplit('/')
        .next()
        .and_then(|n| n.split('?').next())
        .filter(|n| n.starts_with("fieldwork_test_"))
        .map(|n| DropDatabase { name: n.to_owned() });
    TestDatabase {
        store,
        url,
        _dir: None,
        _drop: name,
    }
}

/// The URL of a new, empty database on the test PostgreSQL server.
pub fn postgres_database_url() -> String {
    let server = postgres_server_url();
    let name = format!("fieldwork_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(server)
        .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL server: {e}"));
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("CREATE DATABASE on the test server");
    with_database(server, &name)
}

/// The URL of the test PostgreSQL server's maintenance database.
pub fn postgres_server_url() -> &'static str {
    static SERVER: OnceLock<String> = OnceLock::new();
    SERVER.get_or_init(|| match std::env::var("FIELDWORK_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => start_private_cluster().unwrap_or_else(|e| {
            panic!("cannot start a PostgreSQL cluster for the tests ({e}); install PostgreSQL (apt-get install postgresql) or set FIELDWORK_TEST_POSTGRES_URL")
        }),
    })
}

fn start_private_cluster() -> Result<String, String> {
    let bin =
        postgres_bin_dir().ok_or("no PostgreSQL server binaries under /usr/lib/postgresql")?;
    let as_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let dir = std::env::temp_dir().join(format!("fieldwork-pg-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    if as_root {
        run(Command::new("chown").arg("postgres:postgres").arg(&dir))?;
    }
    let data = dir.join("data");
    let user_command = |program: &Path| {
        let mut command = if as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.current_dir(&dir);
        command
    };
    run(user_command(&bin.join("initdb"))
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&data))?;
    let port = free_port()?;
    // The guardian: start the server, then stop it once the test process has gone.
    let script = format!(
        "\"{postgres}\" -D \"{data}\" -p {port} -k \"{dir}\" -c listen_addresses=127.0.0.1 \
         -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
         >\"{dir}/server.log\" 2>&1 & server=$!; \
         while [ -e /proc/{parent} ] && kill -0 $server 2>/dev/null; do sleep 1; done; \
         kill -INT $server 2>/dev/null; wait $server; rm -rf \"{dir}\"",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
        parent = std::process::id(),
    );
    let mut guardian = if as_root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", "sh", "-c", &script]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", &script]);
        c
    };
    guardian
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting postgres: {e}"))?;
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match PgConnection::establish(&url) {
            Ok(_) => return Ok(url),
            Err(e) if Instant::now() > deadline => {
                let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
                return Err(format!("the server did not accept connections: {e}\n{log}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// A PostgreSQL cluster of one's own, for tests that stop and start the server under a
/// running fieldwork (the shared test server must stay up for everyone else). Removed on drop.
#[derive(Debug)]
pub struct OwnedCluster {
    dir: PathBuf,
    port: u16,
    as_root: bool,
    running: bool,
}

impl OwnedCluster {
    /// initdb a new cluster on a free port and start it.
    pub fn start() -> Result<OwnedCluster, String> {
        let bin =
            postgres_bin_dir().ok_or("no PostgreSQL server binaries under /usr/lib/postgresql")?;
        let as_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let dir = std::env::temp_dir().join(format!(
            "fieldwork-pg-own-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        if as_root {
            run(Command::new("chown").arg("postgres:postgres").arg(&dir))?;
        }
        let mut cluster = OwnedCluster {
            dir,
            port: free_port()?,
            as_root,
            running: false,
        };
        let data = cluster.dir.join("data");
        run(cluster
            .command(&bin.join("initdb"))
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data))?;
        cluster.resume()?;
        Ok(cluster)
    }

    fn command(&self, program: &Path) -> Command {
        let mut command = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.current_dir(&self.dir);
        command
    }

    /// The URL of database `name` on this cluster.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Stop the server (fast shutdown), keeping its data.
    pub fn stop(&mut self) {
        if self.running {
            if let Some(bin) = postgres_bin_dir() {
                let _ = self
                    .command(&bin.join("pg_ctl"))
                    .arg("-D")
                    .arg(self.dir.join("data"))
                    .args(["-m", "fast", "-w", "stop"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
            self.running = false;
        }
    }

    /// Start the server again on the same port and data; returns once it accepts connections.
    pub fn resume(&mut self) -> Result<(), String> {
        let bin = postgres_bin_dir().ok_or("no PostgreSQL server binaries")?;
        run(self
            .command(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .arg("-o")
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                self.port,
                self.dir.display()
            ))
            .args(["-w", "start"]))?;
        self.running = true;
        Ok(())
    }

    /// Create database `name` and return its URL.
    pub fn create_database(&self, name: &str) -> Result<String, String> {
        let mut admin =
            PgConnection::establish(&self.url("postgres")).map_err(|e| e.to_string())?;
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .map_err(|e| e.to_string())?;
        Ok(self.url(name))
    }
}

impl Drop for OwnedCluster {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists() && bin.join("postgres").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("finding a free port: {e}"))
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("running {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced_in_urls() {
        assert_eq!(
            super::with_database("postgres://u:p@h:5/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:5/x?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://h", "x"), "postgres://h/x");
    }
}

/// How [`write_protect`] made a database unwritable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// `chattr +i` (as root, which file permissions do not stop): writes fail even through
    /// files a process already has open, as on a file system gone read-only.
    Immutable,
    /// `chmod a-w` (as any other user): only files opened afterwards are read-only.
    Permissions,
}

/// A database file (and its WAL) made unwritable; writable again when dropped.
#[derive(Debug)]
pub struct WriteProtected {
    /// Each file with its mode before.
    paths: Vec<(PathBuf, u32)>,
    pub how: Protection,
}

/// Make the SQLite database at `path` unwritable, as a read-only file or file system would.
///
/// The `-shm` file is left alone: SQLite maps it shared and writes it in place, and an
/// immutable mapping turns that write into SIGBUS, which no program can answer (and a file
/// system cannot be remounted read-only under a writable mapping, so that never happens).
/// Panics, saying why, when the file cannot be protected: as root only an immutable flag
/// stops writes, and some file systems have none (point `TMPDIR` at ext4, xfs or btrfs).
pub fn write_protect(path: &Path) -> WriteProtected {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    use std::os::unix::fs::PermissionsExt;
    let paths: Vec<(PathBuf, u32)> = [path.to_owned(), PathBuf::from(wal)]
        .into_iter()
        .filter_map(|p| {
            let mode = std::fs::metadata(&p).ok()?.permissions().mode();
            Some((p, mode))
        })
        .collect();
    let names = || paths.iter().map(|(p, _)| p.as_os_str());
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let how = if root {
        let status = Command::new("chattr").arg("+i").args(names()).status();
        assert!(
            status.as_ref().is_ok_and(|s| s.success()),
            "as root only `chattr +i` makes a file read-only, and it failed ({status:?}) on {}: \
             run the tests on a file system with immutable flags (TMPDIR on ext4, xfs or btrfs)",
            path.display()
        );
        Protection::Immutable
    } else {
        for (path, mode) in &paths {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & !0o222))
                .expect("chmod a-w");
        }
        Protection::Permissions
    };
    WriteProtected { paths, how }
}

impl Drop for WriteProtected {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        match self.how {
            Protection::Immutable => {
                let names = self.paths.iter().map(|(p, _)| p.as_os_str());
                let _ = Command::new("chattr").arg("-i").args(names).status();
            }
            Protection::Permissions => {
                for (path, mode) in &self.paths {
                    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode));
                }
            }
        }
    }
}

/// A small tmpfs for a test to fill: a real full disk (ENOSPC). Mounting needs root
/// (CAP_SYS_ADMIN); [`SmallDisk::mount`] says why when it cannot. Unmounted when dropped.
#[derive(Debug)]
pub struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    pub fn mount(bytes: u64) -> Result<SmallDisk, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let output = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={bytes}"),
                "fieldwork-test",
            ])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("mount: {e}"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(stderr.lines().next().unwrap_or("mount failed").to_owned());
        }
        Ok(SmallDisk { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Grow (or shrink) the file system in place, as an operator would free or add space.
    pub fn resize(&self, bytes: u64) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={bytes}")])
            .arg(self.dir.path())
            .status();
        assert!(status.is_ok_and(|s| s.success()), "remount the test tmpfs");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: a store the test still holds may have files open there.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}
