//! A token bucket per client address, for the routes that write.
//!
//! The client address is the one `proxy.rs` settles (the peer, or what a trusted proxy said).
//! On PostgreSQL, where many servers may share the database, the buckets live in the database
//! (`Store::take_rate_token`), so a client gets the configured rate however many servers it
//! reaches; on SQLite one server owns the file and they live in its memory ([`RateLimiter`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::HttpRequest;
use fieldwork_store::{Backend, StoreError};

use crate::AppState;

impl AppState {
    /// Whether a write from `req`'s client may go ahead now: one token taken from its bucket.
    pub(crate) async fn within_rate_limit(&self, req: &HttpRequest) -> Result<bool, StoreError> {
        let (per_second, burst) = (self.config.rate_per_second, self.config.rate_burst.max(1.0));
        let Some(address) = crate::proxy::client_ip(req).map(bucket_of) else {
            return Ok(true);
        };
        let allowed = if per_second <= 0.0 {
            true
        } else if self.store.backend() == Backend::Postgres {
            let address = address.to_string();
            self.store_call(move |store| store.take_rate_token(&address, per_second, burst))
                .await?
        } else {
            self.limiter.allow(Some(address))
        };
        if !allowed {
            self.metrics.rate_limited();
        }
        Ok(allowed)
    }

    /// [`AppState::within_rate_limit`] for the respondent's pages.
    pub(crate) async fn check_rate(
        &self,
        req: &HttpRequest,
    ) -> Result<(), crate::pages::PageError> {
        if self.within_rate_limit(req).await? {
            Ok(())
        } else {
            Err(crate::pages::PageError::RateLimited)
        }
    }
}

/// The bucket an address draws on: itself for IPv4, its /64 for IPv6, since one subscriber
/// is given a whole /64 and could otherwise take a new bucket for every request.
fn bucket_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

/// Allows `burst` requests at once per address, refilled at `per_second`.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// Past this many addresses, buckets that have refilled are forgotten.
const MAX_TRACKED: usize = 100_000;

impl RateLimiter {
    /// `per_second` of 0 turns limiting off.
    pub fn new(per_second: f64, burst: f64) -> Self {
        RateLimiter {
            per_second,
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a request from `address` may go ahead now.
    pub fn allow(&self, address: Option<IpAddr>) -> bool {
        if self.per_second <= 0.0 {
            return true;
        }
        let Some(address) = address else {
            return true;
        };
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > MAX_TRACKED {
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(address).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_limited_per_address() {
        let limiter = RateLimiter::new(0.001, 3.0);
        let a = Some("127.0.0.1".parse().unwrap());
        let b = Some("127.0.0.2".parse().unwrap());
        assert!((0..3).all(|_| limiter.allow(a)));
        assert!(!limiter.allow(a));
        assert!(limiter.allow(b), "another address has its own bucket");
        assert!(RateLimiter::new(0.0, 1.0).allow(a), "0 turns limiting off");
    }

    #[test]
    fn an_ipv6_subscriber_has_one_bucket_for_its_64() {
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        assert_eq!(bucket_of(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(
            bucket_of(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            bucket_of(ip("2001:db8:1:2::7"))
        );
        assert_ne!(
            bucket_of(ip("2001:db8:1:3::7")),
            bucket_of(ip("2001:db8:1:2::7"))
        );
        assert_eq!(bucket_of(ip("192.0.2.7")), ip("192.0.2.7"));
    }
}
