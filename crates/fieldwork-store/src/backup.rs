//! Backing up and restoring an SQLite database (`fieldwork db backup`, `fieldwork db restore`).
//!
//! A copy of the file taken while a server writes can be torn (pages from before and after a
//! commit, a WAL not yet checkpointed). `VACUUM INTO` writes a consistent snapshot instead: it
//! reads in one transaction, which in WAL mode sees every commit made before it began and
//! blocks no writer, so the server goes on taking submissions. (SQLite's online backup API
//! would do as well, but diesel does not expose it and `VACUUM INTO` also compacts the copy.)
//! PostgreSQL is backed up with `pg_dump` (`docs/operations.md`).

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, RunQueryDsl, SqliteConnection};

use crate::connection::DbConnection;
use crate::{DatabaseUrl, Store, StoreError};

/// What a backup or a restore holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupTaken {
    pub path: PathBuf,
    pub bytes: u64,
    /// Responses in the copy (complete and partial).
    pub responses: i64,
}

fn backup_error(message: String) -> StoreError {
    StoreError::Backup(message)
}

/// Take a consistent copy of the SQLite database `store` opens into `out`, which must not
/// exist. The copy is written beside `out`, checked (`PRAGMA integrity_check`), flushed to
/// disk and only then renamed to `out`, so a crash never leaves a half copy under that name.
pub fn backup_sqlite(store: &Store, out: &Path) -> Result<BackupTaken, StoreError> {
    if out.exists() {
        return Err(backup_error(format!(
            "{} already exists: choose a new file for the backup",
            out.display()
        )));
    }
    let partial = sibling(out, "partial")?;
    let result = store.with_connection(|conn| {
        let DbConnection::Sqlite(conn) = conn else {
            return Err(backup_error(
                "fieldwork db backup copies SQLite databases; back PostgreSQL up with pg_dump \
                 (docs/operations.md)"
                    .into(),
            ));
        };
        diesel::sql_query("VACUUM INTO ?")
            .bind::<Text, _>(partial.to_string_lossy().into_owned())
            .execute(conn)
            .map_err(StoreError::from)
    });
    let taken = result.and_then(|_| {
        let taken = check_copy(&partial)?;
        sync_file(&partial)?;
        fs::rename(&partial, out).map_err(|e| io_error("cannot name the backup", out, &e))?;
        sync_parent(out)?;
        Ok(BackupTaken {
            path: out.to_owned(),
            ..taken
        })
    });
    if taken.is_err() {
        let _ = fs::remove_file(&partial);
    }
    taken
}

/// Put the backup `from` in place of the SQLite database at `target_url`. Refuses when the
/// backup is not a sound fieldwork database, when the target exists and `replace` is not
/// given, and when anything has the target open (a running server): SQLite will not grant an
/// exclusive lock on a WAL database another connection holds open, even an idle one.
pub fn restore_sqlite(
    from: &Path,
    target_url: &str,
    replace: bool,
) -> Result<BackupTaken, StoreError> {
    let DatabaseUrl::Sqlite { path: target, .. } = DatabaseUrl::parse(target_url)? else {
        return Err(backup_error(
            "fieldwork db restore restores SQLite databases; restore PostgreSQL with \
             pg_restore (docs/operations.md)"
                .into(),
        ));
    };
    if !from.is_file() {
        return Err(backup_error(format!(
            "there is no backup at {}",
            from.display()
        )));
    }
    let checked = check_copy(from)?;
    if target.exists() {
        if !replace {
            return Err(backup_error(format!(
                "{} already exists: pass --replace to overwrite it with the backup",
                target.display()
            )));
        }
        refuse_if_in_use(&target)?;
    }
    let partial = sibling(&target, "restoring")?;
    let copied = fs::copy(from, &partial)
        .map_err(|e| io_error("cannot copy the backup to", &partial, &e))
        .and_then(|_| sync_file(&partial))
        .and_then(|()| {
            // The old database's journal files would be read as the new one's.
            for suffix in ["-wal", "-shm", "-journal"] {
                let stale = with_suffix(&target, suffix);
                if stale.exists() {
                    fs::remove_file(&stale).map_err(|e| io_error("cannot remove", &stale, &e))?;
                }
            }
            fs::rename(&partial, &target)
                .map_err(|e| io_error("cannot put the backup at", &target, &e))
        })
        .and_then(|()| sync_parent(&target));
    if let Err(error) = copied {
        let _ = fs::remove_file(&partial);
        return Err(error);
    }
    Ok(BackupTaken {
        path: target,
        ..checked
    })
}

/// Fail unless an exclusive lock on `target` can be had at once, i.e. nothing has it open.
fn refuse_if_in_use(target: &Path) -> Result<(), StoreError> {
    let mut conn = open_sqlite(target)?;
    let locked = conn.batch_execute(
        "PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;",
    );
    match locked {
        Ok(()) => Ok(()),
        Err(e) if e.to_string().contains("locked") || e.to_string().contains("busy") => {
            Err(backup_error(format!(
                "{} is in use (a fieldwork server or another program has it open): stop it \
                 before restoring over it",
                target.display()
            )))
        }
        Err(e) => Err(backup_error(format!(
            "cannot check whether {} is in use: {e}",
            target.display()
        ))),
    }
}

#[derive(diesel::QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Check that `path` is a sound SQLite database with fieldwork's tables; what it holds.
fn check_copy(path: &Path) -> Result<BackupTaken, StoreError> {
    let mut conn = open_sqlite(path)?;
    let not_fieldwork = |e: diesel::result::Error| {
        backup_error(format!(
            "{} is not a fieldwork database: {e}",
            path.display()
        ))
    };
    let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .map_err(not_fieldwork)?;
    let verdict = checks
        .into_iter()
        .map(|c| c.integrity_check)
        .collect::<Vec<_>>()
        .join("; ");
    if verdict != "ok" {
        return Err(backup_error(format!(
            "{} fails SQLite's integrity check: {verdict}",
            path.display()
        )));
    }
    let count: Count = diesel::sql_query("SELECT COUNT(*) AS n FROM responses")
        .get_result(&mut conn)
        .map_err(not_fieldwork)?;
    let bytes = fs::metadata(path)
        .map_err(|e| io_error("cannot read", path, &e))?
        .len();
    Ok(BackupTaken {
        path: path.to_owned(),
        bytes,
        responses: count.n,
    })
}

fn open_sqlite(path: &Path) -> Result<SqliteConnection, StoreError> {
    SqliteConnection::establish(&path.to_string_lossy())
        .map_err(|e| backup_error(format!("cannot open {} as a database: {e}", path.display())))
}

/// A new file name beside `path` (same directory, so a rename is atomic).
fn sibling(path: &Path, purpose: &str) -> Result<PathBuf, StoreError> {
    let name = path
        .file_name()
        .ok_or_else(|| backup_error(format!("{} is not a file name", path.display())))?;
    let mut name = name.to_os_string();
    name.push(format!(".{purpose}-{}", uuid::Uuid::new_v4().simple()));
    Ok(path.with_file_name(name))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

fn sync_file(path: &Path) -> Result<(), StoreError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| io_error("cannot flush", path, &e))
}

fn sync_parent(path: &Path) -> Result<(), StoreError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("cannot flush the directory of", path, &e))
}

fn io_error(what: &str, path: &Path, error: &std::io::Error) -> StoreError {
    backup_error(format!("{what} {}: {error}", path.display()))
}
