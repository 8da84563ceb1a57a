//! Event analysis at 100,000 events: the free-text filter (target < 10 ms), `EventIndex::build`,
//! readers, hints and the principal summary; and the memory 100,000 events take (target
//! < 150 MB), counted by a global allocator and printed before the timings.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

use strongroom::domain::Secret;
use strongroom::trail::analysis::{EventFilter, EventIndex};
use strongroom::trail::{AccessEvent, parse_record};

const EVENTS: usize = 100_000;
const SECRETS: usize = 500;
const ACCOUNT: &str = "111122223333";

/// Bytes and allocations live right now, as requested from the system allocator.
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static LIVE_BLOCKS: AtomicIsize = AtomicIsize::new(0);

struct Counting;

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which `System.alloc` shares.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize, 1);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize, 1);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize), -1);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from `System` with `layout`; the caller upholds the rest.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(new_size as isize - layout.size() as isize, 0);
        }
        new
    }
}

fn count(bytes: isize, blocks: isize) {
    LIVE_BYTES.fetch_add(bytes, Ordering::Relaxed);
    LIVE_BLOCKS.fetch_add(blocks, Ordering::Relaxed);
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> (isize, isize) {
    (
        LIVE_BYTES.load(Ordering::Relaxed),
        LIVE_BLOCKS.load(Ordering::Relaxed),
    )
}

fn megabytes(bytes: isize) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// A small deterministic generator (xorshift), so every run sees the same events.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn hex(&mut self, len: usize) -> String {
        format!("{:016x}{:016x}", self.next(), self.next())[..len].to_string()
    }
}

const TEAMS: &[&str] = &[
    "payments",
    "orders",
    "search",
    "identity",
    "billing",
    "ledger",
    "catalog",
    "shipping",
    "fraud",
    "reporting",
];
const KINDS: &[&str] = &["db", "api-key", "oauth", "tls", "webhook"];
const AGENTS: &[&str] = &[
    "aws-sdk-java/2.25.16 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.10 java/17.0.10",
    "aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOOS#linux md/GOARCH#amd64 api/secretsmanager#1.28.6",
    "Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.12.2",
    "aws-cli/2.15.38 md/awscrt#0.19.19 ua/2.0 os/macos#23.4.0 md/arch#arm64 lang/python#3.11.8",
    "aws-internal/3 aws-sdk-java/1.12.696 Linux/5.10 OpenJDK_64-Bit_Server_VM/25.402",
    "AWS Secrets Manager Console",
    "aws-sdk-rust/1.3.1 os/linux lang/rust/1.78.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15",
];

fn secret(name: &str, region: &str, suffix: &str, primary: Option<&str>) -> Secret {
    Secret {
        arn: format!("arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{name}-{suffix}"),
        name: name.to_string(),
        account: ACCOUNT.to_string(),
        region: region.to_string(),
        description: None,
        kms_key_id: None,
        owning_service: None,
        primary_region: primary.map(str::to_string),
        created: None,
        last_changed: None,
        last_accessed: None,
        last_rotated: None,
        next_rotation: None,
        deleted: None,
        rotation: Default::default(),
        tags: Vec::new(),
        versions: Vec::new(),
        replication: None,
    }
}

/// 500 secrets in us-east-1, one in five replicated to eu-west-1.
fn inventory(rng: &mut Rng) -> Vec<Secret> {
    let mut secrets = Vec::new();
    for n in 0..SECRETS {
        let name = format!(
            "prod/{}/{}-{n}",
            TEAMS[n % TEAMS.len()],
            KINDS[n % KINDS.len()]
        );
        let suffix = rng.hex(6);
        let replicated = n % 5 == 0;
        let primary = replicated.then_some("us-east-1");
        secrets.push(secret(&name, "us-east-1", &suffix, primary));
        if replicated {
            secrets.push(secret(&name, "eu-west-1", &suffix, primary));
        }
    }
    secrets
}

/// Twelve workload roles with a handful of sessions each, six people, two services.
fn identity(rng: &mut Rng) -> Value {
    match rng.below(20) {
        0..=13 => {
            let role = format!("{}-service", TEAMS[rng.below(TEAMS.len()) % 12]);
            let session = format!("i-0{:04x}", rng.below(6));
            json!({
                "type": "AssumedRole", "accountId": ACCOUNT,
                "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"),
                "principalId": format!("AROAEXAMPLE{}:{session}", role.len()),
                "accessKeyId": format!("ASIA{}", rng.hex(16).to_uppercase()),
                "sessionContext": {"sessionIssuer": {
                    "type": "Role", "arn": format!("arn:aws:iam::{ACCOUNT}:role/{role}")
                }}
            })
        }
        14..=17 => {
            let user = rng.pick(&["alice", "bob", "carol", "dave", "erin", "frank"]);
            json!({
                "type": "IAMUser", "accountId": ACCOUNT, "userName": user,
                "arn": format!("arn:aws:iam::{ACCOUNT}:user/{user}"),
                "accessKeyId": format!("AKIA{}", rng.hex(16).to_uppercase()),
            })
        }
        _ => json!({
            "type": "AWSService", "accountId": ACCOUNT,
            "invokedBy": rng.pick(&["secretsmanager.amazonaws.com", "lambda.amazonaws.com"]),
        }),
    }
}

/// One CloudTrail record as Secrets Manager writes it, mostly reads of one secret.
fn record(rng: &mut Rng, secrets: &[Secret], now: DateTime<Utc>) -> Value {
    let time = now - Duration::seconds(rng.below(90 * 24 * 3600) as i64);
    let name = match rng.below(100) {
        0..=69 => "GetSecretValue",
        70..=81 => "DescribeSecret",
        82..=86 => "ListSecrets",
        87..=89 => "BatchGetSecretValue",
        90..=92 => "PutSecretValue",
        93..=94 => "UpdateSecret",
        95..=96 => "RotateSecret",
        97 => "TagResource",
        _ => "GetResourcePolicy",
    };
    let target = &secrets[rng.below(secrets.len())];
    let id = match rng.below(10) {
        0..=4 => target.arn.clone(),
        5..=7 => target.name.clone(),
        _ => target.arn[..target.arn.len() - 7].to_string(),
    };
    let request = match name {
        "ListSecrets" => json!({"maxResults": 100}),
        "BatchGetSecretValue" if rng.below(3) == 0 => {
            json!({"filters": [{"key": "name", "values": [format!("prod/{}", rng.pick(TEAMS))]}]})
        }
        "BatchGetSecretValue" => {
            let more = &secrets[rng.below(secrets.len())].arn;
            json!({"secretIdList": [id, more]})
        }
        _ => json!({"secretId": id}),
    };
    let ip = match rng.below(10) {
        0 => format!("203.0.113.{}", rng.below(50)),
        1 => "secretsmanager.amazonaws.com".to_string(),
        _ => format!("10.{}.{}.{}", rng.below(4), rng.below(8), rng.below(8)),
    };
    let mut record = json!({
        "eventVersion": "1.09",
        "eventID": format!("{}-{}-{}-{}", rng.hex(8), rng.hex(4), rng.hex(4), rng.hex(12)),
        "eventTime": time.to_rfc3339(),
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": name,
        "awsRegion": target.region,
        "eventType": "AwsApiCall",
        "readOnly": !matches!(name, "PutSecretValue" | "UpdateSecret" | "RotateSecret" | "TagResource"),
        "recipientAccountId": ACCOUNT,
        "sourceIPAddress": ip,
        "userAgent": rng.pick(AGENTS),
        "requestID": format!("{}-{}", rng.hex(8), rng.hex(12)),
        "userIdentity": identity(rng),
        "requestParameters": request,
        "responseElements": null,
    });
    match rng.below(100) {
        0..=2 => {
            record["errorCode"] = json!("AccessDenied");
            record["errorMessage"] = json!(
                "User is not authorized to perform: secretsmanager:GetSecretValue because no identity-based policy allows the secretsmanager:GetSecretValue action"
            );
        }
        3 => record["errorCode"] = json!("ResourceNotFoundException"),
        _ => {}
    }
    record
}

fn synthetic_events(rng: &mut Rng, secrets: &[Secret], now: DateTime<Utc>) -> Vec<AccessEvent> {
    (0..EVENTS)
        .filter_map(|_| parse_record(&record(rng, secrets, now)).ok())
        .collect()
}

fn benches(c: &mut Criterion) {
    // 2026-11-20 09:00 UTC.
    let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_777) + Duration::hours(9);
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let secrets = inventory(&mut rng);

    let events = synthetic_events(&mut rng, &secrets, now);
    // Measured on an exact-size copy: `collect` leaves spare capacity a loaded snapshot lacks.
    let (bytes0, blocks0) = live();
    let copy = events.clone();
    let (bytes1, blocks1) = live();
    let index = EventIndex::build(copy, &secrets);
    let (bytes2, blocks2) = live();
    println!(
        "memory: {} events {:.1} MB in {} allocations; the index adds {:.1} MB in {} \
         allocations; {:.1} MB in all (bytes requested: malloc adds ~16 B per allocation, \
         {:.1} MB more)",
        events.len(),
        megabytes(bytes1 - bytes0),
        blocks1 - blocks0,
        megabytes(bytes2 - bytes1),
        blocks2 - blocks1,
        megabytes(bytes2 - bytes0),
        megabytes(16 * (blocks2 - blocks0)),
    );

    let pay = EventFilter {
        text: "pay".to_string(),
        ..Default::default()
    };
    println!(
        "filter \"pay\" matches {} of {} events",
        index.filter(&pay).len(),
        index.len()
    );
    c.bench_function("filter 100k events, 3-letter query", |b| {
        b.iter(|| index.filter(black_box(&pay)).len())
    });
    let narrow = EventFilter {
        text: "fra".to_string(),
        errors_only: true,
        since: Some(now - Duration::days(7)),
        ..Default::default()
    };
    c.bench_function("filter 100k events, text + errors + last 7 days", |b| {
        b.iter(|| index.filter(black_box(&narrow)).len())
    });

    let payments_db: Vec<String> = secrets
        .iter()
        .filter(|s| s.name == "prod/payments/db-0")
        .map(|s| s.arn.clone())
        .collect();
    c.bench_function(
        "readers of one secret (primary + replica), 100k events",
        |b| b.iter(|| index.readers(black_box(&payments_db), None).len()),
    );
    c.bench_function("principal summary, 100k events", |b| {
        b.iter(|| index.principals().len())
    });
    c.bench_function("hints, last day against 89 days, 100k events", |b| {
        b.iter(|| index.hints(now - Duration::days(1), now).len())
    });

    let mut slow = c.benchmark_group("build");
    slow.sample_size(10);
    slow.bench_function("EventIndex::build, 100k events, 600 listings", |b| {
        b.iter_batched(
            || events.clone(),
            |events| EventIndex::build(events, &secrets),
            BatchSize::LargeInput,
        )
    });
    slow.finish();
}

criterion_group!(event_analysis, benches);
criterion_main!(event_analysis);
