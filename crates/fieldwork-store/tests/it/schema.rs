//! `src/schema.rs` is kept by hand; this is what keeps it true. The migrations are applied to
//! a fresh database of each backend, and every table's columns, with their types and
//! nullability, must be exactly those the `diesel::table!` declarations of `schema.rs` give.
//! A migration that adds, drops or renames a column, changes its type or its nullability
//! without the same change to `schema.rs` fails here.

use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use fieldwork_store::testing::TestDatabase;
use fieldwork_store::DatabaseUrl;

use crate::on_both_backends;

/// One column: its table, name, diesel SQL type (`BigInt`, `Nullable<Text>` is `Text` and
/// `nullable`) and whether it may be NULL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    table: String,
    name: String,
    sql_type: String,
    nullable: bool,
}

/// The columns `schema.rs` declares, read from its `table!` blocks.
fn declared_columns() -> Vec<Column> {
    let source = include_str!("../../src/schema.rs");
    let mut columns = Vec::new();
    let mut table: Option<String> = None;
    for line in source.lines().map(str::trim) {
        // `surveys (id) {` opens a table's columns; `}` closes them.
        if let Some((name, _keys)) = line.strip_suffix('{').and_then(|l| l.split_once(" (")) {
            table = Some(name.trim().to_owned());
        } else if line == "}" {
            table = None;
        } else if let (Some(table), Some((name, sql_type))) = (&table, line.split_once(" -> ")) {
            let sql_type = sql_type.trim_end_matches(',');
            let (sql_type, nullable) = match sql_type
                .strip_prefix("Nullable<")
                .and_then(|t| t.strip_suffix('>'))
            {
                Some(inner) => (inner, true),
                None => (sql_type, false),
            };
            columns.push(Column {
                table: table.clone(),
                name: name.trim().to_owned(),
                sql_type: sql_type.to_owned(),
                nullable,
            });
        }
    }
    columns.sort();
    columns
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    declared_type: String,
    #[diesel(sql_type = BigInt)]
    not_null: i64,
    #[diesel(sql_type = BigInt)]
    primary_key: i64,
}

/// The columns of the migrated SQLite database at `path`, with their declared types as
/// diesel names them.
fn sqlite_columns(path: &str) -> Vec<Column> {
    let mut conn = SqliteConnection::establish(path).expect("open the migrated SQLite file");
    let rows: Vec<SqliteColumn> = diesel::sql_query(
        "SELECT m.name AS table_name, c.name AS name, c.type AS declared_type,
                c.\"notnull\" AS not_null, c.pk AS primary_key
         FROM sqlite_master AS m, pragma_table_info(m.name) AS c
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
           AND m.name <> '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .expect("PRAGMA table_info");
    let mut columns: Vec<Column> = rows
        .into_iter()
        .map(|c| {
            let is_key = c.primary_key > 0;
            let sql_type = match c.declared_type.to_ascii_uppercase().as_str() {
                // An INTEGER PRIMARY KEY is the 64-bit rowid.
                "INTEGER" if is_key => "BigInt",
                "INTEGER" => "Integer",
                "BIGINT" => "BigInt",
                "TEXT" => "Text",
                "BOOLEAN" => "Bool",
                "TIMESTAMP" => "Timestamp",
                "DATE" => "Date",
                "BLOB" => "Binary",
                "DOUBLE" => "Double",
                other => other,
            }
            .to_owned();
            Column {
                table: c.table_name,
                name: c.name,
                sql_type,
                // diesel takes a primary key to be NOT NULL, as print-schema does.
                nullable: c.not_null == 0 && !is_key,
            }
        })
        .collect();
    columns.sort();
    columns
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

/// The columns of the migrated PostgreSQL database at `url`, with their types as diesel
/// names them.
fn postgres_columns(url: &str) -> Vec<Column> {
    let mut conn = PgConnection::establish(url).expect("connect to the migrated database");
    let rows: Vec<PgColumn> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name,
                data_type::text AS data_type, is_nullable::text AS is_nullable
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .expect("information_schema.columns");
    let mut columns: Vec<Column> = rows
        .into_iter()
        .map(|c| Column {
            table: c.table_name,
            name: c.column_name,
            sql_type: match c.data_type.as_str() {
                "bigint" => "BigInt",
                "integer" => "Integer",
                "text" => "Text",
                "boolean" => "Bool",
                "timestamp without time zone" => "Timestamp",
                "date" => "Date",
                "bytea" => "Binary",
                "double precision" => "Double",
                other => other,
            }
            .to_owned(),
            nullable: c.is_nullable == "YES",
        })
        .collect();
    columns.sort();
    columns
}

fn migrated_columns(db: &TestDatabase) -> Vec<Column> {
    match DatabaseUrl::parse(&db.url).expect("the test database's URL") {
        DatabaseUrl::Sqlite { path, .. } => sqlite_columns(&path.to_string_lossy()),
        DatabaseUrl::Postgres(url) => postgres_columns(&url),
    }
}

/// What one list has that the other lacks, for a message a reader can act on.
fn differences(declared: &[Column], migrated: &[Column]) -> String {
    let only = |these: &[Column], those: &[Column]| -> Vec<String> {
        these
            .iter()
            .filter(|c| !those.contains(c))
            .map(|c| {
                let null = if c.nullable { "Nullable " } else { "" };
                format!("{}.{} {null}{}", c.table, c.name, c.sql_type)
            })
            .collect()
    };
    format!(
        "schema.rs does not match the migrations.\n  only in schema.rs: {:?}\n  only in the migrated database: {:?}",
        only(declared, migrated),
        only(migrated, declared)
    )
}

fn schema_rs_matches_the_migrations(db: TestDatabase) {
    let declared = declared_columns();
    // The parse found every table: a change to the file's layout must not empty the check.
    let tables: std::collections::BTreeSet<&str> =
        declared.iter().map(|c| c.table.as_str()).collect();
    assert_eq!(tables.len(), 18, "tables read from schema.rs: {tables:?}");
    let migrated = migrated_columns(&db);
    assert!(
        declared == migrated,
        "{}",
        differences(&declared, &migrated)
    );
}

/// The check is not vacuous: a column added, or made nullable, by SQL that schema.rs does
/// not know of is found.
fn a_column_schema_rs_does_not_know_is_found(db: TestDatabase) {
    let declared = declared_columns();
    let alter = "ALTER TABLE responses ADD COLUMN note TEXT";
    match DatabaseUrl::parse(&db.url).unwrap() {
        DatabaseUrl::Sqlite { path, .. } => {
            let mut conn = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
            diesel::sql_query(alter).execute(&mut conn).unwrap();
        }
        DatabaseUrl::Postgres(url) => {
            let mut conn = PgConnection::establish(&url).unwrap();
            diesel::sql_query(alter).execute(&mut conn).unwrap();
            diesel::sql_query("ALTER TABLE users ALTER COLUMN email DROP NOT NULL")
                .execute(&mut conn)
                .unwrap();
        }
    }
    let migrated = migrated_columns(&db);
    let message = differences(&declared, &migrated);
    assert!(
        message.contains("responses.note Nullable Text"),
        "{message}"
    );
    if db.store.backend() == fieldwork_store::Backend::Postgres {
        assert!(message.contains("users.email Nullable Text"), "{message}");
    }
}

on_both_backends!(
    schema_rs_matches_the_migrations,
    a_column_schema_rs_does_not_know_is_found
);
