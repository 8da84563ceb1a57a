//! Command-line interface.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "strongroom",
    version,
    about = "Operations console for AWS Secrets Manager: inventory, rotation, replication, access.",
    after_help = "Read-only unless --allow-write. Secret values are never read for the inventory.\n\
                  Logs: set STRONGROOM_LOG=debug to write a log file in the state directory."
)]
pub struct Cli {
    /// Open the bundled demo fleet (no AWS account needed).
    #[arg(long, global = true, conflicts_with_all = ["snapshot", "profile", "endpoint_url"])]
    pub demo: bool,

    /// Open a snapshot file offline instead of calling AWS.
    #[arg(long, global = true, value_name = "FILE", conflicts_with_all = ["profile", "endpoint_url"])]
    pub snapshot: Option<PathBuf>,

    /// AWS profile to read (repeatable: several accounts at once). Default: the default chain.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Vec<String>,

    /// Region to read (repeatable). Default: each profile's region.
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Vec<String>,

    /// Send AWS calls to this endpoint (e.g. the local emulator). AWS_ENDPOINT_URL works too.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Read every ACTIVE account of the AWS Organization (Organizations ListAccounts from the
    /// management or a delegated-administrator account), through --assume-role.
    #[arg(long, global = true, conflicts_with_all = ["demo", "snapshot"])]
    pub org: bool,

    /// Only the accounts under this organizational unit (ou-xxxx-xxxxxxxx; its child units
    /// too). Repeatable; implies --org.
    #[arg(long = "org-ou", global = true, value_name = "OU", conflicts_with_all = ["demo", "snapshot"])]
    pub org_ou: Vec<String>,

    /// Accounts to read: ids, names or globs (`payments-*`), comma-separated or repeated; `!`
    /// excludes (`!*-sandbox`). Without --org, plain ids name the accounts to assume into.
    #[arg(long, global = true, value_name = "LIST", value_delimiter = ',', conflicts_with_all = ["demo", "snapshot"])]
    pub accounts: Vec<String>,

    /// Role to assume in every account but the caller's: a name (arn:aws:iam::ACCOUNT:role/NAME)
    /// or an ARN with {account} in it.
    #[arg(long, global = true, value_name = "NAME", conflicts_with_all = ["demo", "snapshot"])]
    pub assume_role: Option<String>,

    /// External id the roles require (passed to every AssumeRole).
    #[arg(long, global = true, value_name = "ID", requires = "assume_role")]
    pub external_id: Option<String>,

    /// Read every region enabled in each account (Account ListRegions), opt-in ones included.
    #[arg(long, global = true, conflicts_with_all = ["demo", "snapshot"])]
    pub all_regions: bool,

    /// Account/region cells loading at once (default 256).
    #[arg(long, global = true, value_name = "N")]
    pub max_cells: Option<usize>,

    /// Where local state (logs, caches, journals) lives. Default: the XDG state directory.
    #[arg(long, global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// CloudTrail log files or folders (.json, .json.gz, AWSLogs/... trees); repeatable.
    /// Alone they are an offline source: no AWS call unless --aws, --profile, --region or
    /// --endpoint-url is given too. `s3://bucket/AWSLogs/o-xxx/` reads a trail's files from
    /// S3 instead, for `events` windows: only the account, region and day folders needed,
    /// each file cached by key and ETag.
    #[arg(long, global = true, value_name = "PATH")]
    pub cloudtrail: Vec<PathBuf>,

    /// Read live AWS with the default credentials even when --cloudtrail is given (log files
    /// alone are read offline).
    #[arg(long, global = true, conflicts_with_all = ["demo", "snapshot"])]
    pub aws: bool,

    /// The organization trail's Athena table (`database.table`, or a table of
    /// --athena-database): events over long windows come from it, LookupEvents answers only
    /// the minutes the trail has not delivered yet. `strongroom trail athena-ddl` makes one.
    #[arg(long, global = true, value_name = "TABLE", conflicts_with_all = ["demo", "snapshot"])]
    pub athena: Option<String>,

    /// The Athena database of --athena when the table is not written `database.table`.
    #[arg(long, global = true, value_name = "NAME", default_value = "default")]
    pub athena_database: String,

    /// The Athena work group the queries run in.
    #[arg(long, global = true, value_name = "NAME", default_value = "primary")]
    pub athena_workgroup: String,

    /// Where Athena writes query results (s3://bucket/prefix/). Default: the work group's.
    #[arg(long, global = true, value_name = "S3_URL")]
    pub athena_output: Option<String>,

    /// The region Athena runs in. Default: the first --region.
    #[arg(long, global = true, value_name = "REGION")]
    pub athena_region: Option<String>,

    /// The account whose credentials run the queries (through --assume-role when it is not
    /// the caller's). Default: the caller's.
    #[arg(long, global = true, value_name = "ID")]
    pub athena_account: Option<String>,

    /// Audit policy (TOML). Default: <config dir>/policy.toml if present, else built-in defaults.
    #[arg(long, global = true, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// The team's secrets registry (TOML). Default: <config dir>/registry.toml if present.
    #[arg(long, global = true, value_name = "FILE")]
    pub registry: Option<PathBuf>,

    /// Allow AWS writes (each still needs a preview and a typed confirmation).
    #[arg(long, global = true)]
    pub allow_write: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the inventory and exit (0 on success, 2 if any account/region failed).
    Inventory {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Check the loaded secrets against the registry for one environment, for CI: every
    /// required secret exists, is not being deleted, has an AWSCURRENT version, carries the
    /// required tags, rotates often enough and is replicated where declared; forbidden ones are
    /// absent. No value is read. Exit 0 all hold, 1 something is missing or wrong, 2 the check
    /// could not be made.
    Verify {
        /// The environment to check (one of the registry's `environments`).
        #[arg(long)]
        env: String,
        #[arg(long, value_enum, default_value_t = VerifyFormat::Table)]
        format: VerifyFormat,
    },
    /// Evaluate the compliance rules and print the findings.
    /// Exit 0 when nothing reaches --fail-on, 1 when something does, 2 on errors.
    Audit {
        #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
        format: AuditFormat,
        /// The lowest severity that makes the exit code 1.
        #[arg(long, value_enum, default_value_t = FailOn::High)]
        fail_on: FailOn,
    },
    /// Access events: who read what, when, from where (CloudTrail live, snapshots, log files).
    Events {
        /// A secret by name or ARN; its replicas' events are included.
        #[arg(long, value_name = "ID")]
        secret: Option<String>,
        /// A principal: its ARN, role ARN, user name or access key id.
        #[arg(long, value_name = "ARN")]
        principal: Option<String>,
        /// An event name, e.g. GetSecretValue.
        #[arg(long, value_name = "NAME")]
        event: Option<String>,
        /// Start of the window: 30m, 24h, 7d, 90d or an RFC 3339 time.
        #[arg(long, default_value = "7d")]
        since: String,
        /// End of the window (default now).
        #[arg(long)]
        until: Option<String>,
        /// Only failed calls.
        #[arg(long)]
        errors_only: bool,
        /// Only writes.
        #[arg(long)]
        writes_only: bool,
        /// Alerts from the registry instead of events, as JSON lines (one per alert; exit 1 when
        /// any): reads outside deployment (a principal that is not a consumer of that key in
        /// that environment), principals never seen before the window, break-glass use without
        /// a rotation after it.
        #[arg(long)]
        alerts: bool,
        /// With --alerts: how far before --since the history that tells known principals from
        /// new ones reaches.
        #[arg(long, default_value = "14d", value_name = "SPAN")]
        baseline: String,
        /// Print each Athena query's SQL (on standard error) as it is sent.
        #[arg(long)]
        show_sql: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The organization trail: the Athena table Strongroom's queries read.
    Trail {
        #[command(subcommand)]
        command: TrailCommand,
    },
    /// Runbooks: check them before anyone needs them.
    Runbook {
        #[command(subcommand)]
        command: RunbookCommand,
    },
    /// Incidents: runs of a runbook, journaled step by step in the state directory.
    Incident {
        #[command(subcommand)]
        command: IncidentCommand,
    },
    /// Snapshot files: capture the current source for offline review.
    Snapshot {
        #[command(subcommand)]
        command: SnapshotCommand,
    },
    /// The secrets registry: draft one from what is loaded.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// DR drill: replication matrix, version parity, replica keys and what a failover to the DR
    /// region would serve, timed per phase. Exit 0 when every secret passes, 1 when one fails,
    /// 2 on errors (a region unreadable, a read or a rehearsal that could not be done).
    Drill(DrillArgs),
    /// Leak triage: which secret and version a leaked value is, and whether it is still
    /// AWSCURRENT. The value comes from standard input or --value-file (a masked prompt on a
    /// terminal), never from the command line; it is never shown, and nothing derived from it
    /// is printed, logged or stored. Versions are read only with --read-values. Exit 0 a
    /// match, 1 no match, 2 the check could not be made (or was only planned).
    LeakCheck(LeakCheckArgs),
    /// Access review: who can read each secret (resource policy) against who did (CloudTrail),
    /// a decision per secret, and a sealed evidence pack.
    Review {
        #[command(subcommand)]
        command: ReviewCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Create (or open) this quarter's review: load the inventory, each secret's resource
    /// policy (cached) and the window's reads, keep what was seen with the review, print it.
    /// Exit 0, or 2 when a region or a policy could not be read (the rest is still shown).
    Start {
        /// How far back reads count: 30d, 90d, 12w.
        #[arg(long, default_value = "90d")]
        window: String,
        /// A `*` glob on secret names (default: every secret).
        #[arg(long, value_name = "GLOB")]
        secrets: Option<String>,
        /// Who reviews (default: $USER).
        #[arg(long, value_name = "NAME")]
        reviewer: Option<String>,
        /// Fetch every resource policy again instead of using the cached ones.
        #[arg(long)]
        refresh_policies: bool,
        /// Start a new review even if this quarter has one with the same window, scope and
        /// source (which is otherwise opened again, its decisions kept).
        #[arg(long)]
        new: bool,
    },
    /// Record a decision on a secret: keep, revoke PRINCIPAL, change-owner WHO, follow-up.
    Decide {
        /// The secret: name or ARN.
        secret: String,
        /// keep | revoke | change-owner | follow-up
        action: String,
        /// The principal to revoke, or the new owner.
        target: Option<String>,
        /// Why, for the auditor.
        #[arg(long)]
        note: String,
        /// Who decides (default: $USER).
        #[arg(long, value_name = "NAME")]
        reviewer: Option<String>,
        /// The review (default: the latest started or opened).
        #[arg(long, value_name = "ID")]
        review: Option<String>,
    },
    /// The review's table with the decisions recorded; exit 1 if its decision log was changed.
    Show {
        #[arg(long, value_name = "ID")]
        review: Option<String>,
        /// Only secrets whose name matches this `*` glob.
        #[arg(long, value_name = "GLOB")]
        secrets: Option<String>,
    },
    /// Every review in the state directory, the latest first.
    List,
    /// The evidence pack: inventory (metadata only), policies, observed access, decisions,
    /// reviewer and time, with a SHA-256 written in it. Exit 1 if the decision log was changed.
    Export {
        #[arg(long, value_enum, default_value_t = ReviewFormat::Markdown)]
        format: ReviewFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        #[arg(long, value_name = "ID")]
        review: Option<String>,
    },
    /// Recompute an exported pack's SHA-256: exit 0 intact, 1 changed, 2 not a pack.
    Verify { file: PathBuf },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReviewFormat {
    Markdown,
    Csv,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct DrillArgs {
    /// The DR region (read in addition to the --region list if missing from it).
    #[arg(long, value_name = "REGION")]
    pub dr_region: String,
    /// A `*` glob on secret names. Default: every primary the policy requires in the DR region,
    /// plus every primary already replicated there.
    #[arg(long, value_name = "GLOB")]
    pub secrets: Option<String>,
    /// Also read AWSCURRENT in the primary's and the DR region (live AWS only), compare SHA-256
    /// fingerprints in memory and show their first 8 hex characters. The reads are in CloudTrail.
    #[arg(long)]
    pub verify_values: bool,
    /// Promote the DR replica of each selected secret tagged DrillFixture=true
    /// (StopReplicationToReplica), check it, then replicate it again. Needs --allow-write and
    /// a typed confirmation.
    #[arg(long)]
    pub rehearse_promotion: bool,
    /// The confirmation text for scripts (`promote N in REGION`) instead of asking on stdin.
    #[arg(long, value_name = "TEXT", requires = "rehearse_promotion")]
    pub confirm: Option<String>,
    #[arg(long, value_enum, default_value_t = DrillFormat::Table)]
    pub format: DrillFormat,
}

#[derive(Debug, clap::Args)]
pub struct LeakCheckArgs {
    /// Read the suspected value from this file instead of standard input.
    #[arg(long, value_name = "FILE")]
    pub value_file: Option<PathBuf>,
    /// Keep a trailing line break (by default one `\n` or `\r\n` at the end is dropped).
    #[arg(long)]
    pub exact: bool,
    /// Candidates: `*` globs on secret names (repeatable). Default: every secret loaded.
    #[arg(long, value_name = "GLOB")]
    pub secrets: Vec<String>,
    /// Candidates: the secrets of one environment (the registry's names for it when one is
    /// loaded, else the environment in the name or tags).
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Candidates: only secrets a registry key names.
    #[arg(long)]
    pub registered: bool,
    /// Read the candidates' AWSCURRENT, AWSPREVIOUS and AWSPENDING versions. Without it the
    /// check says what it would read and reads nothing.
    #[arg(long)]
    pub read_values: bool,
    /// Above this many version reads, ask for confirmation (or --confirm-reads).
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub max_reads: usize,
    /// Confirms the number of reads for scripts, instead of asking on the terminal.
    #[arg(long, value_name = "N")]
    pub confirm_reads: Option<usize>,
    /// The incident these reads are for (journaled; the compromised-secret runbook's
    /// `leak_match` step reads it).
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
    /// Why the values are read (journaled). --incident or --reason is required to read.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    #[arg(long, value_enum, default_value_t = LeakFormat::Table)]
    pub format: LeakFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LeakFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DrillFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Subcommand)]
pub enum RunbookCommand {
    /// Validate runbook files (default: every runbooks/*.toml); exit 0 when all are valid, 2
    /// otherwise, each error as file:line: field: message.
    Validate { files: Vec<PathBuf> },
    /// List the runbooks (built in, ./runbooks, <config dir>/runbooks) and their parameters.
    List,
    /// Start a runbook: run its automatic steps and stop at the first manual step, decision or
    /// write to approve, saying so. Continue with `incident resume ID`.
    Run {
        /// A runbook id (see `runbook list`) or a path to a .toml file.
        name: String,
        /// A parameter, NAME=VALUE (repeatable), e.g. --param secret=prod/db.
        #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Print the whole runbook with these parameters: every step, checklist, branch and
        /// the exact request of every read and write. Sends nothing and journals nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Every incident, newest first, with its status and whether its journal chain holds.
    List,
    /// Continue an incident: automatic steps run, and each manual step, decision and write
    /// approval is asked on this terminal. An empty answer pauses again.
    Resume { id: String },
    /// The incident's timeline (UTC), evidence, time to contain and rotate, and open
    /// follow-ups. Exit 1 when the journal's hash chain does not hold.
    Export {
        id: String,
        #[arg(long, value_enum, default_value_t = IncidentFormat::Markdown)]
        format: IncidentFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Find the CloudTrail event of each write the incident made and journal its event id
    /// (CloudTrail shows events up to 15 minutes late; run it again for the rest).
    Trail { id: String },
    /// The leak checks journaled (who read values, when, why, what matched), newest first.
    LeakChecks {
        /// Only this incident's.
        #[arg(long, value_name = "ID")]
        incident: Option<String>,
    },
    /// End an incident for good, with the reason journaled.
    Abort {
        id: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IncidentFormat {
    Markdown,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Draft a registry from the loaded inventory (keys from names, environments where each
    /// exists, cadence from rotation rules, DR regions from replicas, consumers from the last
    /// 90 days of reads), for the team to review. Reads no value.
    Init {
        /// Write it here instead of standard output (never over an existing file without --force).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Write the inventory (and events, where the source has them) to a versioned JSON file.
    Export {
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    Table,
    Json,
    Junit,
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Table,
    Json,
    Csv,
    Markdown,
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    pub fn severity(self) -> crate::audit::Severity {
        use crate::audit::Severity;
        match self {
            Self::Info => Severity::Info,
            Self::Low => Severity::Low,
            Self::Medium => Severity::Medium,
            Self::High => Severity::High,
            Self::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum TrailCommand {
    /// Print the CREATE DATABASE and CREATE TABLE statements for an organization trail, with
    /// partition projection over account, region and day (no partition to add by hand). Run
    /// them in Athena one after the other.
    AthenaDdl {
        /// The trail's S3 bucket.
        #[arg(long, value_name = "BUCKET")]
        bucket: String,
        /// The organization id (o-xxxxxxxxxx): the trail writes under AWSLogs/<org id>/.
        #[arg(long, value_name = "ID")]
        org_id: String,
        /// A prefix the trail was given, if any.
        #[arg(long, value_name = "PREFIX", default_value = "")]
        prefix: String,
        /// The database (created if missing).
        #[arg(long, value_name = "NAME", default_value = "strongroom")]
        database: String,
        /// The table.
        #[arg(long, value_name = "NAME", default_value = "org_trail")]
        table: String,
        /// Project these account ids (repeatable or comma-separated). Default: injected (every
        /// query names its accounts, as Strongroom's do).
        #[arg(long = "account", value_name = "ID", value_delimiter = ',')]
        accounts: Vec<String>,
        /// The trail's first day (yyyy/MM/dd).
        #[arg(long, value_name = "DAY", default_value = "2020/01/01")]
        start_day: String,
    },
}
