//! Real AWS SDK clients (Secrets Manager, CloudTrail, STS) pointed at the emulator.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};

use super::Emulator;

/// Client settings for tests: no retries and a short timeout unless asked otherwise.
#[derive(Clone, Copy, Debug)]
pub struct ClientOptions {
    /// Total attempts per call (1 = no retries).
    pub max_attempts: u32,
    /// Whole-operation timeout (all attempts).
    pub operation_timeout: Duration,
    pub connect_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            max_attempts: 1,
            operation_timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(3),
        }
    }
}

impl ClientOptions {
    pub fn attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    pub fn timeout(mut self, t: Duration) -> Self {
        self.operation_timeout = t;
        self
    }
}

impl Emulator {
    /// Shared SDK configuration: static credentials, endpoint = the emulator.
    pub fn sdk_config(&self, access_key: &str, region: &str, opts: ClientOptions) -> SdkConfig {
        let creds = Credentials::new(
            access_key,
            "emulator-secret",
            None,
            None,
            "strongroom-tests",
        );
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .credentials_provider(SharedCredentialsProvider::new(creds))
            .endpoint_url(self.url())
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(opts.max_attempts)
                    .with_initial_backoff(Duration::from_millis(20)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_timeout(opts.operation_timeout)
                    .connect_timeout(opts.connect_timeout)
                    .build(),
            )
            .build()
    }

    pub fn sm_client(&self, access_key: &str, region: &str) -> aws_sdk_secretsmanager::Client {
        self.sm_client_with(access_key, region, ClientOptions::default())
    }

    pub fn sm_client_with(
        &self,
        access_key: &str,
        region: &str,
        opts: ClientOptions,
    ) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.sdk_config(access_key, region, opts))
    }

    pub fn ct_client(&self, access_key: &str, region: &str) -> aws_sdk_cloudtrail::Client {
        self.ct_client_with(access_key, region, ClientOptions::default())
    }

    pub fn ct_client_with(
        &self,
        access_key: &str,
        region: &str,
        opts: ClientOptions,
    ) -> aws_sdk_cloudtrail::Client {
        aws_sdk_cloudtrail::Client::new(&self.sdk_config(access_key, region, opts))
    }

    pub fn sts_client(&self, access_key: &str, region: &str) -> aws_sdk_sts::Client {
        self.sts_client_with(access_key, region, ClientOptions::default())
    }

    pub fn sts_client_with(
        &self,
        access_key: &str,
        region: &str,
        opts: ClientOptions,
    ) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.sdk_config(access_key, region, opts))
    }
}
