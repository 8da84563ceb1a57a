//! Error shapes the emulator cannot produce (AccessDenied, expired tokens), with aws-smithy-mocks.
//! The emulator tests cover the real wire path; these only check how failures are sorted.

use aws_sdk_secretsmanager::Client;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;

use super::list_cell;
use crate::domain::{Cell, CellHealth};

fn json_error(status: u16, kind: &'static str, message: &'static str) -> Response {
    let body = format!("{{\"__type\":\"{kind}\",\"message\":\"{message}\"}}");
    let mut r = Response::new(
        StatusCode::try_from(status).expect("status"),
        SdkBody::from(body),
    );
    r.headers_mut()
        .insert("content-type", "application/x-amz-json-1.1");
    r
}

async fn health_for(status: u16, kind: &'static str, message: &'static str) -> CellHealth {
    let rule =
        mock!(Client::list_secrets).then_http_response(move || json_error(status, kind, message));
    let client = mock_client!(aws_sdk_secretsmanager, RuleMode::MatchAny, [&rule]);
    let cell = Cell::new("111122223333", "eu-west-1");
    list_cell(&client, &cell, &(Box::new(|_: &[_]| {}) as super::OnPage))
        .await
        .unwrap_err()
        .health
}

#[tokio::test]
async fn access_denied_is_forbidden_with_the_reason() {
    let health = health_for(
        400,
        "AccessDeniedException",
        "User: arn:aws:iam::111122223333:user/ro is not authorized to perform: secretsmanager:ListSecrets",
    )
    .await;
    let CellHealth::Forbidden(why) = health else {
        panic!("{health:?}")
    };
    assert!(why.starts_with("AccessDeniedException: User:"), "{why}");
}

#[tokio::test]
async fn expired_credentials_are_forbidden() {
    let health = health_for(400, "ExpiredTokenException", "The security token expired").await;
    assert!(matches!(health, CellHealth::Forbidden(_)), "{health:?}");
}

#[tokio::test]
async fn an_unknown_service_error_is_a_failure_with_its_code() {
    let health = health_for(400, "InvalidParameterException", "bad filter").await;
    assert_eq!(
        health,
        CellHealth::Failed("InvalidParameterException: bad filter".into())
    );
}
