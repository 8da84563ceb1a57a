//! Resolving profiles to accounts and building SDK clients with Strongroom's timeouts and retries.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

use super::athena::{self, AthenaOptions};
use super::options::{AwsOptions, ConnectError, bound};
use super::s3_trail::{self, S3Trail};
use super::source::{AwsSource, Profile};
use super::{diagnose, errors, fan_out, profiles};
use crate::domain::Account;

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .read_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(12))
        .operation_timeout(Duration::from_secs(45))
        .build()
}

/// Resolves every profile (in parallel) to its account with STS GetCallerIdentity. A profile that
/// cannot be resolved becomes an account whose cells all show why, so the others still load.
pub async fn connect(opts: &AwsOptions) -> Result<AwsSource, ConnectError> {
    let names: Vec<Option<String>> = if opts.profiles.is_empty() {
        vec![None]
    } else {
        opts.profiles.iter().cloned().map(Some).collect()
    };
    // A profile name that no config file defines would fall through to IMDS and say "no
    // credentials"; it is named as what it is instead.
    let unknown: Vec<bool> = names
        .iter()
        .map(|n| {
            n.as_deref()
                .is_some_and(|n| profiles::defined(n) == Some(false))
        })
        .collect();
    if let Some(first) = names.first().and_then(Option::as_deref)
        && unknown.iter().all(|u| *u)
    {
        let ctx = diagnose::Context {
            profile: Some(first),
            region: None,
        };
        return Err(ConnectError::ProfileNotFound(diagnose::sentence(
            diagnose::Problem::ProfileNotFound,
            ctx,
            None,
        )));
    }
    // One HTTP client (one TLS setup, one connection pool) for every SDK client this source
    // makes: an organization's hundreds of cells would otherwise each load the root
    // certificates and open connections of their own.
    let http = https_client();
    let configs = futures::future::join_all(
        names
            .iter()
            .map(|n| load_config(opts, n.as_deref(), http.clone())),
    )
    .await;
    let mut regions = opts.regions.clone();
    if regions.is_empty() {
        let known = names.iter().zip(&configs).zip(&unknown);
        for ((name, config), _) in known.filter(|(_, unknown)| !**unknown) {
            let Some(region) = config.region().map(|r| r.to_string()) else {
                if opts.all_regions {
                    continue; // each account says which regions it has
                }
                return Err(ConnectError::NoRegion(
                    name.clone().unwrap_or_else(|| "default".into()),
                ));
            };
            if !regions.contains(&region) {
                regions.push(region);
            }
        }
    }
    let profiles = futures::future::join_all(
        names
            .iter()
            .zip(configs)
            .zip(unknown)
            .map(|((name, config), unknown)| resolve(name.clone(), config, unknown)),
    )
    .await;
    let mut label = match opts.profiles.as_slice() {
        [] => "AWS (default credentials)".to_string(),
        ps => format!("AWS profiles {}", ps.join(", ")),
    };
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    let profiles = if fan_out::reaches_beyond_profiles(opts) {
        let reached = fan_out::accounts(opts, profiles).await?;
        label = reached.label;
        notes = reached.notes;
        problems = reached.problems;
        reached.profiles
    } else {
        profiles
    };
    let (profiles, region_notes) = if opts.all_regions {
        fan_out::all_regions(profiles, &regions, opts.max_cells).await
    } else {
        (profiles, Vec::new())
    };
    notes.extend(region_notes);
    let mut source = AwsSource::new(label, profiles, regions, opts.state_dir.clone())
        .with_max_cells(bound(opts.max_cells));
    source.notes = notes;
    source.problems = problems;
    if let Some(athena) = &opts.athena {
        source.trail = Some(trail(athena, &source));
    }
    if let Some(url) = &opts.s3_trail {
        source.s3_trail = Some(s3_trail(url, opts, &source)?);
    }
    Ok(source)
}

/// Athena's client: the credentials of `--athena-account` (through its role) or the starting
/// identity's, in `--athena-region` or the first region read.
fn trail(athena: &AthenaOptions, source: &AwsSource) -> athena::Trail {
    let profile = athena
        .account
        .as_ref()
        .and_then(|id| source.profiles.iter().find(|p| &p.account.id == id))
        .or_else(|| source.profiles.first());
    let region = athena
        .region
        .clone()
        .or_else(|| source.regions.first().cloned())
        .unwrap_or_else(|| "us-east-1".to_string());
    let config = profile.map(|p| p.config.clone()).unwrap_or_else(|| {
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .build()
    });
    let conf = aws_sdk_athena::config::Builder::from(&config)
        .region(Region::new(region))
        .build();
    athena::Trail {
        opts: athena.clone(),
        client: aws_sdk_athena::Client::from_conf(conf),
    }
}

/// The trail's bucket read with the starting identity's credentials; path-style addresses
/// when an endpoint is given (a local emulator has no per-bucket host names).
fn s3_trail(url: &str, opts: &AwsOptions, source: &AwsSource) -> Result<S3Trail, ConnectError> {
    let (bucket, prefix) = s3_trail::parse_url(url).map_err(ConnectError::Trail)?;
    let Some(profile) = source.profiles.first() else {
        return Err(ConnectError::Trail(format!(
            "{url}: no credentials to read it with"
        )));
    };
    let mut conf = aws_sdk_s3::config::Builder::from(&profile.config);
    if let Some(region) = source.regions.first() {
        conf = conf.region(Region::new(region.clone()));
    }
    if opts.endpoint_url.is_some() {
        conf = conf.force_path_style(true);
    }
    Ok(S3Trail {
        bucket,
        prefix,
        client: aws_sdk_s3::Client::from_conf(conf.build()),
        cache: opts.state_dir.join("trail-s3"),
    })
}

/// The SDK's default HTTPS client (rustls with aws-lc, the proxy from the environment), built
/// once so that the clients made from it share its connectors (cached by timeout settings).
fn https_client() -> SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    use aws_smithy_http_client::{Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut conn =
            ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::AwsLc));
        conn.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            conn.set_sleep_impl(components.sleep_impl());
        }
        conn.set_proxy_config(Some(ProxyConfig::from_env()));
        conn.build()
    })
}

async fn load_config(
    opts: &AwsOptions,
    profile: Option<&str>,
    http: SharedHttpClient,
) -> SdkConfig {
    let attempts = if opts.max_attempts == 0 {
        5
    } else {
        opts.max_attempts
    };
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(timeouts())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(10)),
        );
    // Our own calls carry app/strongroom in their user agent, so event views can drop them.
    if let Ok(name) = aws_config::AppName::new("strongroom") {
        loader = loader.app_name(name);
    }
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        // STS and Organizations need a region to sign for; the first asked for, else the
        // one every account has.
        let fallback = match opts.regions.first() {
            Some(first) => Some(first.clone()),
            None if opts.all_regions => Some("us-east-1".to_string()),
            None => None,
        };
        if let Some(region) = fallback {
            return config.into_builder().region(Region::new(region)).build();
        }
    }
    config
}

async fn resolve(name: Option<String>, config: SdkConfig, unknown: bool) -> Profile {
    let label = name.clone().unwrap_or_else(|| "default".into());
    if unknown {
        let ctx = diagnose::Context {
            profile: name.as_deref(),
            region: None,
        };
        let text = diagnose::sentence(diagnose::Problem::ProfileNotFound, ctx, None);
        return Profile {
            account: Account {
                id: format!("profile:{label}"),
                alias: None,
                profile: name,
            },
            config,
            failure: Some(crate::source::CellError::forbidden(text)),
            regions: None,
        };
    }
    let sts = aws_sdk_sts::Client::new(&config);
    match sts.get_caller_identity().send().await {
        Ok(out) => Profile {
            account: Account {
                id: out.account().unwrap_or("unknown").to_string(),
                alias: None,
                profile: name,
            },
            config,
            failure: None,
            regions: None,
        },
        Err(e) => {
            let region = config.region().map(|r| r.to_string());
            let failure = errors::classify_in(
                e,
                diagnose::Context {
                    profile: name.as_deref(),
                    region: region.as_deref(),
                },
            );
            Profile {
                account: Account {
                    id: format!("profile:{label}"),
                    alias: None,
                    profile: name,
                },
                config,
                failure: Some(failure),
                regions: None,
            }
        }
    }
}
