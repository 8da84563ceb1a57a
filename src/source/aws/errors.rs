//! SDK errors sorted into what a cell's health shows: throttled, down, forbidden, or failed.

use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::source::CellError;

const THROTTLING: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
];
const FORBIDDEN: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredTokenException",
    "ExpiredToken",
    "InvalidSignatureException",
];

pub fn classify<E, R>(err: SdkError<E, R>) -> CellError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::TimeoutError(_) => CellError::down("timed out"),
        SdkError::DispatchFailure(f) => {
            let why = if f.is_timeout() {
                "timed out".to_string()
            } else if f.is_io() {
                "connection failed".to_string()
            } else {
                "unreachable".to_string()
            };
            CellError::down(format!("{why}: {}", DisplayErrorContext(&err)))
        }
        _ => {
            let code = err.code().unwrap_or("Unknown").to_string();
            let message = err.message().unwrap_or_default().to_string();
            let text = if message.is_empty() {
                code.clone()
            } else {
                format!("{code}: {message}")
            };
            if THROTTLING.contains(&code.as_str()) {
                CellError::throttled(text)
            } else if FORBIDDEN.contains(&code.as_str()) {
                CellError::forbidden(text)
            } else if matches!(
                code.as_str(),
                "ServiceUnavailable" | "ServiceUnavailableException" | "InternalFailure"
            ) {
                CellError::down(text)
            } else {
                CellError::failed(text)
            }
        }
    }
}
