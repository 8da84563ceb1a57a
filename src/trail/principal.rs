//! Who made a call: CloudTrail's userIdentity, reduced to what an operator groups and reads by.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::{account_id, text};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub arn: Option<String>,
    pub account: Option<String>,
    /// userName, or the session name for assumed roles and federated users.
    pub name: Option<String>,
    /// For assumed roles: the role behind the session (sessionContext.sessionIssuer.arn).
    pub role_arn: Option<String>,
    pub invoked_by: Option<String>,
    pub access_key_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrincipalKind {
    IamUser,
    AssumedRole,
    Root,
    AwsService,
    FederatedUser,
    AwsAccount,
    /// Any other userIdentity.type (SAMLUser, WebIdentityUser, ...), or "" when there is none.
    Unknown(String),
}

impl Principal {
    /// Reads a userIdentity object; a missing or malformed one gives an Unknown principal.
    pub fn from_user_identity(identity: Option<&Value>) -> Self {
        let get = |key: &str| identity.and_then(|u| text(u.get(key)));
        let arn = get("arn");
        let invoked_by = get("invokedBy");
        let kind = match get("type").as_deref() {
            Some("IAMUser") => PrincipalKind::IamUser,
            Some("AssumedRole") => PrincipalKind::AssumedRole,
            Some("Root") => PrincipalKind::Root,
            Some("AWSService") => PrincipalKind::AwsService,
            Some("FederatedUser") => PrincipalKind::FederatedUser,
            Some("AWSAccount") => PrincipalKind::AwsAccount,
            Some(other) => PrincipalKind::Unknown(other.to_string()),
            // Service events (RotationSucceeded, RotationFailed) carry only accountId + invokedBy.
            None if invoked_by.is_some() => PrincipalKind::AwsService,
            None => PrincipalKind::Unknown(String::new()),
        };
        let issuer_arn = identity
            .and_then(|u| u.pointer("/sessionContext/sessionIssuer/arn"))
            .and_then(|v| text(Some(v)));
        let (name, role_arn) = match kind {
            PrincipalKind::AssumedRole | PrincipalKind::FederatedUser => {
                let session = arn.as_deref().and_then(session_name).or_else(|| {
                    get("principalId").and_then(|p| p.split_once(':').map(|(_, s)| s.to_string()))
                });
                let role = (kind == PrincipalKind::AssumedRole)
                    .then_some(issuer_arn)
                    .flatten();
                (session, role)
            }
            _ => (get("userName"), None),
        };
        Principal {
            kind,
            arn,
            account: identity.and_then(|u| account_id(u.get("accountId"))),
            name,
            role_arn,
            invoked_by,
            access_key_id: get("accessKeyId"),
        }
    }

    /// A stable identity to group by: the role for assumed roles (all its sessions together),
    /// else the ARN, else the invoking service, else the access key.
    pub fn key(&self) -> String {
        let account = self.account.as_ref().map(|a| format!("account:{a}"));
        [
            &self.role_arn,
            &self.arn,
            &self.invoked_by,
            &self.access_key_id,
            &account,
        ]
        .into_iter()
        .find_map(|v| v.clone())
        .unwrap_or_else(|| "unknown".to_string())
    }

    /// A short human form: `role/session`, the user name, `root`, or the service.
    pub fn label(&self) -> String {
        let arn_tail = || {
            self.arn
                .as_deref()
                .and_then(|a| a.rsplit(['/', ':']).next())
                .map(str::to_string)
        };
        let label = match self.kind {
            PrincipalKind::AssumedRole => {
                let role = self
                    .role_arn
                    .as_deref()
                    .and_then(|r| r.rsplit('/').next())
                    .or_else(|| self.arn.as_deref().and_then(assumed_role_name));
                match (role, &self.name) {
                    (Some(role), Some(session)) => Some(format!("{role}/{session}")),
                    (Some(role), None) => Some(role.to_string()),
                    (None, session) => session.clone(),
                }
            }
            PrincipalKind::Root => Some("root".to_string()),
            PrincipalKind::AwsService => self.invoked_by.clone(),
            PrincipalKind::AwsAccount => self.account.as_ref().map(|a| format!("account {a}")),
            _ => self.name.clone().or_else(arn_tail),
        };
        label
            .or_else(|| self.invoked_by.clone())
            .or_else(|| self.access_key_id.clone())
            .unwrap_or_else(|| "unknown".to_string())
    }
}

/// `arn:aws:sts::1:assumed-role/Role/session` -> `session`; `...:federated-user/bob` -> `bob`.
fn session_name(arn: &str) -> Option<String> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let mut parts = resource.split('/');
    match parts.next()? {
        "assumed-role" => parts.nth(1).map(str::to_string),
        "federated-user" => parts.next().map(str::to_string),
        _ => None,
    }
}

fn assumed_role_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    resource.strip_prefix("assumed-role/")?.split('/').next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn no_type_with_invoked_by_is_an_aws_service() {
        let p = Principal::from_user_identity(Some(&json!({
            "accountId": "111122223333", "invokedBy": "secretsmanager.amazonaws.com"
        })));
        assert_eq!(p.kind, PrincipalKind::AwsService);
        assert_eq!(p.label(), "secretsmanager.amazonaws.com");
        assert_eq!(p.key(), "secretsmanager.amazonaws.com");
        assert_eq!(p.account.as_deref(), Some("111122223333"));
    }

    #[test]
    fn assumed_role_keys_by_the_role_and_labels_role_and_session() {
        let p = Principal::from_user_identity(Some(&json!({
            "type": "AssumedRole",
            "arn": "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Ops_0123/alice@example.com",
            "principalId": "AROAEXAMPLE:alice@example.com",
            "accountId": "111122223333",
            "sessionContext": {"sessionIssuer": {
                "type": "Role",
                "arn": "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Ops_0123"
            }}
        })));
        assert_eq!(p.kind, PrincipalKind::AssumedRole);
        assert_eq!(p.name.as_deref(), Some("alice@example.com"));
        assert_eq!(
            p.key(),
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Ops_0123"
        );
        assert_eq!(p.label(), "AWSReservedSSO_Ops_0123/alice@example.com");
    }

    #[test]
    fn assumed_role_without_session_issuer_falls_back_to_the_arn() {
        let p = Principal::from_user_identity(Some(&json!({
            "type": "AssumedRole",
            "arn": "arn:aws:sts::111122223333:assumed-role/app/i-0abc"
        })));
        assert_eq!(p.role_arn, None);
        assert_eq!(p.key(), "arn:aws:sts::111122223333:assumed-role/app/i-0abc");
        assert_eq!(p.label(), "app/i-0abc");
    }

    #[test]
    fn users_root_and_unknowns_have_short_labels() {
        let user = Principal::from_user_identity(Some(&json!({
            "type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/ops/bob", "userName": "bob",
            "accessKeyId": "AKIAEXAMPLE"
        })));
        assert_eq!(
            (user.kind.clone(), user.label()),
            (PrincipalKind::IamUser, "bob".to_string())
        );
        let root = Principal::from_user_identity(Some(&json!({
            "type": "Root", "arn": "arn:aws:iam::111122223333:root", "userName": "myusername"
        })));
        assert_eq!(root.label(), "root");
        let saml =
            Principal::from_user_identity(Some(&json!({"type": "SAMLUser", "userName": "carol"})));
        assert_eq!(saml.kind, PrincipalKind::Unknown("SAMLUser".to_string()));
        assert_eq!(saml.label(), "carol");
        let nobody = Principal::from_user_identity(None);
        assert_eq!(
            (nobody.key(), nobody.label()),
            ("unknown".to_string(), "unknown".to_string())
        );
        let key_only = Principal::from_user_identity(Some(&json!({"accessKeyId": "AKIAONLY"})));
        assert_eq!(key_only.key(), "AKIAONLY");
    }
}
