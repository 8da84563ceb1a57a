//! The CREATE TABLE for an organization trail in Athena, with partition projection over
//! (account, region, day) so no partition is ever added by hand, and the columns Strongroom's
//! queries need from it.

/// An identifier in Athena's DDL (Hive): backquoted, backquotes doubled. (Queries are Trino
/// and quote with double quotes: `sql::quote_ident`.)
pub fn hive_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Where the trail is and how the table is named.
#[derive(Debug, Clone)]
pub struct TrailTable {
    pub database: String,
    pub table: String,
    pub bucket: String,
    /// `o-xxxxxxxxxx`: organization trails deliver under `AWSLogs/<org id>/<account>/...`.
    pub org_id: String,
    /// A prefix the trail was given (empty: none).
    pub prefix: String,
    /// Account ids to project; empty: `injected` (every query names its accounts).
    pub accounts: Vec<String>,
    /// Regions to project.
    pub regions: Vec<String>,
    /// First day of the trail, `yyyy/MM/dd`.
    pub start_day: String,
}

/// The columns Strongroom reads, by name; a hand-made table missing one is named in the error.
pub const COLUMNS: &[&str] = &[
    "eventid",
    "eventtime",
    "eventsource",
    "eventname",
    "awsregion",
    "recipientaccountid",
    "sourceipaddress",
    "useragent",
    "errorcode",
    "errormessage",
    "readonly",
    "eventtype",
    "requestid",
    "requestparameters",
    "responseelements",
    "useridentity",
];

/// Every region enabled by default, plus the opt-in ones, for the region projection.
pub const ALL_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-central-2",
    "ap-south-1",
    "ap-south-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-east-1",
    "me-south-1",
    "me-central-1",
    "af-south-1",
    "il-central-1",
];

impl TrailTable {
    /// `s3://bucket/[prefix/]AWSLogs/o-xxx/`
    pub fn location(&self) -> String {
        let prefix = self.prefix.trim_matches('/');
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        format!("s3://{}/{prefix}AWSLogs/{}/", self.bucket, self.org_id)
    }

    pub fn ddl(&self) -> String {
        let name = format!("{}.{}", hive_ident(&self.database), hive_ident(&self.table));
        let location = self.location();
        let account_projection = if self.accounts.is_empty() {
            "  'projection.account.type' = 'injected',\n".to_string()
        } else {
            format!(
                "  'projection.account.type' = 'enum',\n  'projection.account.values' = '{}',\n",
                self.accounts.join(",")
            )
        };
        let regions = if self.regions.is_empty() {
            ALL_REGIONS.join(",")
        } else {
            self.regions.join(",")
        };
        format!(
            "CREATE EXTERNAL TABLE IF NOT EXISTS {name} (
  eventversion STRING,
  useridentity STRUCT<
    type: STRING,
    principalid: STRING,
    arn: STRING,
    accountid: STRING,
    invokedby: STRING,
    accesskeyid: STRING,
    username: STRING,
    sessioncontext: STRUCT<
      attributes: STRUCT<mfaauthenticated: STRING, creationdate: STRING>,
      sessionissuer: STRUCT<type: STRING, principalid: STRING, arn: STRING, accountid: STRING, username: STRING>,
      sourceidentity: STRING>>,
  eventtime STRING,
  eventsource STRING,
  eventname STRING,
  awsregion STRING,
  sourceipaddress STRING,
  useragent STRING,
  errorcode STRING,
  errormessage STRING,
  requestparameters STRING,
  responseelements STRING,
  additionaleventdata STRING,
  requestid STRING,
  eventid STRING,
  readonly STRING,
  resources ARRAY<STRUCT<arn: STRING, accountid: STRING, type: STRING>>,
  eventtype STRING,
  apiversion STRING,
  recipientaccountid STRING,
  serviceeventdetails STRING,
  sharedeventid STRING,
  vpcendpointid STRING,
  eventcategory STRING,
  tlsdetails STRUCT<tlsversion: STRING, ciphersuite: STRING, clientprovidedhostheader: STRING>
)
COMMENT 'CloudTrail organization trail {org}, made by strongroom trail athena-ddl'
PARTITIONED BY (account STRING, region STRING, day STRING)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '{location}'
TBLPROPERTIES (
  'projection.enabled' = 'true',
{account_projection}  'projection.region.type' = 'enum',
  'projection.region.values' = '{regions}',
  'projection.day.type' = 'date',
  'projection.day.range' = '{start},NOW',
  'projection.day.format' = 'yyyy/MM/dd',
  'projection.day.interval' = '1',
  'projection.day.interval.unit' = 'DAYS',
  'storage.location.template' = '{location}${{account}}/CloudTrail/${{region}}/${{day}}'
);
",
            org = self.org_id,
            start = self.start_day,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> TrailTable {
        TrailTable {
            database: "default".into(),
            table: "org_trail".into(),
            bucket: "acme-org-trail".into(),
            org_id: "o-abc123def4".into(),
            prefix: String::new(),
            accounts: vec!["111111111111".into(), "210987654321".into()],
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            start_day: "2024/01/01".into(),
        }
    }

    #[test]
    fn the_table_projects_account_region_and_day_over_the_org_layout() {
        let ddl = table().ddl();
        // Athena's DDL is Hive's: identifiers in backquotes, not Trino's double quotes.
        assert!(ddl.starts_with("CREATE EXTERNAL TABLE IF NOT EXISTS `default`.`org_trail`"));
        assert_eq!(hive_ident("we`ird"), "`we``ird`");
        assert!(ddl.contains("PARTITIONED BY (account STRING, region STRING, day STRING)"));
        assert!(ddl.contains("LOCATION 's3://acme-org-trail/AWSLogs/o-abc123def4/'"));
        assert!(ddl.contains(
            "'storage.location.template' = 's3://acme-org-trail/AWSLogs/o-abc123def4/${account}/CloudTrail/${region}/${day}'"
        ));
        assert!(ddl.contains("'projection.account.values' = '111111111111,210987654321'"));
        assert!(ddl.contains("'projection.day.range' = '2024/01/01,NOW'"));
        for column in COLUMNS {
            assert!(
                ddl.contains(&format!("  {column} ")),
                "{column} is declared"
            );
        }
    }

    #[test]
    fn no_accounts_are_injected_and_a_prefix_sits_before_awslogs() {
        let mut t = table();
        t.accounts.clear();
        t.prefix = "/trails/".into();
        let ddl = t.ddl();
        assert!(ddl.contains("'projection.account.type' = 'injected'"));
        assert!(ddl.contains("'s3://acme-org-trail/trails/AWSLogs/o-abc123def4/'"));
    }
}
