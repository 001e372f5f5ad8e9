//! `fieldwork db backup` and `fieldwork db restore`: a consistent copy of a live SQLite
//! database, and putting one back (`fieldwork_store::backup`). PostgreSQL is backed up and
//! restored with its own tools (`docs/operations.md`).

use std::path::Path;

use anyhow::{Context, Result};
use fieldwork_store::{backup_sqlite, restore_sqlite, Store};

pub(crate) fn backup(database: &str, out: &Path) -> Result<()> {
    // The database as it is: a backup never migrates what it copies.
    let store = Store::open_without_migrating(database)?;
    let taken = backup_sqlite(&store, out)
        .with_context(|| format!("cannot back up {}", store.display_url()))?;
    println!(
        "backed up {} to {} ({} responses, {} bytes; integrity check ok)",
        store.display_url(),
        taken.path.display(),
        taken.responses,
        taken.bytes
    );
    Ok(())
}

pub(crate) fn restore(database: &str, from: &Path, replace: bool) -> Result<()> {
    let restored = restore_sqlite(from, database, replace)
        .with_context(|| format!("cannot restore {}", from.display()))?;
    println!(
        "restored {} to {} ({} responses); migrations run when it is next opened",
        from.display(),
        restored.path.display(),
        restored.responses
    );
    Ok(())
}
