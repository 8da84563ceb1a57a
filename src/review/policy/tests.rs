use super::parse::aws_principal;
use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../tests/fixtures/policies/", $name, ".json"))
    };
}

const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";

fn caller<'a>(key: &'a str, account: &'a str) -> Caller<'a> {
    Caller {
        key,
        arn: None,
        account: Some(account),
    }
}

#[test]
fn a_cross_account_role_is_a_role_of_its_account() {
    let doc = parse(fixture!("cross-account-role")).unwrap();
    assert_eq!(doc.version.as_deref(), Some("2012-10-17"));
    let s = &doc.statements[0];
    assert_eq!(s.effect, Effect::Allow);
    assert_eq!(s.label(), "statement 1");
    let role = "arn:aws:iam::444455556666:role/partner-reader";
    assert_eq!(s.principals.list, [PolicyPrincipal::Role(role.into())]);
    assert_eq!(s.principals.list[0].account(), Some("444455556666"));
    assert!(s.covers_read(SECRET));
    assert_eq!(s.reaches(&caller(role, "444455556666")), Some(Reach::Exact));
    let other = "arn:aws:iam::444455556666:role/other";
    assert_eq!(s.reaches(&caller(other, "444455556666")), None);
}

#[test]
fn principal_lists_mix_roles_users_and_accounts() {
    let doc = parse(fixture!("roles-and-users-list")).unwrap();
    let s = &doc.statements[0];
    assert_eq!(s.label(), "AppReaders");
    assert_eq!(
        s.principals.list,
        [
            PolicyPrincipal::Role(
                "arn:aws:iam::111122223333:role/service-role/payments-api".into()
            ),
            PolicyPrincipal::User("arn:aws:iam::111122223333:user/ops/alice".into()),
            PolicyPrincipal::Account("111122223333".into()),
        ]
    );
    // The role with a path is matched by a session of it without a session issuer, by name.
    let session = "arn:aws:sts::111122223333:assumed-role/payments-api/i-0abc";
    assert_eq!(
        s.reaches(&caller(session, "111122223333")),
        Some(Reach::Exact)
    );
    // Anyone else of the account: via the account.
    let bob = "arn:aws:iam::111122223333:user/bob";
    assert_eq!(
        s.reaches(&caller(bob, "111122223333")),
        Some(Reach::Account)
    );
    assert_eq!(s.reaches(&caller(bob, "999988887777")), None);
    // `secretsmanager:*` grants reading.
    assert!(doc.statements[1].covers_read(SECRET));
}

#[test]
fn everyone_under_an_organisation_condition_is_restricted() {
    let doc = parse(fixture!("org-wide-read")).unwrap();
    let s = &doc.statements[0];
    assert_eq!(s.principals.list, [PolicyPrincipal::Everyone]);
    assert!(s.restricted());
    assert_eq!(
        s.condition_summary(),
        ["StringEquals aws:PrincipalOrgID = o-a1b2c3d4e5"]
    );
    assert_eq!(
        s.reaches(&caller("arn:aws:iam::1:user/x", "1")),
        Some(Reach::Everyone)
    );
}

#[test]
fn a_single_statement_object_with_aws_star_and_get_star_is_public_read() {
    let doc = parse(fixture!("public-read")).unwrap();
    let s = &doc.statements[0];
    assert_eq!(s.principals.list, [PolicyPrincipal::Everyone]);
    assert!(
        s.covers_read(SECRET),
        "secretsmanager:Get* covers GetSecretValue"
    );
    assert!(!s.restricted(), "SecureTransport does not narrow who");
    assert_eq!(s.conditions[0].values, ["true"]);
}

#[test]
fn deny_statements_and_negated_conditions_parse() {
    let doc = parse(fixture!("vpce-deny")).unwrap();
    let s = &doc.statements[0];
    assert_eq!(s.effect, Effect::Deny);
    assert_eq!(s.label(), "RestrictGetSecretValueoperation");
    assert!(
        !s.restricted(),
        "StringNotEquals passes everyone outside the endpoint"
    );
    assert_eq!(s.conditions[0].key, "aws:sourceVpce");
}

#[test]
fn not_principal_reaches_everyone_but_the_listed() {
    let doc = parse(fixture!("deny-all-but")).unwrap();
    let deny = &doc.statements[0];
    assert!(deny.principals.not);
    assert!(deny.covers_read(SECRET));
    let glass = "arn:aws:iam::111122223333:role/break-glass";
    assert_eq!(deny.reaches(&caller(glass, "111122223333")), None);
    // The account root listed in NotPrincipal excludes the whole account.
    let bob = "arn:aws:iam::111122223333:user/bob";
    assert_eq!(deny.reaches(&caller(bob, "111122223333")), None);
    let stranger = "arn:aws:iam::999988887777:user/eve";
    assert_eq!(
        deny.reaches(&caller(stranger, "999988887777")),
        Some(Reach::Everyone)
    );
}

#[test]
fn service_and_federated_principals_keep_their_kind() {
    let doc = parse(fixture!("service-and-federated")).unwrap();
    let (app, saml) = (&doc.statements[0], &doc.statements[1]);
    assert_eq!(
        app.principals.list,
        [PolicyPrincipal::Service("appflow.amazonaws.com".into())]
    );
    assert!(app.restricted());
    assert_eq!(app.conditions.len(), 2);
    assert!(
        app.condition_summary()
            .contains(&"ArnLike aws:SourceArn = arn:aws:appflow:us-east-1:111122223333:*".into())
    );
    let service = Caller {
        key: "appflow.amazonaws.com",
        arn: None,
        account: None,
    };
    assert_eq!(app.reaches(&service), Some(Reach::Exact));
    assert_eq!(
        saml.principals.list,
        [PolicyPrincipal::Federated(
            "arn:aws:iam::111122223333:saml-provider/Okta".into()
        )]
    );
    assert!(!saml.covers_read(SECRET), "Describe* does not read");
}

#[test]
fn not_action_not_resource_sessions_and_deleted_principals() {
    let doc = parse(fixture!("notaction-and-deleted")).unwrap();
    let s = &doc.statements[0];
    assert_eq!(
        s.principals.list[0],
        PolicyPrincipal::UniqueId("AROAEXAMPLEDELETED0001".into())
    );
    let session = "arn:aws:sts::111122223333:assumed-role/batch/nightly";
    assert_eq!(
        s.principals.list[1],
        PolicyPrincipal::Session(session.into())
    );
    assert!(s.actions.not && s.resources.not);
    assert!(
        s.covers_read(SECRET),
        "NotAction leaves GetSecretValue allowed"
    );
    let other = "arn:aws:secretsmanager:us-east-1:111122223333:secret:other-db-AbCdEf";
    assert!(!s.covers_read(other), "NotResource excludes it");
    let by_session = Caller {
        key: "arn:aws:iam::111122223333:role/batch",
        arn: Some(session),
        account: Some("111122223333"),
    };
    assert_eq!(s.reaches(&by_session), Some(Reach::Exact));
}

#[test]
fn bad_json_says_where() {
    let err = parse(fixture!("bad-trailing-comma")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 4 column 85: not valid JSON: trailing comma"
    );
}

#[test]
fn a_principal_that_is_not_text_is_an_error_at_its_path() {
    let err = parse(fixture!("bad-principal-number")).unwrap_err();
    assert_eq!(err.at, "Statement[1].Principal.AWS");
    assert_eq!(
        err.message,
        "expected a string or a list of strings, found a number"
    );
}

#[test]
fn other_grammar_mistakes_are_named() {
    let cases = [
        ("", "document: empty text"),
        ("[]", "document: expected a JSON object"),
        ("{\"Version\": \"2012-10-17\"}", "document: no Statement"),
        (
            r#"{"Statement": [{"Effect": "allow", "Principal": "*", "Action": "*"}]}"#,
            "Statement[1].Effect: expected \"Allow\" or \"Deny\", found a string",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Action": "*"}]}"#,
            "Statement[1]: no Principal or NotPrincipal (a resource policy must name who it applies to)",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Principal": "*"}]}"#,
            "Statement[1]: no Action or NotAction",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Principal": "arn:aws:iam::1:root", "Action": "*"}]}"#,
            "Statement[1].Principal: expected \"*\" or an object such as {\"AWS\": ...}, found a string",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Condition": {"StringEquals": "x"}}]}"#,
            "Statement[1].Condition.StringEquals: expected an object of condition keys, found a string",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse(text).unwrap_err().to_string(), want, "{text}");
    }
}

#[test]
fn actions_match_wildcards_without_case() {
    let p = |list: &[&str]| Patterns {
        not: false,
        list: list.iter().map(|s| s.to_string()).collect(),
    };
    for yes in [
        "*",
        "secretsmanager:*",
        "SecretsManager:GetSecretValue",
        "secretsmanager:Get*",
        "secretsmanager:GetSecret?alue",
    ] {
        assert!(p(&[yes]).matches(READ_ACTION, true), "{yes}");
    }
    for no in [
        "secretsmanager:Describe*",
        "kms:*",
        "secretsmanager:GetResourcePolicy",
    ] {
        assert!(!p(&[no]).matches(READ_ACTION, true), "{no}");
    }
}

#[test]
fn account_principals_are_twelve_digits_or_the_root_arn() {
    assert_eq!(
        aws_principal("arn:aws:iam::111122223333:root".into()),
        PolicyPrincipal::Account("111122223333".into())
    );
    assert_eq!(
        aws_principal("111122223333".into()),
        PolicyPrincipal::Account("111122223333".into())
    );
    assert!(matches!(
        aws_principal("arn:aws:iam::111122223333:group/ops".into()),
        PolicyPrincipal::Other { .. }
    ));
}
