//! The write rate limit's token buckets kept in PostgreSQL, so that every server sharing the
//! database draws on one bucket per client address: N servers allow the documented rate, not
//! N times it. (On SQLite one server owns the file, and its buckets stay in its memory.)

use diesel::sql_types::{Double, Text};
use diesel::RunQueryDsl;

use crate::connection::DbConnection;
use crate::{Store, StoreError};

/// One token taken from `address`'s bucket, in one statement: the bucket refills at
/// `per_second` up to `burst` since it was last drawn on, and the row is updated only when
/// a whole token is there (the row lock makes concurrent takers queue, so two servers
/// cannot both take the last token). No row back means no token. The database's clock is
/// the only one used, so servers whose clocks disagree still share one bucket fairly.
const TAKE_TOKEN: &str = "
INSERT INTO rate_limit_buckets AS b (address, tokens, at)
VALUES ($1, $3 - 1, now() AT TIME ZONE 'UTC')
ON CONFLICT (address) DO UPDATE
SET tokens = LEAST($3, b.tokens + EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC' - b.at)) * $2) - 1,
    at = now() AT TIME ZONE 'UTC'
WHERE LEAST($3, b.tokens + EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC' - b.at)) * $2) >= 1
RETURNING b.tokens";

/// Buckets untouched for this many refill periods are full again and carry nothing.
const PRUNE_EVERY: u64 = 1024;

#[derive(diesel::QueryableByName)]
struct Left {
    #[diesel(sql_type = Double)]
    #[allow(dead_code)] // Only whether a row came back matters.
    tokens: f64,
}

impl Store {
    /// Take one token from the shared bucket of `address` (see [`TAKE_TOKEN`]): whether the
    /// request may go ahead. PostgreSQL only; on SQLite this is an error, since the server
    /// keeps SQLite's buckets in memory.
    ///
    /// The statement commits with `synchronous_commit = off`: a bucket's level lost in a
    /// crash costs nothing worth waiting for a disk flush on every request.
    pub fn take_rate_token(
        &self,
        address: &str,
        per_second: f64,
        burst: f64,
    ) -> Result<bool, StoreError> {
        let taken = self.with_connection(|conn| {
            let DbConnection::Postgres(pg) = conn else {
                return Err(StoreError::Unavailable(
                    "the shared rate limit needs PostgreSQL".into(),
                ));
            };
            diesel::Connection::transaction(pg, |pg| {
                diesel::sql_query("SET LOCAL synchronous_commit = off").execute(pg)?;
                let left: Vec<Left> = diesel::sql_query(TAKE_TOKEN)
                    .bind::<Text, _>(address)
                    .bind::<Double, _>(per_second)
                    .bind::<Double, _>(burst)
                    .load(pg)?;
                Ok::<_, diesel::result::Error>(!left.is_empty())
            })
            .map_err(StoreError::from)
        })?;
        if rand_tick() {
            self.prune_rate_buckets(per_second, burst)?;
        }
        Ok(taken)
    }

    /// Forget buckets that have refilled (their rows say nothing a missing row would not).
    fn prune_rate_buckets(&self, per_second: f64, burst: f64) -> Result<(), StoreError> {
        let refill_seconds = (burst / per_second.max(f64::MIN_POSITIVE)).min(86_400.0);
        self.with_connection(|conn| {
            let DbConnection::Postgres(pg) = conn else {
                return Ok(());
            };
            diesel::sql_query(
                "DELETE FROM rate_limit_buckets
                 WHERE at < now() AT TIME ZONE 'UTC' - make_interval(secs => $1)",
            )
            .bind::<Double, _>(refill_seconds)
            .execute(pg)
            .map(drop)
        })
    }
}

/// Roughly one call in [`PRUNE_EVERY`], without shared state: the low bits of the clock.
fn rand_tick() -> bool {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0);
    (nanos / 1000) % PRUNE_EVERY == 0
}
