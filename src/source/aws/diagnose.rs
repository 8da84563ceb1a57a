//! What went wrong talking to AWS, in one sentence with the next step. The SDK's error chain
//! (a dozen lines of `DispatchFailure(ConnectorError { ... })`) goes to the log; the operator
//! reads which of a few known situations this is and what to type next.

/// The situations a first-time user meets, each with its own next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    NoCredentials,
    SsoExpired,
    CredentialsExpired,
    ProfileNotFound,
    InvalidCredentials,
    AccessDenied,
    ClockSkew,
    RegionNotEnabled,
    Unreachable,
    TimedOut,
    Throttled,
    ServiceDown,
    Other,
}

/// What is known of the call that failed, for the sentence.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The profile whose credentials were used (None: the default chain).
    pub profile: Option<&'a str>,
    pub region: Option<&'a str>,
}

/// Sorts an error by its code (when AWS answered) and the text of its whole chain.
pub fn problem(code: Option<&str>, chain: &str) -> Problem {
    let text = chain.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    match code.unwrap_or("") {
        "RequestTimeTooSkewed" => return Problem::ClockSkew,
        "InvalidSignatureException" | "SignatureDoesNotMatch"
            if has(&["signature expired", "skew"]) =>
        {
            return Problem::ClockSkew;
        }
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
            return Problem::CredentialsExpired;
        }
        "OptInRequired" => return Problem::RegionNotEnabled,
        "UnrecognizedClientException" | "InvalidClientTokenId" => {
            return Problem::InvalidCredentials;
        }
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => {
            return Problem::AccessDenied;
        }
        "ThrottlingException"
        | "Throttling"
        | "TooManyRequestsException"
        | "RequestLimitExceeded" => return Problem::Throttled,
        "ServiceUnavailable" | "ServiceUnavailableException" | "InternalFailure" => {
            return Problem::ServiceDown;
        }
        _ => {}
    }
    if has(&["sso"]) && has(&["expired", "token", "refresh"]) {
        Problem::SsoExpired
    } else if has(&[
        "was not defined",
        "is not defined",
        "could not find source profile",
        "profilenotdefined",
        "no profile",
        "profile not found",
    ]) {
        Problem::ProfileNotFound
    } else if has(&[
        "no credentials",
        "credentials not loaded",
        "credentialsnotloaded",
        "loading credentials",
        "no providers in chain",
        "imds",
    ]) {
        Problem::NoCredentials
    } else if has(&["expired"]) && has(&["token", "credential"]) {
        Problem::CredentialsExpired
    } else if has(&["not enabled", "opt-in", "optin"]) {
        Problem::RegionNotEnabled
    } else if has(&["timed out", "timeout"]) {
        Problem::TimedOut
    } else if has(&[
        "dns error",
        "failed to lookup",
        "name or service not known",
        "connection refused",
        "connect error",
        "io error",
        "dispatch failure",
        "tcp connect",
        "network is unreachable",
    ]) {
        Problem::Unreachable
    } else {
        Problem::Other
    }
}

/// The sentence an operator reads, with AWS's own one-line answer first when it gave one (it
/// names the action and the identity that were refused).
pub fn explain(problem: Problem, ctx: Context<'_>, code: Option<&str>, said: &str) -> String {
    let said = said.lines().next().unwrap_or("").trim();
    match (problem, code) {
        (Problem::Other, Some(code)) if !said.is_empty() => format!("{code}: {said}"),
        (Problem::Other, Some(code)) => code.to_string(),
        (Problem::AccessDenied, Some(code)) if !said.is_empty() => {
            format!("{code}: {said}. {}", sentence(problem, ctx, None))
        }
        // The connection's own last word (`connection refused`) says which network problem.
        (Problem::Unreachable | Problem::TimedOut, _) if !said.is_empty() => {
            let region = ctx.region.unwrap_or("this region");
            let next = sentence(problem, ctx, code);
            let rest = next.split_once(": ").map_or("", |(_, r)| r);
            let head = if problem == Problem::Unreachable {
                format!("Cannot reach AWS in {region}")
            } else {
                format!("AWS in {region} did not answer in time")
            };
            format!("{head} ({said}): {rest}")
        }
        _ => sentence(problem, ctx, code),
    }
}

/// The sentence an operator reads: what happened and what to do next.
pub fn sentence(problem: Problem, ctx: Context<'_>, code: Option<&str>) -> String {
    let who = ctx
        .profile
        .map_or("the default credentials".to_string(), |p| {
            format!("profile {p}")
        });
    let login = format!("aws sso login --profile {}", ctx.profile.unwrap_or("NAME"));
    let region = ctx.region.unwrap_or("this region");
    let code = code.map(|c| format!(" ({c})")).unwrap_or_default();
    match problem {
        Problem::NoCredentials => format!(
            "No AWS credentials found{}: run `aws configure` or `{login}`, pass \
             --profile NAME, or try `strongroom --demo` to look around without an account.",
            ctx.profile
                .map(|p| format!(" for profile {p}"))
                .unwrap_or_default()
        ),
        Problem::SsoExpired => format!(
            "The SSO session of {who} has expired or was never started: run `{login}`, then \
             press r (or run the command again)."
        ),
        Problem::CredentialsExpired => format!(
            "The credentials of {who} have expired{code}: refresh them (`{login}`, or new keys \
             with `aws configure`) and try again."
        ),
        Problem::ProfileNotFound => format!(
            "{} is not in ~/.aws/config or ~/.aws/credentials: check the name with `aws \
             configure list-profiles`, or pass another --profile.",
            capitalise(&who)
        ),
        Problem::InvalidCredentials => format!(
            "AWS does not recognise the credentials of {who}{code} in {region}: check the keys \
             (`aws configure`), or whether {region} is enabled for the account (--region)."
        ),
        Problem::AccessDenied => format!(
            "AWS denied {who} in {region}{code}: the identity needs secretsmanager:ListSecrets \
             and DescribeSecret (cloudtrail:LookupEvents for events); try another --profile."
        ),
        Problem::ClockSkew => format!(
            "This machine's clock is off, so AWS refused the signed request{code}: set the \
             clock right (e.g. `timedatectl set-ntp true`) and try again."
        ),
        Problem::RegionNotEnabled => format!(
            "Region {region} is not enabled for the account of {who}{code}: enable it in the \
             account settings, or leave it out of --region."
        ),
        Problem::Unreachable => format!(
            "Cannot reach AWS in {region}: check the network or proxy, the region name \
             (--region), and --endpoint-url if one is set."
        ),
        Problem::TimedOut => format!(
            "AWS in {region} did not answer in time: check the network or proxy, then press r \
             (or run the command again)."
        ),
        Problem::Throttled => format!(
            "AWS throttled the calls in {region}{code} even after retries: wait a minute, then \
             press r (or run the command again)."
        ),
        Problem::ServiceDown => format!(
            "Secrets Manager in {region} is unavailable{code}: the other regions keep working; \
             press r later."
        ),
        Problem::Other => format!(
            "AWS answered with an error in {region}{code}: the full error is in the log \
             (STRONGROOM_LOG=debug)."
        ),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_CREDENTIALS: &str = "dispatch failure: other: an error occurred while loading \
        credentials: failed to load IMDS session token: dispatch failure: io error: error \
        trying to connect: tcp connect error: Connection refused (os error 111)";

    fn say(code: Option<&str>, chain: &str, profile: Option<&str>) -> String {
        let ctx = Context {
            profile,
            region: Some("eu-central-1"),
        };
        sentence(problem(code, chain), ctx, code)
    }

    #[test]
    fn no_credentials_says_what_to_run_in_one_line() {
        assert_eq!(problem(None, NO_CREDENTIALS), Problem::NoCredentials);
        let s = say(None, NO_CREDENTIALS, None);
        assert!(s.starts_with("No AWS credentials found"), "{s}");
        for step in [
            "aws configure",
            "aws sso login",
            "--profile",
            "strongroom --demo",
        ] {
            assert!(s.contains(step), "{step}: {s}");
        }
        assert!(!s.contains('\n') && !s.contains("DispatchFailure") && !s.contains("IMDS"));
    }

    #[test]
    fn each_known_situation_has_its_own_next_step() {
        let cases: [(Option<&str>, &str, Problem, &str); 8] = [
            (
                None,
                "the SSO token for profile dev has expired; refresh failed",
                Problem::SsoExpired,
                "aws sso login --profile dev",
            ),
            (
                None,
                "ProfileFile provider could not be built: profile `nope` was not defined",
                Problem::ProfileNotFound,
                "list-profiles",
            ),
            (
                Some("AccessDeniedException"),
                "User is not authorized to perform secretsmanager:ListSecrets",
                Problem::AccessDenied,
                "secretsmanager:ListSecrets",
            ),
            (
                None,
                "dispatch failure: io error: dns error: failed to lookup address",
                Problem::Unreachable,
                "--endpoint-url",
            ),
            (
                Some("UnrecognizedClientException"),
                "The security token included in the request is invalid",
                Problem::InvalidCredentials,
                "is enabled",
            ),
            (
                Some("OptInRequired"),
                "region not enabled",
                Problem::RegionNotEnabled,
                "leave it out of --region",
            ),
            (
                Some("InvalidSignatureException"),
                "Signature expired: 20261203T060000Z is now earlier than 20261203T061500Z",
                Problem::ClockSkew,
                "clock",
            ),
            (
                Some("ExpiredTokenException"),
                "The security token included in the request is expired",
                Problem::CredentialsExpired,
                "aws sso login --profile dev",
            ),
        ];
        for (code, chain, want, step) in cases {
            assert_eq!(problem(code, chain), want, "{chain}");
            let s = say(code, chain, Some("dev"));
            assert!(s.contains(step), "{want:?}: {s}");
        }
    }
}
