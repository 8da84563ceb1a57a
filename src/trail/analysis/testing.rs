//! Hand-built CloudTrail records for the analysis tests, parsed the way real ones are.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::domain::Secret;
use crate::trail::{AccessEvent, parse_record};

pub const ACCOUNT: &str = "111122223333";
pub const DB: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC123";
pub const DB_REPLICA: &str = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbC123";
pub const API: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api-Zz9Yy8";
pub const BOB_ARN: &str = "arn:aws:iam::111122223333:user/bob";
pub const APP_ROLE: &str = "arn:aws:iam::111122223333:role/app";

pub fn at(time: &str) -> DateTime<Utc> {
    time.parse().unwrap()
}

fn secret(name: &str, region: &str, suffix: &str, primary: Option<&str>) -> Secret {
    serde_json::from_value(json!({
        "arn": format!("arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{name}-{suffix}"),
        "name": name, "account": ACCOUNT, "region": region, "primary_region": primary,
    }))
    .unwrap()
}

/// prod/db in us-east-1 with a replica in eu-west-1, prod/api, and svc/0 .. svc/7.
pub fn inventory() -> Vec<Secret> {
    let mut secrets = vec![
        secret("prod/db", "us-east-1", "AbC123", Some("us-east-1")),
        secret("prod/db", "eu-west-1", "AbC123", Some("us-east-1")),
        secret("prod/api", "us-east-1", "Zz9Yy8", None),
    ];
    secrets.extend((0..8).map(|n| secret(&format!("svc/{n}"), "us-east-1", "q1w2e3", None)));
    secrets
}

/// A record as CloudTrail writes it: IAM user bob in us-east-1 from 192.0.2.10 unless told.
pub struct Rec(Value);

impl Rec {
    pub fn new(name: &str, time: &str) -> Self {
        Rec(json!({
            "eventTime": time,
            "eventSource": "secretsmanager.amazonaws.com",
            "eventName": name,
            "awsRegion": "us-east-1",
            "eventType": "AwsApiCall",
            "recipientAccountId": ACCOUNT,
            "sourceIPAddress": "192.0.2.10",
            "userAgent": "aws-cli/2.15",
            "userIdentity": {"type": "IAMUser", "arn": BOB_ARN, "accountId": ACCOUNT,
                             "userName": "bob"},
            "requestParameters": {},
        }))
    }

    pub fn read(time: &str) -> Self {
        Self::new("GetSecretValue", time)
    }

    pub fn secret(mut self, id: &str) -> Self {
        self.0["requestParameters"]["secretId"] = json!(id);
        self
    }

    /// BatchGetSecretValue by filter: enumeration rather than named secrets.
    pub fn filters(mut self) -> Self {
        self.0["eventName"] = json!("BatchGetSecretValue");
        self.0["requestParameters"]["filters"] = json!([{"key": "name", "values": ["prod"]}]);
        self
    }

    pub fn region(mut self, region: &str) -> Self {
        self.0["awsRegion"] = json!(region);
        self
    }

    pub fn user(mut self, name: &str) -> Self {
        self.0["userIdentity"] = json!({
            "type": "IAMUser", "arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
            "accountId": ACCOUNT, "userName": name,
        });
        self
    }

    pub fn role(mut self, role: &str, session: &str) -> Self {
        self.0["userIdentity"] = json!({
            "type": "AssumedRole",
            "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"),
            "accountId": ACCOUNT,
            "sessionContext": {"sessionIssuer": {
                "type": "Role", "arn": format!("arn:aws:iam::{ACCOUNT}:role/{role}")
            }}
        });
        self
    }

    pub fn ip(mut self, ip: &str) -> Self {
        self.0["sourceIPAddress"] = json!(ip);
        self
    }

    pub fn agent(mut self, agent: &str) -> Self {
        self.0["userAgent"] = json!(agent);
        self
    }

    pub fn error(mut self, code: &str) -> Self {
        self.0["errorCode"] = json!(code);
        self
    }

    pub fn event(self) -> AccessEvent {
        parse_record(&self.0).unwrap()
    }
}
