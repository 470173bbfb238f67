//! Abuse limits: how often one client address, and one account, may try what anyone
//! can try (sign in, redeem a link, ask for and poll a device code, look up a user
//! code). Over a limit is `429` with `Retry-After`, never a silent drop.
//!
//! Addresses are the TCP peer's: behind a reverse proxy every client shares the
//! proxy's address, so the per-address limits then act as one global limit (the
//! per-account ones still hold). IPv6 clients are keyed by their /64, which one
//! subscriber usually holds whole.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

/// What is being tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// A password sign-in.
    Login,
    /// Redeeming a one-time sign-in link.
    RedeemLink,
    /// Asking for a device code (`mstro login`).
    DeviceRequest,
    /// Polling for a device code's approval.
    DevicePoll,
    /// Looking up, approving or denying a user code (a signed-in person).
    DeviceDecision,
    /// Sharing a machine with a user by name (its owner): the list of shares that
    /// follows tells whether the name has an account, so names are tried at a rate.
    Share,
}

/// The limiters, one per attempt and key kind.
pub struct Limits {
    clock: DefaultClock,
    login_by_address: Limiter<IpAddr>,
    login_by_account: Limiter<String>,
    link_by_address: Limiter<IpAddr>,
    request_by_address: Limiter<IpAddr>,
    poll_by_address: Limiter<IpAddr>,
    decision_by_account: Limiter<String>,
    share_by_account: Limiter<String>,
}

type Limiter<K> = DefaultKeyedRateLimiter<K>;

fn per_minute<K: Hash + Eq + Clone>(per_minute: u32, burst: u32) -> Limiter<K> {
    let n = |v: u32| NonZeroU32::new(v.max(1)).expect("at least 1");
    Limiter::keyed(Quota::per_minute(n(per_minute)).allow_burst(n(burst)))
}

impl Default for Limits {
    /// Generous for people (a typo or ten, a machine polling every few seconds, several
    /// machines behind one address), tight for a script.
    fn default() -> Self {
        Limits {
            clock: DefaultClock::default(),
            login_by_address: per_minute(20, 10),
            login_by_account: per_minute(10, 5),
            link_by_address: per_minute(20, 10),
            request_by_address: per_minute(10, 5),
            poll_by_address: per_minute(120, 30),
            decision_by_account: per_minute(30, 10),
            share_by_account: per_minute(20, 10),
        }
    }
}

impl Limits {
    /// Count an attempt from `address`; how long to wait if it is over the limit.
    pub fn from_address(&self, attempt: Attempt, address: IpAddr) -> Result<(), Duration> {
        let key = address_key(address);
        let limiter = match attempt {
            Attempt::Login => &self.login_by_address,
            Attempt::RedeemLink => &self.link_by_address,
            Attempt::DeviceRequest => &self.request_by_address,
            Attempt::DevicePoll => &self.poll_by_address,
            Attempt::DeviceDecision | Attempt::Share => return Ok(()),
        };
        self.check(limiter, &key)
    }

    /// Count an attempt on account `name` (a user name as typed, case-folded, or a
    /// user id); how long to wait if it is over the limit.
    pub fn on_account(&self, attempt: Attempt, name: &str) -> Result<(), Duration> {
        let limiter = match attempt {
            Attempt::Login => &self.login_by_account,
            Attempt::DeviceDecision => &self.decision_by_account,
            Attempt::Share => &self.share_by_account,
            _ => return Ok(()),
        };
        self.check(limiter, &name.to_ascii_lowercase())
    }

    fn check<K: Hash + Eq + Clone>(&self, limiter: &Limiter<K>, key: &K) -> Result<(), Duration> {
        limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Forget keys whose limits have fully recovered, so that the tables hold only
    /// recent clients (called periodically).
    pub fn forget_idle(&self) {
        self.login_by_address.retain_recent();
        self.login_by_account.retain_recent();
        self.link_by_address.retain_recent();
        self.request_by_address.retain_recent();
        self.poll_by_address.retain_recent();
        self.decision_by_account.retain_recent();
        self.share_by_account.retain_recent();
    }
}

/// IPv4 as is; IPv6 by its /64 (an IPv4-mapped address as the IPv4 it maps).
fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_each_key_waits_on_its_own() {
        let limits = Limits::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..10 {
            limits.from_address(Attempt::Login, a).unwrap();
        }
        let wait = limits.from_address(Attempt::Login, a).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(3),
            "{wait:?}"
        );
        limits.from_address(Attempt::Login, b).unwrap();
        // Another kind of attempt from the same address has its own allowance.
        limits.from_address(Attempt::RedeemLink, a).unwrap();
    }

    #[test]
    fn accounts_are_counted_case_blind_and_ipv6_by_prefix() {
        let limits = Limits::default();
        for _ in 0..5 {
            limits.on_account(Attempt::Login, "Ada").unwrap();
        }
        assert!(limits.on_account(Attempt::Login, "ADA").is_err());
        assert!(limits.on_account(Attempt::Login, "bob").is_ok());
        for _ in 0..10 {
            limits.on_account(Attempt::Share, "u-1").unwrap();
        }
        assert!(limits.on_account(Attempt::Share, "u-1").is_err());
        assert!(limits.on_account(Attempt::Share, "u-2").is_ok());
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_subnet: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        for _ in 0..5 {
            limits.from_address(Attempt::DeviceRequest, one).unwrap();
        }
        assert!(
            limits
                .from_address(Attempt::DeviceRequest, same_subnet)
                .is_err()
        );
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        let plain: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), plain);
    }
}
