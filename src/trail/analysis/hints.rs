//! Hints an investigator would want: who and where is new, bursts of denials, enumeration, and
//! reads at hours a principal does not usually read. Each compares a window with a baseline:
//! every event before the window starts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use chrono::{DateTime, Duration, Timelike, Utc};
use serde::Serialize;

use super::index::{DENIED, EventIndex, FILTERED_BATCH, LIST, NONE, READ};

/// Bursts and enumeration count within this span.
const SPAN: Duration = Duration::minutes(10);
const DENIED_BURST: usize = 5;
/// Distinct secrets read within [`SPAN`] that the principal did not read in the baseline.
const ENUMERATED_SECRETS: usize = 5;
/// The usual hours cover this share of a principal's baseline reads...
const USUAL_SHARE_PERCENT: u32 = 95;
/// ...learnt from at least this many reads...
const MIN_BASELINE_READS: u32 = 20;
/// ...and a principal whose usual hours span more than this reads around the clock.
const ROUND_THE_CLOCK_HOURS: u32 = 18;
/// A read within an hour of the usual hours is not off-hours.
const MARGIN_HOURS: u32 = 1;
/// Off-hours reads closer together than this make one hint.
const OFF_HOURS_GAP: Duration = Duration::hours(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Severity {
    Low,
    Medium,
    High,
}

/// Something worth a look. Labels and IPs come from AWS: neutralise before display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Hint {
    /// A principal first seen in the window, while the baseline has events.
    NewPrincipal {
        key: String,
        label: String,
        first_seen: DateTime<Utc>,
    },
    /// A source IP address first seen in the window, while the baseline has events.
    NewIp {
        ip: String,
        principal_key: String,
        first_seen: DateTime<Utc>,
    },
    /// At least five calls refused with AccessDenied within ten minutes.
    AccessDeniedBurst {
        principal_key: String,
        label: String,
        count: usize,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// Within ten minutes: ListSecrets with a BatchGetSecretValue by filter, or reads of five
    /// or more distinct secrets the principal had not read before the window.
    Enumeration {
        principal_key: String,
        label: String,
        list_calls: usize,
        batch_calls: usize,
        /// Distinct secrets read in the span, routine or not.
        secrets_touched: usize,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// Reads outside the UTC hours the principal read in during the baseline.
    OffHours {
        principal_key: String,
        label: String,
        /// The first read of the run.
        time: DateTime<Utc>,
        /// Off-hours reads in the run (each within an hour of the previous).
        reads: usize,
        /// Such as "07-19 UTC".
        usual: String,
    },
}

impl Hint {
    pub fn severity(&self) -> Severity {
        match self {
            Hint::AccessDeniedBurst { .. } | Hint::Enumeration { .. } => Severity::High,
            Hint::NewPrincipal { .. } | Hint::OffHours { .. } => Severity::Medium,
            Hint::NewIp { .. } => Severity::Low,
        }
    }

    pub fn principal_key(&self) -> &str {
        match self {
            Hint::NewPrincipal { key, .. } => key,
            Hint::NewIp { principal_key, .. }
            | Hint::AccessDeniedBurst { principal_key, .. }
            | Hint::Enumeration { principal_key, .. }
            | Hint::OffHours { principal_key, .. } => principal_key,
        }
    }

    /// When it happened (the end, for spans).
    pub fn time(&self) -> DateTime<Utc> {
        match self {
            Hint::NewPrincipal { first_seen, .. } | Hint::NewIp { first_seen, .. } => *first_seen,
            Hint::AccessDeniedBurst { to, .. } | Hint::Enumeration { to, .. } => *to,
            Hint::OffHours { time, .. } => *time,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Hint::NewPrincipal {
                label, first_seen, ..
            } => format!(
                "new principal {label}: first call {}, none before this window",
                stamp(*first_seen)
            ),
            Hint::NewIp {
                ip,
                principal_key,
                first_seen,
            } => format!(
                "new source IP {ip}: first call {} by {principal_key}",
                stamp(*first_seen)
            ),
            Hint::AccessDeniedBurst {
                label,
                count,
                from,
                to,
                ..
            } => format!(
                "{label}: {count} calls refused with AccessDenied from {} to {}",
                stamp(*from),
                stamp(*to)
            ),
            Hint::Enumeration {
                label,
                list_calls,
                batch_calls,
                secrets_touched,
                from,
                to,
                ..
            } => format!(
                "{label}: possible enumeration from {} to {}: {list_calls} ListSecrets, \
                 {batch_calls} BatchGetSecretValue by filter, {secrets_touched} secrets read",
                stamp(*from),
                stamp(*to)
            ),
            Hint::OffHours {
                label,
                time,
                reads,
                usual,
                ..
            } => format!(
                "{label}: {reads} read{} from {}, outside its usual {usual}",
                if *reads == 1 { "" } else { "s" },
                stamp(*time)
            ),
        }
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

impl EventIndex {
    /// Hints for events at or after `window_start` and before `window_end`, most severe first,
    /// then most recent first.
    pub fn hints(&self, window_start: DateTime<Utc>, window_end: DateTime<Utc>) -> Vec<Hint> {
        self.hints_where(window_start, window_end, &|_| true)
    }

    /// Hints about one secret (give the primary and its replicas' ARNs): a principal or IP new
    /// to this secret, denials and off-hours reads on it, and enumeration that touched it.
    pub fn hints_for_secret(
        &self,
        arns: &[String],
        window_start: DateTime<Utc>,
        window_end: DateTime<Utc>,
    ) -> Vec<Hint> {
        let wanted = self.secret_set(arns);
        self.hints_where(window_start, window_end, &|i| self.touches(i, &wanted))
    }

    fn hints_where(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        scope: &dyn Fn(usize) -> bool,
    ) -> Vec<Hint> {
        let window = self.time_range(Some(start), Some(end));
        let baseline = Baseline(window.end..self.events.len());
        let window: Vec<usize> = window.rev().collect();
        let mut hints = self.first_seen(&window, &baseline, scope);
        hints.extend(self.denied_bursts(&window, scope));
        hints.extend(self.enumeration(&window, &baseline, scope));
        hints.extend(self.off_hours(&window, &baseline, scope));
        hints.sort_by(|a, b| {
            (b.severity().cmp(&a.severity()))
                .then_with(|| b.time().cmp(&a.time()))
                .then_with(|| a.principal_key().cmp(b.principal_key()))
        });
        hints
    }

    fn first_seen(
        &self,
        window: &[usize],
        baseline: &Baseline,
        scope: &dyn Fn(usize) -> bool,
    ) -> Vec<Hint> {
        let mut known_principals = vec![false; self.principals.len()];
        let mut known_ips = vec![false; self.ips.len()];
        let mut any = false;
        for i in baseline.0.clone().filter(|&i| scope(i)) {
            any = true;
            let facts = &self.facts[i];
            known_principals[facts.principal as usize] = true;
            if facts.ip != NONE {
                known_ips[facts.ip as usize] = true;
            }
        }
        if !any {
            return Vec::new();
        }
        let mut hints = Vec::new();
        for &i in window.iter().filter(|&&i| scope(i)) {
            let facts = &self.facts[i];
            let time = self.events[i].time;
            let key = self.principals.get(facts.principal);
            if !std::mem::replace(&mut known_principals[facts.principal as usize], true) {
                hints.push(Hint::NewPrincipal {
                    key: key.to_string(),
                    label: self.labels.get(facts.label).to_string(),
                    first_seen: time,
                });
            }
            // Calls made by AWS services carry a service name or "AWS Internal" instead.
            if facts.ip != NONE
                && !std::mem::replace(&mut known_ips[facts.ip as usize], true)
                && self.ips.get(facts.ip).parse::<IpAddr>().is_ok()
            {
                hints.push(Hint::NewIp {
                    ip: self.ips.get(facts.ip).to_string(),
                    principal_key: key.to_string(),
                    first_seen: time,
                });
            }
        }
        hints
    }

    fn denied_bursts(&self, window: &[usize], scope: &dyn Fn(usize) -> bool) -> Vec<Hint> {
        let denied = |i: usize| scope(i) && self.has(i, DENIED);
        let mut hints = Vec::new();
        for (principal, events) in self.by_principal(window, denied) {
            let times: Vec<DateTime<Utc>> = events.iter().map(|&i| self.events[i].time).collect();
            for (a, b) in clusters(&times, &mut Count(0)) {
                hints.push(Hint::AccessDeniedBurst {
                    principal_key: self.principals.get(principal).to_string(),
                    label: self.labels.get(self.facts[events[b]].label).to_string(),
                    count: b - a + 1,
                    from: times[a],
                    to: times[b],
                });
            }
        }
        hints
    }

    /// Enumeration is judged on all of a principal's calls; with a scope, a span is kept when
    /// one of its calls is in scope.
    fn enumeration(
        &self,
        window: &[usize],
        baseline: &Baseline,
        scope: &dyn Fn(usize) -> bool,
    ) -> Vec<Hint> {
        let relevant = |i: usize| self.has(i, LIST | FILTERED_BATCH | READ);
        let candidates = self.by_principal(window, relevant);
        if candidates.is_empty() {
            return Vec::new();
        }
        let mut routine: HashSet<(u32, u32)> = HashSet::new();
        for i in baseline.0.clone().filter(|&i| self.has(i, READ)) {
            let principal = self.facts[i].principal;
            if candidates.contains_key(&principal) {
                routine.extend(self.touched(i).iter().map(|&s| (principal, s)));
            }
        }
        let mut hints = Vec::new();
        for (principal, events) in candidates {
            let calls: Vec<Call> = events
                .iter()
                .map(|&i| Call {
                    list: self.has(i, LIST),
                    batch: self.has(i, FILTERED_BATCH),
                    new_secrets: self
                        .touched(i)
                        .iter()
                        .copied()
                        .filter(|&s| self.has(i, READ) && !routine.contains(&(principal, s)))
                        .collect(),
                })
                .collect();
            let times: Vec<DateTime<Utc>> = events.iter().map(|&i| self.events[i].time).collect();
            let mut stretch = Enumerating {
                calls: &calls,
                lists: 0,
                batches: 0,
                secrets: HashMap::new(),
            };
            for (a, b) in clusters(&times, &mut stretch) {
                let span = &events[a..=b];
                if !span.iter().any(|&i| scope(i)) {
                    continue;
                }
                let read: HashSet<u32> = span
                    .iter()
                    .filter(|&&i| self.has(i, READ))
                    .flat_map(|&i| self.touched(i).iter().copied())
                    .collect();
                hints.push(Hint::Enumeration {
                    principal_key: self.principals.get(principal).to_string(),
                    label: self.labels.get(self.facts[events[b]].label).to_string(),
                    list_calls: calls[a..=b].iter().filter(|c| c.list).count(),
                    batch_calls: calls[a..=b].iter().filter(|c| c.batch).count(),
                    secrets_touched: read.len(),
                    from: times[a],
                    to: times[b],
                });
            }
        }
        hints
    }

    fn off_hours(
        &self,
        window: &[usize],
        baseline: &Baseline,
        scope: &dyn Fn(usize) -> bool,
    ) -> Vec<Hint> {
        let reads = self.by_principal(window, |i| scope(i) && self.has(i, READ));
        let mut hours: HashMap<u32, [u32; 24]> = HashMap::new();
        for i in baseline.0.clone().filter(|&i| self.has(i, READ)) {
            let principal = self.facts[i].principal;
            if reads.contains_key(&principal) {
                hours.entry(principal).or_insert([0; 24])[self.events[i].time.hour() as usize] += 1;
            }
        }
        let mut hints = Vec::new();
        for (principal, events) in reads {
            let Some(usual) = hours.get(&principal).and_then(UsualHours::learn) else {
                continue;
            };
            let mut runs: Vec<(usize, DateTime<Utc>, usize)> = Vec::new();
            for &i in &events {
                let time = self.events[i].time;
                if usual.covers(time.hour()) {
                    continue;
                }
                match runs.last_mut() {
                    Some((_, last, count)) if time - *last <= OFF_HOURS_GAP => {
                        *last = time;
                        *count += 1;
                    }
                    _ => runs.push((i, time, 1)),
                }
            }
            for (first, _, count) in runs {
                hints.push(Hint::OffHours {
                    principal_key: self.principals.get(principal).to_string(),
                    label: self.labels.get(self.facts[first].label).to_string(),
                    time: self.events[first].time,
                    reads: count,
                    usual: usual.to_string(),
                });
            }
        }
        hints
    }

    /// The events of `window` (oldest first) that `keep` keeps, per principal.
    fn by_principal(
        &self,
        window: &[usize],
        keep: impl Fn(usize) -> bool,
    ) -> BTreeMap<u32, Vec<usize>> {
        let mut groups: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for &i in window.iter().filter(|&&i| keep(i)) {
            groups.entry(self.facts[i].principal).or_default().push(i);
        }
        groups
    }
}

/// Indices of the events before the window.
struct Baseline(std::ops::Range<usize>);

/// A count over a sliding ten-minute span of calls, and whether it is enough to tell.
trait Stretch {
    fn add(&mut self, call: usize);
    fn remove(&mut self, call: usize);
    fn enough(&self) -> bool;
}

/// Maximal runs (first, last; indices into `times`, oldest first) in which some span of at
/// most [`SPAN`] is enough; overlapping spans join one run.
fn clusters(times: &[DateTime<Utc>], stretch: &mut impl Stretch) -> Vec<(usize, usize)> {
    let mut found: Vec<(usize, usize)> = Vec::new();
    let mut first = 0;
    for (last, &time) in times.iter().enumerate() {
        stretch.add(last);
        while time - times[first] > SPAN {
            stretch.remove(first);
            first += 1;
        }
        if stretch.enough() {
            match found.last_mut() {
                Some((_, end)) if first <= *end => *end = last,
                _ => found.push((first, last)),
            }
        }
    }
    found
}

/// Calls refused with AccessDenied.
struct Count(usize);

impl Stretch for Count {
    fn add(&mut self, _: usize) {
        self.0 += 1;
    }

    fn remove(&mut self, _: usize) {
        self.0 -= 1;
    }

    fn enough(&self) -> bool {
        self.0 >= DENIED_BURST
    }
}

/// What one call adds to an enumeration.
struct Call {
    list: bool,
    batch: bool,
    /// Secrets it read that the principal did not read in the baseline.
    new_secrets: Vec<u32>,
}

struct Enumerating<'a> {
    calls: &'a [Call],
    lists: usize,
    batches: usize,
    secrets: HashMap<u32, usize>,
}

impl Stretch for Enumerating<'_> {
    fn add(&mut self, call: usize) {
        let call = &self.calls[call];
        self.lists += usize::from(call.list);
        self.batches += usize::from(call.batch);
        for &s in &call.new_secrets {
            *self.secrets.entry(s).or_insert(0) += 1;
        }
    }

    fn remove(&mut self, call: usize) {
        let call = &self.calls[call];
        self.lists -= usize::from(call.list);
        self.batches -= usize::from(call.batch);
        for s in &call.new_secrets {
            if let Some(n) = self.secrets.get_mut(s) {
                *n -= 1;
                if *n == 0 {
                    self.secrets.remove(s);
                }
            }
        }
    }

    fn enough(&self) -> bool {
        (self.lists > 0 && self.batches > 0) || self.secrets.len() >= ENUMERATED_SECRETS
    }
}

/// The shortest run of UTC hours (wrapping at midnight) that covers the usual share of reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct UsualHours {
    start: u32,
    len: u32,
}

impl UsualHours {
    /// None with too few reads to judge, or when the principal reads around the clock.
    fn learn(hours: &[u32; 24]) -> Option<Self> {
        let total: u32 = hours.iter().sum();
        if total < MIN_BASELINE_READS {
            return None;
        }
        let needed = (total * USUAL_SHARE_PERCENT).div_ceil(100);
        let covered = |start: u32, len: u32| -> u32 {
            (start..start + len).map(|h| hours[(h % 24) as usize]).sum()
        };
        let len = (1..=24).find(|&len| (0..24).any(|s| covered(s, len) >= needed))?;
        if len > ROUND_THE_CLOCK_HOURS {
            return None;
        }
        let start = (0..24).max_by_key(|&s| (covered(s, len), std::cmp::Reverse(s)))?;
        Some(Self { start, len })
    }

    fn covers(&self, hour: u32) -> bool {
        (hour + 24 + MARGIN_HOURS - self.start) % 24 < self.len + 2 * MARGIN_HOURS
    }
}

impl std::fmt::Display for UsualHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02}-{:02} UTC",
            self.start,
            (self.start + self.len) % 24
        )
    }
}

#[cfg(test)]
mod tests;
