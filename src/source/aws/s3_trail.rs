//! `--cloudtrail s3://bucket/prefix/`: the trail's log files read straight from S3, for small
//! windows and teams without Athena. Only the (account, region, day) folders a window needs are
//! listed; the objects are fetched in parallel, gunzipped and parsed; digest files are never
//! listed (they live under `CloudTrail-Digest/`). Each object is cached in the state directory
//! by key and ETag, so a second look lists the folders again but downloads nothing.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures::StreamExt;
use sha2::{Digest, Sha256};

use crate::trail::AccessEvent;
use crate::trail::files::parse_log;

/// Objects fetched (or read from the cache) at once.
const IN_FLIGHT: usize = 16;
const SECRETS_MANAGER: &str = "secretsmanager.amazonaws.com";

/// Where the trail is: `s3://bucket/prefix/`, the prefix being the folder that holds one folder
/// per account (`AWSLogs/o-xxxxxxxxxx/` for an organization trail, `AWSLogs/` for another).
#[derive(Clone)]
pub struct S3Trail {
    pub bucket: String,
    pub prefix: String,
    pub client: aws_sdk_s3::Client,
    /// `<state dir>/trail-s3/`.
    pub cache: PathBuf,
}

/// A log file: its key and ETag.
type Object = (String, String);
/// One folder's log files and the ListObjectsV2 calls it took.
type Listing = (Vec<Object>, usize);
/// A file's key and its bytes (true: downloaded now), or why not.
type Fetched = (String, Result<(Vec<u8>, bool), String>);

/// What a read did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct S3Read {
    pub events: Vec<AccessEvent>,
    /// ListObjectsV2 calls.
    pub lists: usize,
    /// Log files in the folders listed.
    pub objects: usize,
    /// Of those, downloaded (GetObject) now; the others came from the cache.
    pub downloaded: usize,
    pub downloaded_bytes: u64,
    /// Files or records that could not be read, said with their key.
    pub problems: Vec<String>,
}

/// `s3://bucket/prefix/` into (bucket, prefix ending in `/` or empty).
pub fn parse_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| format!("{url}: not an s3:// address"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(format!("{url}: no bucket"));
    }
    let prefix = prefix.trim_matches('/');
    let prefix = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    Ok((bucket.to_string(), prefix))
}

/// The day folders of `[start, end]`, `yyyy/MM/dd`; an end at midnight does not touch that day.
fn days(start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<String> {
    let last = (end - Duration::milliseconds(1)).max(start);
    let (first, last): (NaiveDate, NaiveDate) = (start.date_naive(), last.date_naive());
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        out.push(day.format("%Y/%m/%d").to_string());
        day += Duration::days(1);
    }
    out
}

/// The Secrets Manager events of `accounts` x `regions` in `[start, end]`.
pub async fn read(
    trail: &S3Trail,
    accounts: &[String],
    regions: &[String],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<S3Read, String> {
    let folders: Vec<String> = accounts
        .iter()
        .flat_map(|a| regions.iter().map(move |r| (a, r)))
        .flat_map(|(a, r)| {
            days(start, end)
                .into_iter()
                .map(move |d| format!("{}{a}/CloudTrail/{r}/{d}/", trail.prefix))
        })
        .collect();
    let mut out = S3Read::default();
    let listed: Vec<Result<Listing, String>> =
        futures::stream::iter(folders.into_iter().map(|folder| {
            let trail = trail.clone();
            async move { list(&trail, &folder).await }
        }))
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut objects = Vec::new();
    for l in listed {
        let (found, calls) = l?;
        out.lists += calls;
        objects.extend(found);
    }
    out.objects = objects.len();
    let fetched: Vec<Fetched> = futures::stream::iter(objects.into_iter().map(|(key, etag)| {
        let trail = trail.clone();
        async move {
            let got = fetch(&trail, &key, &etag).await;
            (key, got)
        }
    }))
    .buffer_unordered(IN_FLIGHT)
    .collect()
    .await;
    for (key, got) in fetched {
        let bytes = match got {
            Ok((bytes, downloaded)) => {
                if downloaded {
                    out.downloaded += 1;
                    out.downloaded_bytes += bytes.len() as u64;
                }
                bytes
            }
            Err(why) => {
                out.problems
                    .push(format!("s3://{}/{key}: {why}", trail.bucket));
                continue;
            }
        };
        match parse_log(bytes, key.ends_with(".gz")) {
            Ok((events, bad)) => {
                out.events.extend(
                    events.into_iter().filter(|e| {
                        e.source == SECRETS_MANAGER && e.time >= start && e.time <= end
                    }),
                );
                out.problems.extend(
                    bad.into_iter()
                        .map(|(i, why)| format!("s3://{}/{key} record {i}: {why}", trail.bucket)),
                );
            }
            Err(why) => out
                .problems
                .push(format!("s3://{}/{key}: {why}", trail.bucket)),
        }
    }
    Ok(out)
}

/// One folder's log files (key, ETag), every page.
async fn list(trail: &S3Trail, folder: &str) -> Result<Listing, String> {
    let mut found = Vec::new();
    let mut calls = 0;
    let mut token: Option<String> = None;
    loop {
        let out = trail
            .client
            .list_objects_v2()
            .bucket(&trail.bucket)
            .prefix(folder)
            .set_continuation_token(token.clone())
            .send()
            .await
            .map_err(|e| say(&super::errors::classify(e), &trail.bucket))?;
        calls += 1;
        for o in out.contents() {
            let key = o.key().unwrap_or_default();
            let name = key
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let log = name.ends_with(".json.gz") || name.ends_with(".json");
            if log && !name.contains("_cloudtrail-digest_") {
                found.push((key.to_string(), o.e_tag().unwrap_or_default().to_string()));
            }
        }
        token = out.next_continuation_token().map(str::to_string);
        if token.is_none() {
            return Ok((found, calls));
        }
    }
}

fn say(error: &crate::source::CellError, bucket: &str) -> String {
    format!(
        "S3 bucket {bucket}: {}",
        error.health.detail().unwrap_or("did not answer")
    )
}

/// The object's bytes, from the cache when its key and ETag are there; true when downloaded.
async fn fetch(trail: &S3Trail, key: &str, etag: &str) -> Result<(Vec<u8>, bool), String> {
    let path = cache_path(&trail.cache, &trail.bucket, key, etag);
    if let Ok(bytes) = tokio::fs::read(&path).await {
        return Ok((bytes, false));
    }
    let out = trail
        .client
        .get_object()
        .bucket(&trail.bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| say(&super::errors::classify(e), &trail.bucket))?;
    let bytes = out
        .body
        .collect()
        .await
        .map_err(|e| format!("download cut: {e}"))?
        .into_bytes()
        .to_vec();
    // Written aside and renamed, so a cut write never passes for a whole object.
    if tokio::fs::create_dir_all(&trail.cache).await.is_ok() {
        let tmp = path.with_extension("part");
        if tokio::fs::write(&tmp, &bytes).await.is_ok() {
            let _ = tokio::fs::rename(&tmp, &path).await;
        }
    }
    Ok((bytes, true))
}

fn cache_path(dir: &Path, bucket: &str, key: &str, etag: &str) -> PathBuf {
    let mut h = Sha256::new();
    h.update(bucket.as_bytes());
    h.update(b"/");
    h.update(key.as_bytes());
    h.update(b"\0");
    h.update(etag.trim_matches('"').as_bytes());
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{hex}.log"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_address_names_bucket_and_folder() {
        assert_eq!(
            parse_url("s3://org-trail/AWSLogs/o-abc123def4").unwrap(),
            ("org-trail".into(), "AWSLogs/o-abc123def4/".into())
        );
        assert_eq!(parse_url("s3://b").unwrap(), ("b".into(), String::new()));
        assert!(parse_url("https://b/x").is_err());
        assert!(parse_url("s3:///x").is_err());
    }

    #[test]
    fn a_window_names_the_days_it_touches() {
        let start = Utc.with_ymd_and_hms(2026, 11, 30, 22, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 12, 2, 1, 0, 0).unwrap();
        assert_eq!(days(start, end), ["2026/11/30", "2026/12/01", "2026/12/02"]);
        let midnight = Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap();
        assert_eq!(days(start, midnight), ["2026/11/30", "2026/12/01"]);
    }

    #[test]
    fn the_cache_tells_versions_apart() {
        let dir = Path::new("/c");
        let a = cache_path(dir, "b", "k", "\"e1\"");
        assert_eq!(a, cache_path(dir, "b", "k", "e1"));
        assert_ne!(a, cache_path(dir, "b", "k", "e2"));
        assert_ne!(a, cache_path(dir, "b", "k2", "e1"));
    }
}
