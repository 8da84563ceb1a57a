//! SDK errors sorted into what a cell's health shows (throttled, down, forbidden, or failed),
//! each with one sentence that says what happened and what to do; the SDK's whole error chain
//! goes to the log, never to the screen.

use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::diagnose::{self, Context, Problem};
use crate::source::CellError;

pub fn classify<E, R>(err: SdkError<E, R>) -> CellError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    classify_in(err, Context::default())
}

/// [`classify`], with the profile and region the call was made for, named in the sentence.
pub fn classify_in<E, R>(err: SdkError<E, R>, ctx: Context<'_>) -> CellError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let chain = DisplayErrorContext(&err).to_string();
    tracing::warn!(
        profile = ctx.profile.unwrap_or("default"),
        region = ctx.region.unwrap_or("-"),
        "AWS call failed: {chain}"
    );
    let code = match &err {
        SdkError::ServiceError(_) | SdkError::ResponseError(_) => err.code().map(str::to_string),
        _ => None,
    };
    let problem = match &err {
        SdkError::TimeoutError(_) => Problem::TimedOut,
        SdkError::DispatchFailure(f) if f.is_timeout() => Problem::TimedOut,
        SdkError::DispatchFailure(f) if f.is_io() && !mentions_credentials(&chain) => {
            Problem::Unreachable
        }
        _ => diagnose::problem(code.as_deref(), &chain),
    };
    let said = match &err {
        SdkError::ServiceError(_) | SdkError::ResponseError(_) => err.message().unwrap_or(""),
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => last_word(&chain),
        _ => "",
    };
    let text = diagnose::explain(problem, ctx, code.as_deref(), said);
    match problem {
        Problem::Throttled => CellError::throttled(text),
        Problem::Unreachable | Problem::TimedOut | Problem::ServiceDown => CellError::down(text),
        Problem::Other => CellError::failed(text),
        _ => CellError::forbidden(text),
    }
}

/// The innermost reason of a dispatch failure's chain, before the Debug dump of its source:
/// `dispatch failure: io error: ...: connection refused (DispatchFailure(...))` gives
/// `connection refused`.
fn last_word(chain: &str) -> &str {
    let text = chain.split(" (DispatchFailure(").next().unwrap_or(chain);
    let text = text.split(" (TimeoutError(").next().unwrap_or(text);
    text.rsplit(": ").next().unwrap_or(text).trim()
}

/// Credential loading fails inside the request (IMDS, SSO): that is not the service being down.
fn mentions_credentials(chain: &str) -> bool {
    let text = chain.to_ascii_lowercase();
    text.contains("credential") || text.contains("sso") || text.contains("profile")
}
