//! Credentials of a role in another account: STS AssumeRole from the starting identity, kept
//! until five minutes before they expire and then asked for again, so a console left open for
//! hours keeps working. One AssumeRole per account however many cells read it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, future};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

use super::{diagnose, errors};
use crate::source::CellError;

/// Credentials closer than this to their expiry are renewed.
pub const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);

/// Who assumes which role, and why (the session name says both in CloudTrail).
#[derive(Debug, Clone)]
pub struct RoleRequest {
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
    /// The account of the starting identity (named in the sentence when the role refuses it).
    pub caller_account: String,
}

pub struct RoleCredentials {
    sts: aws_sdk_sts::Client,
    request: RoleRequest,
    cached: tokio::sync::Mutex<Option<Credentials>>,
    calls: AtomicUsize,
}

impl RoleCredentials {
    pub fn new(sts: aws_sdk_sts::Client, request: RoleRequest) -> Arc<Self> {
        Arc::new(Self {
            sts,
            request,
            cached: tokio::sync::Mutex::new(None),
            calls: AtomicUsize::new(0),
        })
    }

    /// AssumeRole calls made so far.
    #[cfg(test)]
    fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }

    /// Valid credentials: the cached ones while fresh, else a new AssumeRole. Concurrent
    /// callers wait for the one call in flight.
    pub async fn get(&self) -> Result<Credentials, CellError> {
        self.get_at(SystemTime::now()).await
    }

    async fn get_at(&self, now: SystemTime) -> Result<Credentials, CellError> {
        let mut slot = self.cached.lock().await;
        if let Some(credentials) = slot.as_ref()
            && fresh(credentials, now)
        {
            return Ok(credentials.clone());
        }
        self.calls.fetch_add(1, Ordering::Relaxed);
        let r = &self.request;
        let out = self
            .sts
            .assume_role()
            .role_arn(&r.role_arn)
            .role_session_name(&r.session_name)
            .set_external_id(r.external_id.clone())
            .send()
            .await
            .map_err(|e| self.explain(e))?;
        let Some(c) = out.credentials() else {
            return Err(CellError::failed(format!(
                "AssumeRole of {} answered without credentials",
                r.role_arn
            )));
        };
        let expiry = SystemTime::try_from(*c.expiration()).ok();
        let credentials = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            expiry,
            "StrongroomAssumeRole",
        );
        *slot = Some(credentials.clone());
        Ok(credentials)
    }

    fn explain<E, R>(&self, err: SdkError<E, R>) -> CellError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let r = &self.request;
        let code = match &err {
            SdkError::ServiceError(_) => err.code().map(str::to_string),
            _ => None,
        };
        if matches!(
            code.as_deref(),
            Some("AccessDenied" | "AccessDeniedException")
        ) {
            tracing::warn!(
                role = %r.role_arn,
                "AssumeRole refused: {}",
                aws_smithy_types::error::display::DisplayErrorContext(&err)
            );
            return CellError::forbidden(refused_sentence(r));
        }
        errors::classify_in(
            err,
            diagnose::Context {
                profile: None,
                region: None,
            },
        )
    }
}

/// What to say when a role refuses the starting identity.
pub fn refused_sentence(r: &RoleRequest) -> String {
    let account = account_of(&r.role_arn);
    let external = if r.external_id.is_some() {
        " with this --external-id"
    } else {
        ""
    };
    format!(
        "Cannot assume {} (AccessDenied): the role must exist in account {account} and trust \
         {}{external}; the other accounts still load.",
        r.role_arn, r.caller_account
    )
}

fn account_of(role_arn: &str) -> &str {
    role_arn.split(':').nth(4).unwrap_or("?")
}

fn fresh(credentials: &Credentials, now: SystemTime) -> bool {
    credentials
        .expiry()
        .is_none_or(|expiry| expiry > now + REFRESH_BEFORE)
}

/// The SDK's view of a role: clients built with it ask `RoleCredentials` (the SDK's identity
/// cache sits on top and asks again shortly before expiry).
#[derive(Clone)]
pub struct RoleProvider(pub Arc<RoleCredentials>);

impl std::fmt::Debug for RoleProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RoleProvider")
            .field(&self.0.request.role_arn)
            .finish()
    }
}

impl ProvideCredentials for RoleProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.0.get().await.map_err(|e| {
                CredentialsError::provider_error(e.health.detail().unwrap_or("").to_string())
            })
        })
    }
}

/// A session name that says who and why (`strongroom-alice-inventory`), as STS allows it:
/// 2 to 64 characters of letters, digits and `+=,.@-_`.
pub fn session_name(user: &str, purpose: &str) -> String {
    let raw = format!("strongroom-{user}-{purpose}");
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    while name.len() < 2 {
        name.push('-');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;
    use aws_sdk_sts::types::Credentials as StsCredentials;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::DateTime;

    fn answer(expires_at: SystemTime) -> AssumeRoleOutput {
        let credentials = StsCredentials::builder()
            .access_key_id("ASIAEXAMPLE")
            .secret_access_key("secret")
            .session_token("token")
            .expiration(DateTime::from(expires_at))
            .build()
            .unwrap();
        AssumeRoleOutput::builder().credentials(credentials).build()
    }

    fn request() -> RoleRequest {
        RoleRequest {
            role_arn: "arn:aws:iam::210987654321:role/StrongroomAudit".into(),
            session_name: "strongroom-test".into(),
            external_id: None,
            caller_account: "111111111111".into(),
        }
    }

    #[tokio::test]
    async fn credentials_are_kept_until_five_minutes_before_expiry() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let expires = t0 + Duration::from_secs(3600);
        let rule = mock!(aws_sdk_sts::Client::assume_role).then_output(move || answer(expires));
        let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&rule]);
        let role = RoleCredentials::new(sts, request());
        role.get_at(t0).await.unwrap();
        role.get_at(t0 + Duration::from_secs(1800)).await.unwrap();
        assert_eq!(role.calls(), 1, "fresh credentials are reused");
        role.get_at(t0 + Duration::from_secs(3600 - 299))
            .await
            .unwrap();
        assert_eq!(role.calls(), 2, "renewed five minutes before expiry");
    }

    #[tokio::test]
    async fn a_refusing_role_says_which_account_must_trust_whom() {
        let rule = mock!(aws_sdk_sts::Client::assume_role).then_http_response(|| {
            aws_smithy_runtime_api::http::Response::new(
                aws_smithy_runtime_api::http::StatusCode::try_from(403).unwrap(),
                aws_smithy_types::body::SdkBody::from(
                    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
                     <Message>not authorized</Message></Error></ErrorResponse>",
                ),
            )
        });
        let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&rule]);
        let role = RoleCredentials::new(sts, request());
        let err = role.get().await.unwrap_err();
        let text = err.health.detail().unwrap();
        assert_eq!(err.health.label(), "forbidden");
        assert!(
            text.starts_with("Cannot assume arn:aws:iam::210987654321:role/StrongroomAudit")
                && text.contains("exist in account 210987654321 and trust 111111111111"),
            "{text}"
        );
    }

    #[test]
    fn session_names_say_who_and_why_within_sts_rules() {
        assert_eq!(
            session_name("alice", "inventory"),
            "strongroom-alice-inventory"
        );
        assert_eq!(
            session_name("bob smith/x", "runbook"),
            "strongroom-bob-smith-x-runbook"
        );
        assert_eq!(session_name(&"u".repeat(80), "drill").len(), 64);
    }
}
