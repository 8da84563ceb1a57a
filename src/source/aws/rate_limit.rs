//! A per-(account, region) limiter that holds LookupEvents close to its 2 calls/s quota.
//!
//! A token bucket kept as the "theoretical arrival time" of the next call (GCRA): each `acquire`
//! reserves the next free slot and sleeps until it, so concurrent callers queue up in order.
//! A throttle halves the rate (adaptive backoff); successes bring it back gradually.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// CloudTrail's LookupEvents quota: calls per second per account and region.
pub const LOOKUP_EVENTS_PER_SECOND: f64 = 2.0;

/// Added to every interval of [`RateLimiter::lookup_events`]: the quota is counted where the
/// calls arrive, so calls sent exactly 500 ms apart are throttled whenever one arrives a
/// millisecond later than the one two before it.
pub const LOOKUP_EVENTS_MARGIN: Duration = Duration::from_millis(20);

/// The rate never falls below this share of the configured one, however many throttles.
const FLOOR_DIVISOR: f64 = 16.0;
/// Each success multiplies a reduced rate by this: about four successes undo one halving.
const RECOVERY: f64 = 1.25;

/// Shared by every task that calls one (account, region): clones share the same bucket.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    inner: Arc<Mutex<Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    /// The configured rate, calls per second.
    nominal: f64,
    /// The current rate: `nominal` unless throttles cut it.
    rate: f64,
    burst: u32,
    margin: Duration,
    /// When the next call may go if no burst credit is left (GCRA's theoretical arrival time).
    next: Instant,
    /// The last throttle that cut the rate: throttles seen within one interval of it are the
    /// same overload reported by concurrent callers, and cut nothing more.
    last_cut: Option<Instant>,
}

impl RateLimiter {
    /// `per_second` calls on average (values ≤ 0 are taken as 1), at most `burst` (≥ 1) at once.
    pub fn new(per_second: f64, burst: u32) -> Self {
        let rate = if per_second > 0.0 && per_second.is_finite() {
            per_second
        } else {
            1.0
        };
        Self {
            inner: Arc::new(Mutex::new(Bucket {
                nominal: rate,
                rate,
                burst: burst.max(1),
                margin: Duration::ZERO,
                next: Instant::now(),
                last_cut: None,
            })),
        }
    }

    /// LookupEvents' quota: 2 calls/s, burst 1, with [`LOOKUP_EVENTS_MARGIN`] between calls.
    pub fn lookup_events() -> Self {
        Self::new(LOOKUP_EVENTS_PER_SECOND, 1).with_margin(LOOKUP_EVENTS_MARGIN)
    }

    /// Extra spacing added to every interval (see [`LOOKUP_EVENTS_MARGIN`]).
    pub fn with_margin(self, margin: Duration) -> Self {
        self.bucket().margin = margin;
        self
    }

    /// Waits until a call may go. Dropping the future after it started waiting gives up the
    /// slot (the next caller still waits for it: the limiter errs on the slow side).
    pub async fn acquire(&self) {
        let at = self.reserve(Instant::now());
        tokio::time::sleep_until(at).await;
    }

    /// The call was throttled: halve the rate (down to a floor) and push the next slot one new
    /// interval past now, so the quota's window has cleared before the retry.
    pub fn on_throttle(&self) {
        let now = Instant::now();
        let mut b = self.bucket();
        if b.last_cut.is_some_and(|cut| now < cut + b.interval()) {
            return;
        }
        b.rate = (b.rate / 2.0).max(b.nominal / FLOOR_DIVISOR);
        b.next = b.next.max(now + b.interval());
        b.last_cut = Some(now);
    }

    /// The call went through: a reduced rate grows back towards the configured one.
    pub fn on_success(&self) {
        let mut b = self.bucket();
        b.rate = (b.rate * RECOVERY).min(b.nominal);
    }

    /// The current rate in calls per second (lower than configured after throttles).
    pub fn rate(&self) -> f64 {
        self.bucket().rate
    }

    /// Reserves the next slot at or after `now` and returns when it starts.
    fn reserve(&self, now: Instant) -> Instant {
        let mut b = self.bucket();
        let interval = b.interval();
        let credit = interval * (b.burst - 1);
        let at = match b.next.checked_sub(credit) {
            Some(earliest) => earliest.max(now),
            None => now,
        };
        b.next = b.next.max(now) + interval;
        at
    }

    fn bucket(&self) -> MutexGuard<'_, Bucket> {
        // The bucket is a few numbers updated in one step each: a panic elsewhere cannot
        // leave it half-changed, so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::lookup_events()
    }
}

impl Bucket {
    fn interval(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.rate) + self.margin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Acquires `n` times in a row; the paused clock's offset from `t0` at each grant.
    async fn grants(limiter: &RateLimiter, n: usize, t0: Instant) -> Vec<Duration> {
        let mut out = Vec::new();
        for _ in 0..n {
            limiter.acquire().await;
            out.push(Instant::now() - t0);
        }
        out
    }

    #[tokio::test(start_paused = true)]
    async fn two_per_second_spaces_calls_half_a_second_apart() {
        let t0 = Instant::now();
        let limiter = RateLimiter::new(2.0, 1);
        let got = grants(&limiter, 5, t0).await;
        assert_eq!(got, [ms(0), ms(500), ms(1000), ms(1500), ms(2000)]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_lookup_events_default_keeps_a_margin() {
        let t0 = Instant::now();
        let got = grants(&RateLimiter::default(), 3, t0).await;
        assert_eq!(got, [ms(0), ms(520), ms(1040)]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_goes_at_once_then_the_rate_holds() {
        let t0 = Instant::now();
        let limiter = RateLimiter::new(2.0, 3);
        let got = grants(&limiter, 5, t0).await;
        assert_eq!(got, [ms(0), ms(0), ms(0), ms(500), ms(1000)]);
    }

    #[tokio::test(start_paused = true)]
    async fn idle_time_earns_no_more_than_the_burst() {
        let limiter = RateLimiter::new(2.0, 2);
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        let t0 = Instant::now();
        let got = grants(&limiter, 4, t0).await;
        assert_eq!(got, [ms(0), ms(0), ms(500), ms(1000)]);
    }

    #[tokio::test(start_paused = true)]
    async fn clones_share_one_bucket_and_queue_in_order() {
        let t0 = Instant::now();
        let limiter = RateLimiter::new(2.0, 1);
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let l = limiter.clone();
                tokio::spawn(async move {
                    l.acquire().await;
                    Instant::now() - t0
                })
            })
            .collect();
        let mut got = Vec::new();
        for t in tasks {
            got.push(t.await.unwrap());
        }
        got.sort();
        assert_eq!(got, [ms(0), ms(500), ms(1000), ms(1500)]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttle_halves_the_rate_and_successes_restore_it() {
        let t0 = Instant::now();
        let limiter = RateLimiter::new(2.0, 1);
        limiter.acquire().await; // t = 0, throttled at once
        limiter.on_throttle();
        assert_eq!(limiter.rate(), 1.0);
        limiter.acquire().await;
        assert_eq!(
            Instant::now() - t0,
            ms(1000),
            "a full new interval before the retry"
        );
        limiter.on_success();
        limiter.acquire().await;
        assert_eq!(
            Instant::now() - t0,
            ms(2000),
            "the slot was booked at the old rate"
        );
        for _ in 0..3 {
            limiter.on_success();
        }
        assert_eq!(limiter.rate(), 2.0, "about four successes undo a halving");
        limiter.on_success();
        assert_eq!(limiter.rate(), 2.0, "never above the configured rate");
    }

    #[tokio::test(start_paused = true)]
    async fn repeated_throttles_back_off_further_down_to_a_floor() {
        let t0 = Instant::now();
        let limiter = RateLimiter::new(2.0, 1);
        let mut waits = Vec::new();
        let mut last = Instant::now();
        for _ in 0..7 {
            limiter.acquire().await;
            waits.push(Instant::now() - last);
            last = Instant::now();
            limiter.on_throttle();
        }
        assert_eq!(
            waits,
            [
                ms(0),
                ms(1000),
                ms(2000),
                ms(4000),
                ms(8000),
                ms(8000),
                ms(8000)
            ]
        );
        assert_eq!(limiter.rate(), 2.0 / 16.0);
        assert_eq!(Instant::now() - t0, ms(31_000));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_throttles_of_one_overload_cut_once() {
        let limiter = RateLimiter::new(2.0, 1);
        limiter.on_throttle();
        limiter.on_throttle();
        limiter.on_throttle();
        assert_eq!(limiter.rate(), 1.0);
        tokio::time::sleep(ms(1000)).await;
        limiter.on_throttle();
        assert_eq!(
            limiter.rate(),
            0.5,
            "a throttle one interval later is a new one"
        );
    }

    #[test]
    fn nonsense_rates_fall_back_to_one_per_second() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            assert_eq!(RateLimiter::new(0.0, 0).rate(), 1.0);
            assert_eq!(RateLimiter::new(f64::NAN, 1).rate(), 1.0);
        });
    }
}
