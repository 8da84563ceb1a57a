//! Step errors as the operator reads them: from SDK errors and classified cell failures, and
//! for a step's missing argument.

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::operation::RequestId;
use aws_smithy_runtime_api::http::Response;

use crate::domain::CellHealth;
use crate::runbook::engine::StepError;
use crate::source::CellError;
use crate::source::aws::errors;

/// A required argument, trimmed.
pub(super) fn required<'a>(
    args: &'a BTreeMap<String, String>,
    key: &str,
) -> Result<&'a str, StepError> {
    args.get(key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| fatal(format!("the step gives no `{key}`")))
}

/// A step error that another attempt cannot fix.
pub(super) fn fatal(message: impl Into<String>) -> StepError {
    StepError {
        transient: false,
        message: message.into(),
    }
}

/// An SDK error as the operator reads it. Throttling, timeouts, unreachable endpoints and 5xx
/// answers are transient; AccessDenied, not found and validation errors are not.
pub(super) fn sdk_error<E>(operation: &str, region: &str, err: SdkError<E, Response>) -> StepError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let server_error = match &err {
        SdkError::ServiceError(ctx) => ctx.raw().status().is_server_error(),
        SdkError::ResponseError(ctx) => ctx.raw().status().is_server_error(),
        _ => false,
    };
    let request_id = err.request_id().map(str::to_string);
    let mut step = described_error(
        region,
        operation,
        &errors::classify(err),
        request_id.as_deref(),
    );
    step.transient |= server_error;
    step
}

/// A classified failure as a step error, naming the region and what failed there.
pub(super) fn cell_step_error(region: &str, operation: &str, error: &CellError) -> StepError {
    described_error(region, operation, error, None)
}

fn described_error(
    region: &str,
    operation: &str,
    error: &CellError,
    request_id: Option<&str>,
) -> StepError {
    // AWS support asks for the request id of a refused call.
    let request = request_id
        .map(|id| format!(", request {id}"))
        .unwrap_or_default();
    match &error.health {
        CellHealth::Down(why) => {
            let state = if why.starts_with("ServiceUnavailable")
                || why.starts_with("InternalFailure")
                || why.starts_with("Secrets Manager in ")
            {
                "unavailable"
            } else {
                "unreachable"
            };
            StepError {
                transient: true,
                message: format!("{region}: {state} ({})", concise(why)),
            }
        }
        CellHealth::Throttled(why) => StepError {
            transient: true,
            message: format!("{region}: {operation} throttled ({})", concise(why)),
        },
        CellHealth::Forbidden(why) | CellHealth::Failed(why) => StepError {
            transient: false,
            message: format!("{why} ({operation} in {region}{request})"),
        },
        CellHealth::Loading | CellHealth::Ok => StepError {
            transient: false,
            message: format!("{operation} in {region} failed{request}"),
        },
    }
}

/// The cause an operator needs from a classified failure. A dispatch failure's text carries
/// the whole error chain and its Debug form; its innermost cause says what happened
/// (`connection refused`, `connection closed before message completed`).
/// How the diagnosis's sentences begin.
const SENTENCES: &[&str] = &["Cannot reach AWS", "AWS ", "Secrets Manager in "];

pub(super) fn concise(detail: &str) -> &str {
    // The diagnosis's sentences ("Cannot reach AWS in r (connection refused): check ...",
    // "AWS throttled the calls in r (ThrottlingException) even after retries: ...") give the
    // reason in their first brackets.
    if SENTENCES.iter().any(|head| detail.starts_with(head))
        && let Some((_, rest)) = detail.split_once(" (")
        && let Some((reason, _)) = rest.split_once(')')
    {
        return reason;
    }
    let Some(cut) = detail.find(" (DispatchFailure(") else {
        return detail;
    };
    let chain = &detail[..cut];
    chain.rsplit(": ").next().unwrap_or(chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn down_and_throttled_are_transient_forbidden_is_not() {
        let down = cell_step_error(
            "us-west-2",
            "DescribeSecret",
            &CellError::down("connection refused"),
        );
        assert!(down.transient);
        assert_eq!(down.message, "us-west-2: unreachable (connection refused)");
        let denied = cell_step_error(
            "us-east-1",
            "GetResourcePolicy",
            &CellError::forbidden("AccessDeniedException: no"),
        );
        assert!(!denied.transient);
        assert_eq!(
            denied.message,
            "AccessDeniedException: no (GetResourcePolicy in us-east-1)"
        );
        assert!(cell_step_error("r", "op", &CellError::throttled("slow")).transient);
        let dispatch = "unreachable: dispatch failure: other: client error (SendRequest): \
                        connection closed before message completed (DispatchFailure(Dispatch\
                        Failure { source: ConnectorError { kind: Other(None) } }))";
        assert_eq!(
            cell_step_error("us-west-2", "DescribeSecret", &CellError::down(dispatch)).message,
            "us-west-2: unreachable (connection closed before message completed)"
        );
        assert_eq!(concise("timed out"), "timed out");
        let said =
            "Cannot reach AWS in us-west-2 (connection refused): check the network or proxy.";
        assert_eq!(concise(said), "connection refused");
        let throttled = CellError::throttled(
            "AWS throttled the calls in us-east-1 (ThrottlingException) even after retries: \
             wait a minute, then press r (or run the command again).",
        );
        assert_eq!(
            cell_step_error("us-east-1", "ListSecretVersionIds", &throttled).message,
            "us-east-1: ListSecretVersionIds throttled (ThrottlingException)"
        );
        let unavailable = CellError::down(
            "Secrets Manager in us-east-1 is unavailable (InternalFailure): the other regions \
             keep working; press r later.",
        );
        assert_eq!(
            cell_step_error("us-east-1", "DescribeSecret", &unavailable).message,
            "us-east-1: unavailable (InternalFailure)"
        );
    }
}
