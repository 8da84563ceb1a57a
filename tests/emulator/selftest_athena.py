"""Self-test of the emulator's Athena: an organization trail in S3 (POST /_strongroom/trail),
tables from Hive DDL with partition projection, Trino SQL run through sqlglot and DuckDB,
partition pruning and DataScannedInBytes, Athena's errors, paging, CSV results.

    python tests/emulator/selftest_athena.py [--url http://127.0.0.1:PORT] [--bench]

Without --url it starts the emulator itself (server.py --port 0) and stops it at the end. Exits
non-zero on the first failed check. Expected answers are computed here, in plain Python, from
the records the test writes, never from the emulator. --bench then generates 1,000,000 records
(POST /_strongroom/trail/generate) and times a 30-day query over them.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any, Callable

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=300)

BUCKET = "org-trail"
RESULTS = "athena-results"
ORG = "o-abc123"
MGMT, PROD, DEV = "111111111111", "222222222222", "333333333333"
OUTSIDER = "444444444444"  # its files are in the bucket, but not in the table's account enum
ACCOUNTS = [MGMT, PROD, DEV]
REGIONS = ["us-east-1", "eu-west-1"]
SECRET = f"arn:aws:secretsmanager:us-east-1:{PROD}:secret:payments/prod/db-AbC123"
SECRET_NAME = "payments/prod/db"
SECRET_PARTIAL = f"arn:aws:secretsmanager:us-east-1:{PROD}:secret:payments/prod/db"
REPLICA = f"arn:aws:secretsmanager:eu-west-1:{PROD}:secret:payments/prod/db-AbC123"
OTHER = f"arn:aws:secretsmanager:us-east-1:{PROD}:secret:orders/prod/api-key-Zz9Yy8"
TODAY = datetime.datetime.now(datetime.timezone.utc).date()
FIRST = TODAY - datetime.timedelta(days=14)
DAYS = [FIRST + datetime.timedelta(days=i) for i in range(10)]


def day_path(d: datetime.date) -> str:
    return d.strftime("%Y/%m/%d")


# The table as AWS documents it for CloudTrail with partition projection (organization trail:
# LOCATION at the organization's folder; account, region and day partitions).
DDL = f"""CREATE EXTERNAL TABLE IF NOT EXISTS strongroom.cloudtrail_org (
    eventversion STRING,
    useridentity STRUCT<
        type: STRING,
        principalid: STRING,
        arn: STRING,
        accountid: STRING,
        invokedby: STRING,
        accesskeyid: STRING,
        username: STRING,
        onbehalfof: STRUCT<
             userid: STRING,
             identitystorearn: STRING>,
        sessioncontext: STRUCT<
            attributes: STRUCT<
                mfaauthenticated: STRING,
                creationdate: STRING>,
            sessionissuer: STRUCT<
                type: STRING,
                principalid: STRING,
                arn: STRING,
                accountid: STRING,
                username: STRING>,
            ec2roledelivery: STRING,
            webidfederationdata: STRUCT<
                federatedprovider: STRING,
                attributes: map<string,string>>
        >
    >,
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
    resources ARRAY<STRUCT<
        arn: STRING,
        accountid: STRING,
        type: STRING>>,
    eventtype STRING,
    apiversion STRING,
    recipientaccountid STRING,
    serviceeventdetails STRING,
    sharedeventid STRING,
    vpcendpointid STRING,
    vpcendpointaccountid STRING,
    eventcategory STRING,
    addendum STRUCT<
      reason:STRING,
      updatedfields:STRING,
      originalrequestid:STRING,
      originaleventid:STRING>,
    sessioncredentialfromconsole STRING,
    edgedevicedetails STRING,
    tlsdetails STRUCT<
      tlsversion:STRING,
      ciphersuite:STRING,
      clientprovidedhostheader:STRING>
  )
PARTITIONED BY (account string, region string, day string)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://{BUCKET}/AWSLogs/{ORG}/'
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.account.type'='enum',
  'projection.account.values'='{",".join(ACCOUNTS)}',
  'projection.region.type'='enum',
  'projection.region.values'='{",".join(REGIONS)}',
  'projection.day.type'='date',
  'projection.day.range'='2020/01/01,NOW',
  'projection.day.format'='yyyy/MM/dd',
  'projection.day.interval'='1',
  'projection.day.interval.unit'='DAYS',
  'storage.location.template'='s3://{BUCKET}/AWSLogs/{ORG}/${{account}}/CloudTrail/${{region}}/${{day}}'
)"""

# Same files, a table without errorcode (COLUMN_NOT_FOUND), an injected account, days from the 4th.
NARROW_DDL = f"""CREATE EXTERNAL TABLE strongroom.cloudtrail_narrow (
    eventtime STRING, eventsource STRING, eventname STRING, requestparameters STRING
)
PARTITIONED BY (account STRING, region STRING, `day` STRING)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
LOCATION 's3://{BUCKET}/AWSLogs/{ORG}/'
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.account.type'='injected',
  'projection.region.type'='enum',
  'projection.region.values'='us-east-1,eu-west-1',
  'projection.day.type'='date',
  'projection.day.range'='{day_path(DAYS[3])},NOW',
  'projection.day.format'='yyyy/MM/dd',
  'storage.location.template'='s3://{BUCKET}/AWSLogs/{ORG}/${{account}}/CloudTrail/${{region}}/${{day}}'
)"""

# No partitions: every object under LOCATION (digest files skipped).
FLAT_DDL = f"""CREATE EXTERNAL TABLE strongroom.cloudtrail_flat (eventname STRING, recipientaccountid STRING)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
LOCATION 's3://{BUCKET}/AWSLogs/{ORG}/'"""

# Trino expressions and the text Athena (Trino) answers for them; README lists them as verified.
# None: NULL (no VarCharValue).
FUNCTIONS: list[tuple[str, str | None]] = [
    ("""json_extract_scalar('{"a":{"b":"x"}}', '$.a.b')""", "x"),
    ("""json_extract_scalar('{"a":[1,2]}', '$.a')""", None),
    ("""json_extract_scalar('{"a":{"b":1}}', '$.a')""", None),
    ("""json_extract_scalar('{"a":[1,2]}', '$.a[1]')""", "2"),
    ("""json_extract_scalar('{"a":true}', '$.a')""", "true"),
    ("""json_extract_scalar('{"a":null}', '$.a')""", None),
    ("""json_extract('{"a":[1,"x"]}', '$.a')""", '[1,"x"]'),
    ("""json_array_length(json_extract('{"a":[1,2,3]}', '$.a'))""", "3"),
    ("""json_array_contains(json_parse('["a","b"]'), 'b')""", "true"),
    ("""json_format(json_parse('{"a": 1}'))""", '{"a":1}'),
    ("""json_size('{"a":[1,2]}', '$.a')""", "2"),
    ("""CAST(json_extract('{"l":["a","b"]}', '$.l') AS ARRAY(VARCHAR))""", "[a, b]"),
    ("""contains(CAST(json_parse('["a","b"]') AS ARRAY(VARCHAR)), 'b')""", "true"),
    ("cardinality(ARRAY[1, 2, 3])", "3"),
    ("element_at(ARRAY['a', 'b'], 2)", "b"),
    ("element_at(ARRAY['a', 'b'], 5)", None),
    ("ARRAY['a', 'b'][1]", "a"),
    ("array_join(ARRAY['a', 'b'], ',')", "a,b"),
    ("any_match(ARRAY[1, 2], x -> x > 1)", "true"),
    ("all_match(ARRAY[1, 2], x -> x > 1)", "false"),
    ("none_match(ARRAY[1, 2], x -> x > 5)", "true"),
    ("any_match(ARRAY[0, NULL], x -> x > 1)", None),
    ("transform(ARRAY[1, 2], x -> x * 2)", "[2, 4]"),
    ("filter(ARRAY[1, 2, 3], x -> x > 1)", "[2, 3]"),
    ("array_distinct(ARRAY[1, 1, 2])", "[1, 2]"),
    ("split('a,b', ',')", "[a, b]"),
    ("split_part('a:b:c', ':', 2)", "b"),
    ("strpos('abc', 'c')", "3"),
    ("substr('abcdef', 2, 3)", "bcd"),
    ("length('abc')", "3"),
    ("lower('AbC') || upper('d')", "abcD"),
    ("replace('aXbX', 'X', 'y')", "ayby"),
    ("trim('  a ')", "a"),
    ("lpad('7', 3, '0')", "007"),
    ("concat('a', 'b', 'c')", "abc"),
    ("concat('a', NULL)", None),
    ("starts_with('arn:aws', 'arn')", "true"),
    ("regexp_like('arn:aws:secretsmanager', '^arn:aws:[a-z]+$')", "true"),
    ("regexp_extract('db-AbC123', '-([A-Za-z0-9]{6})$', 1)", "AbC123"),
    ("regexp_extract('abc', 'x(.)', 1)", None),
    ("regexp_extract('abc', 'b.')", "bc"),
    ("regexp_replace('a-b-c', '-', '')", "abc"),
    ("regexp_replace('db-AbC123', '-([A-Za-z0-9]{6})$', '/$1')", "db/AbC123"),
    ("from_iso8601_timestamp('2026-11-20T10:05:07Z')", "2026-11-20 10:05:07.000 UTC"),
    ("to_iso8601(from_iso8601_timestamp('2026-11-20T10:05:07Z'))", "2026-11-20T10:05:07.000Z"),
    ("date_format(from_iso8601_timestamp('2026-11-20T10:05:07Z'), '%Y/%m/%d %H:%i:%s')", "2026/11/20 10:05:07"),
    ("format_datetime(from_iso8601_timestamp('2026-11-20T10:05:07Z'), 'yyyy/MM/dd HH:mm')", "2026/11/20 10:05"),
    ("date_parse('2026/11/20', '%Y/%m/%d')", "2026-11-20 00:00:00.000"),
    ("parse_datetime('2026/11/20', 'yyyy/MM/dd')", "2026-11-20 00:00:00.000 UTC"),
    ("date_trunc('day', from_iso8601_timestamp('2026-11-20T10:05:07Z'))", "2026-11-20 00:00:00.000 UTC"),
    ("date_diff('day', from_iso8601_timestamp('2026-11-20T23:00:00Z'), from_iso8601_timestamp('2026-11-22T01:00:00Z'))",
     "1"),
    ("date_diff('hour', from_iso8601_timestamp('2026-11-20T23:30:00Z'), from_iso8601_timestamp('2026-11-21T01:00:00Z'))",
     "1"),
    ("CAST(from_iso8601_timestamp('2026-11-20T23:00:00Z') AS DATE)", "2026-11-20"),
    ("date(from_iso8601_timestamp('2026-11-20T23:00:00Z'))", "2026-11-20"),
    ("CAST(from_iso8601_timestamp('2026-11-20T23:00:00Z') AS VARCHAR)", "2026-11-20 23:00:00.000 UTC"),
    ("from_iso8601_timestamp('2026-11-20T10:00:00Z') < from_iso8601_timestamp('2026-11-20T10:00:01Z')", "true"),
    ("from_iso8601_timestamp('2026-11-20T10:00:00Z') >= TIMESTAMP '2026-11-20 10:00:00'", "true"),
    ("year(from_iso8601_timestamp('2026-11-20T10:00:00Z'))", "2026"),
    ("hour(from_iso8601_timestamp('2026-11-20T10:00:00Z'))", "10"),
    ("from_unixtime(0)", "1970-01-01 00:00:00.000 UTC"),
    ("CAST('2026-11-20' AS DATE)", "2026-11-20"),
    ("7 / 2", "3"),
    ("7 % 3", "1"),
    ("7.0 / 2", "3.5"),
    ("CAST(7 AS DOUBLE) / 2", "3.5"),
    ("1e0 / 3", "0.3333333333333333"),
    ("1e10", "1.0E10"),
    ("round(2.5)", "3"),
    ("try(CAST('x' AS INTEGER))", None),
    ("coalesce(NULL, 'b')", "b"),
    ("nullif('a', 'a')", None),
    ("if(1 > 0, 'y', 'n')", "y"),
    ("greatest(1, 5, 3)", "5"),
    ("'b' BETWEEN 'a' AND 'c'", "true"),
    ("'ab' LIKE 'a%'", "true"),
    ("NULL IS DISTINCT FROM 1", "true"),
    ("CAST(ROW(1, 'a') AS ROW(x INTEGER, y VARCHAR))", "{x=1, y=a}"),
    ("MAP(ARRAY['k'], ARRAY['v'])", "{k=v}"),
    ("CAST(CAST(ROW('a') AS ROW(arn VARCHAR)) AS JSON)", '{"arn":"a"}'),
    ("true", "true"),
    ("DATE '2026-11-20'", "2026-11-20"),
    ("map_keys(MAP(ARRAY['k'], ARRAY['v']))", "[k]"),
    ("array_sort(ARRAY['b', 'a'])", "[a, b]"),
    ("CASE WHEN 1 = 2 THEN 'x' ELSE 'y' END", "y"),
]

checks = 0


def check(cond: Any, what: str) -> None:
    global checks
    checks += 1
    if not cond:
        raise AssertionError(what)


# ---- the records --------------------------------------------------------------------------------


class Records:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.n = 0

    def add(self, account: str, region: str, day: datetime.date, source: str, name: str,
            params: Any = None, resources: list[str] | None = None, error: str | None = None,
            identity: dict[str, Any] | None = None, second: int | None = None) -> dict[str, Any]:
        self.n += 1
        sec = self.n * 37 % 86000 if second is None else second
        when = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc) + datetime.timedelta(
            seconds=sec)
        ident = identity or {
            "type": "AssumedRole",
            "principalId": f"AROAEXAMPLE{account[:4]}:app",
            "arn": f"arn:aws:sts::{account}:assumed-role/app-task/app",
            "accountId": account,
            "accessKeyId": f"ASIAEXAMPLE{self.n:08d}",
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": f"AROAEXAMPLE{account[:4]}",
                                  "arn": f"arn:aws:iam::{account}:role/app-task", "accountId": account,
                                  "userName": "app-task"},
                "attributes": {"creationDate": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "mfaAuthenticated": "false"},
            },
        }
        rec: dict[str, Any] = {
            "eventVersion": "1.11",
            "userIdentity": ident,
            "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": source,
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": "203.0.113.7",
            "userAgent": "aws-sdk-rust/1.3.14 os/linux lang/rust/1.94.1",
        }
        if error:
            rec["errorCode"], rec["errorMessage"] = error, f"{error} for {name}"
        rec.update({
            "requestParameters": params,
            "responseElements": None,
            "requestID": f"req-{self.n:06d}",
            "eventID": f"00000000-0000-4000-8000-{self.n:012d}",
            "readOnly": name.startswith(("Get", "Describe", "List", "BatchGet")),
        })
        if resources:
            rec["resources"] = [{"accountId": account, "type": "AWS::SecretsManager::Secret", "ARN": a}
                                for a in resources]
        rec.update({"eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": account,
                    "eventCategory": "Management"})
        self.items.append(rec)
        return rec


def build_records() -> Records:
    r = Records()
    sm = "secretsmanager.amazonaws.com"
    for d, day in enumerate(DAYS):
        for account in ACCOUNTS + [OUTSIDER]:
            for region in REGIONS:
                r.add(account, region, day, "kms.amazonaws.com", "Decrypt", {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"})
                r.add(account, region, day, "sts.amazonaws.com", "AssumeRole",
                      {"roleArn": f"arn:aws:iam::{account}:role/app-task", "roleSessionName": "app"})
                r.add(account, region, day, "s3.amazonaws.com", "GetBucketAcl", {"bucketName": f"logs-{account}"})
                r.add(account, region, day, "ec2.amazonaws.com", "DescribeInstances", {"maxResults": 1000})
                r.add(account, region, day, sm, "ListSecrets", {"maxResults": 100})
        # The busy secret in PROD/us-east-1: read by name, by partial ARN and by full ARN every day.
        r.add(PROD, "us-east-1", day, sm, "GetSecretValue", {"secretId": SECRET_NAME}, [SECRET])
        r.add(PROD, "us-east-1", day, sm, "GetSecretValue", {"secretId": SECRET_PARTIAL}, [SECRET])
        r.add(PROD, "us-east-1", day, sm, "GetSecretValue", {"secretId": SECRET, "versionStage": "AWSCURRENT"},
              [SECRET])
        r.add(PROD, "us-east-1", day, sm, "DescribeSecret", {"secretId": SECRET_NAME}, [SECRET])
        r.add(PROD, "us-east-1", day, sm, "GetSecretValue", {"secretId": OTHER}, [OTHER])
        # Secrets Manager decrypting the busy secret: names it, is no read by a caller.
        r.add(PROD, "us-east-1", day, "kms.amazonaws.com", "Decrypt",
              {"encryptionContext": {"SecretARN": SECRET}}, identity={"type": "AWSService",
                                                                      "invokedBy": "secretsmanager.amazonaws.com"})
        if d in (1, 4, 7):  # replica reads in eu-west-1
            r.add(PROD, "eu-west-1", day, sm, "GetSecretValue", {"secretId": REPLICA}, [REPLICA])
        if d in (2, 5):  # batch by list
            r.add(PROD, "us-east-1", day, sm, "BatchGetSecretValue", {"secretIdList": [SECRET, OTHER]}, [SECRET, OTHER])
        if d == 3:  # batch by filters: names no secret
            r.add(PROD, "us-east-1", day, sm, "BatchGetSecretValue",
                  {"filters": [{"key": "tag-key", "values": ["team"]}]}, [SECRET])
        if d in (0, 9):  # denied reads
            r.add(PROD, "us-east-1", day, sm, "GetSecretValue", {"secretId": SECRET_NAME}, None, error="AccessDenied")
        if d == 6:  # DEV reads PROD's secret cross-account by full ARN (recorded in DEV's trail too)
            r.add(DEV, "us-east-1", day, sm, "GetSecretValue", {"secretId": SECRET}, [SECRET])
    return r


# ---- the emulator ---------------------------------------------------------------------------------


class Emu:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        kw = dict(endpoint_url=self.url, region_name="us-east-1", aws_access_key_id="AKIAATHENATEST000001",
                  aws_secret_access_key="secret", config=CONFIG)
        self.athena = boto3.client("athena", **kw)
        self.s3 = boto3.client("s3", **kw)

    def admin(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}/_strongroom/{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=600) as resp:
                status, payload = resp.status, json.load(resp)
        except urllib.error.HTTPError as err:
            status, payload = err.code, json.load(err)
        check(status == expect, f"{method} {path}: status {status}, expected {expect}: {payload}")
        return payload

    def start(self, sql: str, params: list[str] | None = None, db: str = "strongroom") -> str:
        kw: dict[str, Any] = {
            "QueryString": sql,
            "QueryExecutionContext": {"Database": db, "Catalog": "AwsDataCatalog"},
            "ResultConfiguration": {"OutputLocation": f"s3://{RESULTS}/strongroom/"},
            "WorkGroup": "primary",
        }
        if params is not None:
            kw["ExecutionParameters"] = params
        return self.athena.start_query_execution(**kw)["QueryExecutionId"]

    def wait(self, qid: str) -> dict[str, Any]:
        for _ in range(50):
            ex = self.athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
            if ex["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                return ex
            time.sleep(0.05)
        raise AssertionError(f"query {qid} never finished")

    def results(self, qid: str, page: int = 1000, header: bool = True) -> tuple[
            list[str], list[list[str | None]], list[dict[str, Any]]]:
        """(header, rows, ColumnInfo); the first row is the header for DML (SELECT) only, as on Athena."""
        rows: list[list[str | None]] = []
        token = None
        info: list[dict[str, Any]] = []
        while True:
            kw: dict[str, Any] = {"QueryExecutionId": qid, "MaxResults": page}
            if token:
                kw["NextToken"] = token
            out = self.athena.get_query_results(**kw)
            info = out["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
            rows += [[d.get("VarCharValue") for d in r["Data"]] for r in out["ResultSet"]["Rows"]]
            token = out.get("NextToken")
            if not token:
                break
        if not header:
            return [c["Name"] for c in info], rows, info
        return (rows[0] if rows else []), rows[1:], info

    def query(self, sql: str, params: list[str] | None = None, db: str = "strongroom") -> tuple[
            list[str], list[list[str | None]], dict[str, Any]]:
        qid = self.start(sql, params, db)
        ex = self.wait(qid)
        check(ex["Status"]["State"] == "SUCCEEDED",
              f"query failed: {ex['Status'].get('StateChangeReason')}\n{sql}")
        header, rows, _ = self.results(qid, header=ex["StatementType"] == "DML")
        return header, rows, ex

    def fails(self, sql: str, params: list[str] | None = None, db: str = "strongroom") -> str:
        qid = self.start(sql, params, db)
        ex = self.wait(qid)
        check(ex["Status"]["State"] == "FAILED", f"expected FAILED, got {ex['Status']['State']}: {sql}")
        return str(ex["Status"]["StateChangeReason"])

    def bytes_of(self, predicate: Callable[[str, str, str], bool]) -> tuple[int, int]:
        """(total size, partitions) of the log objects whose (account, region, day) satisfies predicate,
        from S3's own listing."""
        total, parts = 0, set()
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=BUCKET, Prefix=f"AWSLogs/{ORG}/"):
            for obj in page.get("Contents", []):
                m = re.match(rf"AWSLogs/{ORG}/(\d{{12}})/CloudTrail/([^/]+)/(\d{{4}}/\d{{2}}/\d{{2}})/", obj["Key"])
                if m and predicate(*m.groups()):
                    total += obj["Size"]
                    parts.add(m.groups())
        return total, len(parts)


# ---- the checks --------------------------------------------------------------------------------------


def secret_id(rec: dict[str, Any]) -> Any:
    return (rec.get("requestParameters") or {}).get("secretId")


def day_of(rec: dict[str, Any]) -> str:
    return rec["eventTime"][:10].replace("-", "/")


def run(emu: Emu) -> None:
    data = build_records()
    recs = data.items
    check(len(recs) > 300, f"a few hundred records, got {len(recs)}")
    emu.admin("DELETE", "athena")
    emu.admin("DELETE", "calls")
    emu.admin("POST", "config", {"athena_running_polls": 0})
    for bucket in (BUCKET, RESULTS):  # a second run against the same emulator starts afresh
        try:
            emu.s3.create_bucket(Bucket=bucket)
        except ClientError:
            for page in emu.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for obj in page.get("Contents", []):
                    emu.s3.delete_object(Bucket=bucket, Key=obj["Key"])

    # ---- trail files ----------------------------------------------------------------------------
    put = emu.admin("POST", "trail", {"bucket": BUCKET, "org_id": ORG, "records": recs, "per_object": 4})
    cells = {(r["recipientAccountId"], r["awsRegion"], day_of(r)) for r in recs}
    check(put["partitions"] == len(cells), f"partitions {put['partitions']} != {len(cells)}")
    check(put["digests"] == len(cells), "one digest per account, region and day")
    per_cell: dict[tuple[str, str, str], int] = {}
    for r in recs:
        key = (r["recipientAccountId"], r["awsRegion"], day_of(r))
        per_cell[key] = per_cell.get(key, 0) + 1
    check(put["objects"] == sum(-(-n // 4) for n in per_cell.values()), "at most per_object records per file")
    listing = emu.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"AWSLogs/{ORG}/{PROD}/CloudTrail/us-east-1/"
                                     f"{day_path(DAYS[2])}/")
    keys = [o["Key"] for o in listing.get("Contents", [])]
    check(keys and all(re.fullmatch(
        rf"AWSLogs/{ORG}/{PROD}/CloudTrail/us-east-1/{day_path(DAYS[2])}/{PROD}_CloudTrail_us-east-1_"
        rf"{DAYS[2].strftime('%Y%m%d')}T\d{{4}}Z_[A-Za-z0-9]{{16}}\.json\.gz", k) for k in keys),
        f"CloudTrail file names: {keys[:2]}")
    body = gzip.decompress(emu.s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read())
    check(isinstance(json.loads(body)["Records"], list), "log files are gzipped {\"Records\": [...]}")
    digests = emu.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"AWSLogs/{ORG}/{PROD}/CloudTrail-Digest/us-east-1/")
    check(len(digests.get("Contents", [])) == len(DAYS), "digest files per day")
    check(put["bytes"] == emu.bytes_of(lambda a, r, d: True)[0], "answer's bytes = the log objects' sizes")

    # ---- DDL ------------------------------------------------------------------------------------------
    reason = emu.fails(DDL)
    check("Database does not exist: strongroom" in reason, f"a table needs its database first: {reason}")
    emu.query("CREATE DATABASE IF NOT EXISTS strongroom", db="default")
    qid = emu.start(DDL)
    ex = emu.wait(qid)
    check(ex["Status"]["State"] == "SUCCEEDED", f"DDL: {ex['Status'].get('StateChangeReason')}")
    check(ex["StatementType"] == "DDL", "CREATE TABLE is DDL")
    check(ex["ResultConfiguration"]["OutputLocation"] == f"s3://{RESULTS}/strongroom/{qid}.txt", "DDL output .txt")
    emu.query(DDL)  # IF NOT EXISTS: fine twice
    emu.query(NARROW_DDL)
    emu.query(FLAT_DDL)
    reason = emu.fails(NARROW_DDL)
    check("already exists" in reason, f"CREATE TABLE twice: {reason}")
    _, rows, _ = emu.query("SHOW TABLES IN strongroom")
    check(rows == [["cloudtrail_flat"], ["cloudtrail_narrow"], ["cloudtrail_org"]], f"SHOW TABLES: {rows}")

    # ---- counts per partition filter, scanned bytes --------------------------------------------------
    window = (day_path(DAYS[2]), day_path(DAYS[7]))
    sql = ("SELECT count(*) AS n FROM cloudtrail_org WHERE account IN ('222222222222', '333333333333') "
           "AND region IN ('us-east-1') AND day BETWEEN ? AND ?")
    header, rows, ex = emu.query(sql, [f"'{window[0]}'", f"'{window[1]}'"])
    want = sum(1 for r in recs if r["recipientAccountId"] in (PROD, DEV) and r["awsRegion"] == "us-east-1"
               and window[0] <= day_of(r) <= window[1])
    check(header == ["n"] and rows == [[str(want)]], f"count in window: {rows} != {want}")
    size, parts = emu.bytes_of(lambda a, r, d: a in (PROD, DEV) and r == "us-east-1" and window[0] <= d <= window[1])
    check(ex["Statistics"]["DataScannedInBytes"] == size,
          f"scanned {ex['Statistics']['DataScannedInBytes']} != bytes of the 12 partitions {size}")
    check(parts == 12, f"12 partitions selected, {parts}")
    queries = emu.admin("GET", "athena/queries")
    check(queries[-1]["partitions_scanned"] == 12 and queries[-1]["scanned_bytes"] == size,
          f"admin queries: {queries[-1]}")
    check("?" not in queries[-1]["duckdb_sql"] and window[0] in queries[-1]["duckdb_sql"], "parameters substituted")

    _, rows, ex = emu.query(f"SELECT count(*) FROM cloudtrail_org WHERE day >= '{day_path(DAYS[8])}' "
                            f"OR day = '{day_path(DAYS[0])}'")
    want = sum(1 for r in recs if r["recipientAccountId"] in ACCOUNTS
               and (day_of(r) >= day_path(DAYS[8]) or day_of(r) == day_path(DAYS[0])))
    check(rows == [[str(want)]], f"OR of day predicates: {rows} != {want}")
    size, parts = emu.bytes_of(lambda a, r, d: a in ACCOUNTS and (d >= day_path(DAYS[8]) or d == day_path(DAYS[0])))
    check(ex["Statistics"]["DataScannedInBytes"] == size, "scanned bytes of an OR of day predicates")

    _, rows, ex = emu.query("SELECT count(*) FROM cloudtrail_org WHERE eventname <> 'nothing'")
    want = sum(1 for r in recs if r["recipientAccountId"] in ACCOUNTS)
    check(rows == [[str(want)]], f"no partition predicate: all enum accounts' records, {rows} != {want}")
    size, _ = emu.bytes_of(lambda a, r, d: a in ACCOUNTS)
    check(ex["Statistics"]["DataScannedInBytes"] == size, "no partition predicate scans every projected partition")
    _, rows, _ = emu.query(f"SELECT count(*) FROM cloudtrail_org WHERE account = '{OUTSIDER}'")
    check(rows == [["0"]], "an account outside projection.account.values is not read")

    _, rows, ex = emu.query("SELECT count(*) FROM cloudtrail_flat")
    check(rows == [[str(len(recs))]], f"unpartitioned table reads every log file, no digest: {rows} != {len(recs)}")
    check(ex["Statistics"]["DataScannedInBytes"] == put["bytes"], "unpartitioned scan = every log file")
    emu.query(f"CREATE EXTERNAL TABLE manual (eventname STRING) PARTITIONED BY (account STRING) "
              f"ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe' LOCATION 's3://{BUCKET}/AWSLogs/{ORG}/'")
    _, rows, ex = emu.query("SELECT count(*) FROM manual")
    check(rows == [["0"]] and ex["Statistics"]["DataScannedInBytes"] == 0,
          "partitioned without projection: no partitions were added, nothing is read")
    emu.query("DROP TABLE manual")

    # ---- the busy secret's reads -----------------------------------------------------------------------
    reads_sql = """
SELECT day, count(*) AS reads
FROM cloudtrail_org
WHERE account = ? AND region IN ('us-east-1', 'eu-west-1') AND day BETWEEN ? AND ?
  AND eventsource = 'secretsmanager.amazonaws.com' AND eventname = 'GetSecretValue' AND errorcode IS NULL
  AND regexp_replace(
        regexp_replace(json_extract_scalar(requestparameters, '$.secretId'),
                       '^arn:aws:secretsmanager:[^:]+:[0-9]+:secret:', ''),
        '-[A-Za-z0-9]{6}$', '') = ?
GROUP BY day
ORDER BY day"""
    all_days = [f"'{day_path(DAYS[0])}'", f"'{day_path(DAYS[-1])}'"]
    header, rows, _ = emu.query(reads_sql, [f"'{PROD}'", *all_days, f"'{SECRET_NAME}'"])

    def is_read(r: dict[str, Any]) -> bool:
        sid = secret_id(r)
        if r["eventName"] != "GetSecretValue" or r.get("errorCode") or not isinstance(sid, str):
            return False
        name = re.sub(r"-[A-Za-z0-9]{6}$", "", re.sub(r"^arn:aws:secretsmanager:[^:]+:\d+:secret:", "", sid))
        return name == SECRET_NAME

    want_days: dict[str, int] = {}
    for r in recs:
        if r["recipientAccountId"] == PROD and is_read(r):
            want_days[day_of(r)] = want_days.get(day_of(r), 0) + 1
    check(header == ["day", "reads"], f"header {header}")
    check(rows == [[d, str(n)] for d, n in sorted(want_days.items())], f"reads per day: {rows} vs {want_days}")
    check(sum(want_days.values()) == 33, "3 reads a day (name, partial ARN, full ARN) and 3 replica reads")

    # A deliberately wrong query must give a different answer:
    _, wrong, _ = emu.query(reads_sql.replace("region IN ('us-east-1', 'eu-west-1')", "region = 'us-east-1'"),
                            [f"'{PROD}'", *all_days, f"'{SECRET_NAME}'"])
    check(sum(int(n) for _, n in wrong) == 30, "without the replica region: 30, not 33")
    _, wrong, _ = emu.query(reads_sql.replace("'$.secretId'", "'$.secretid'"),
                            [f"'{PROD}'", *all_days, f"'{SECRET_NAME}'"])
    check(wrong == [], "JSON paths are case-sensitive: '$.secretid' finds nothing")
    _, wrong, _ = emu.query(reads_sql, [f"'{PROD}'", f"'{day_path(DAYS[1])}'", all_days[1], f"'{SECRET_NAME}'"])
    check(sum(int(n) for _, n in wrong) == 33 - 3, "a window one day short misses that day's reads")
    _, wrong, _ = emu.query(
        "SELECT count(*) FROM cloudtrail_org WHERE account = ? AND day BETWEEN ? AND ? "
        "AND eventname = 'GetSecretValue' AND json_extract_scalar(requestparameters, '$.secretId') = ?",
        [f"'{PROD}'", *all_days, f"'{SECRET}'"])
    check(wrong == [["10"]], f"matching only the full ARN finds 10 of 33: {wrong}")
    _, wrong, _ = emu.query(
        "SELECT count(*) FROM cloudtrail_org WHERE account = ? AND day BETWEEN ? AND ? "
        "AND requestparameters LIKE ?", [f"'{PROD}'", *all_days, f"'%{SECRET_NAME}%'"])
    want = sum(1 for r in recs if r["recipientAccountId"] == PROD and SECRET_NAME in json.dumps(r["requestParameters"]))
    check(wrong == [[str(want)]] and want != 33, f"a LIKE over the JSON text overcounts: {wrong} vs {want}")

    # Cross-account read: recorded in the caller's account (DEV), found there only.
    _, rows, _ = emu.query(
        "SELECT account, eventtime FROM cloudtrail_org WHERE account IN ('111111111111', '222222222222', "
        "'333333333333') AND json_extract_scalar(requestparameters, '$.secretId') = ? AND account <> ?",
        [f"'{SECRET}'", f"'{PROD}'"])
    check([r[0] for r in rows] == [DEV], f"cross-account read in DEV's trail: {rows}")

    # ---- BatchGetSecretValue -------------------------------------------------------------------------
    _, rows, _ = emu.query(
        "SELECT day FROM cloudtrail_org WHERE account = '222222222222' AND region = 'us-east-1' "
        "AND eventname = 'BatchGetSecretValue' "
        "AND contains(CAST(json_extract(requestparameters, '$.secretIdList') AS ARRAY(VARCHAR)), ?) ORDER BY day",
        [f"'{SECRET}'"])
    check(rows == [[day_path(DAYS[2])], [day_path(DAYS[5])]], f"contains(secretIdList): {rows}")
    _, rows, _ = emu.query(
        "SELECT count(*) FROM cloudtrail_org WHERE account = '222222222222' AND eventname = 'BatchGetSecretValue' "
        "AND any_match(CAST(json_extract(requestparameters, '$.secretIdList') AS ARRAY(VARCHAR)), "
        "x -> x LIKE '%payments/prod/db%')")
    check(rows == [["2"]], f"any_match over secretIdList: {rows}")
    _, rows, _ = emu.query(
        "SELECT count(*) FROM cloudtrail_org WHERE account = '222222222222' AND eventname = 'BatchGetSecretValue' "
        "AND json_extract(requestparameters, '$.filters') IS NOT NULL")
    check(rows == [["1"]], f"batch by filters: {rows}")
    _, rows, _ = emu.query(
        "SELECT count(*) FROM cloudtrail_org WHERE account = '222222222222' "
        "AND json_extract_scalar(requestparameters, '$.secretIdList') IS NOT NULL")
    check(rows == [["0"]], "json_extract_scalar of an array is NULL, as in Trino")
    _, rows, _ = emu.query(
        "SELECT json_array_length(json_extract(requestparameters, '$.secretIdList')), "
        "json_array_contains(json_extract(requestparameters, '$.secretIdList'), ?) "
        "FROM cloudtrail_org WHERE account = '222222222222' AND eventname = 'BatchGetSecretValue' "
        "AND json_extract(requestparameters, '$.secretIdList') IS NOT NULL LIMIT 1", [f"'{OTHER}'"])
    check(rows == [["2", "true"]], f"json_array_length / json_array_contains: {rows}")
    _, rows, _ = emu.query(
        "SELECT r.arn, r.type FROM cloudtrail_org CROSS JOIN UNNEST(resources) AS r(arn, accountid, type) "
        "WHERE account = '222222222222' AND eventname = 'BatchGetSecretValue' AND r.arn = ? ORDER BY r.arn",
        [f"'{OTHER}'"])
    check(rows == [[OTHER, "AWS::SecretsManager::Secret"]] * 2, f"UNNEST of an array of rows: {rows}")
    _, rows, _ = emu.query(
        "SELECT arn FROM cloudtrail_org CROSS JOIN UNNEST(resources) WHERE account = '222222222222' "
        "AND eventname = 'BatchGetSecretValue' AND arn = ?", [f"'{OTHER}'"])
    check(rows == [[OTHER]] * 2, f"UNNEST without aliases: columns named by the fields: {rows}")
    reason = emu.fails("SELECT r.arn FROM cloudtrail_org CROSS JOIN UNNEST(resources) AS r(res) "
                       "WHERE account = '222222222222'")
    check(reason.startswith("MISMATCHED_COLUMN_ALIASES: line 1:") and "has 1 entries but 'r' has 3 columns" in reason,
          f"UNNEST of rows with one alias: {reason}")
    _, rows, _ = emu.query(
        "SELECT count(*) FROM cloudtrail_org WHERE account = '222222222222' "
        "AND any_match(resources, r -> r.arn = ?)", [f"'{SECRET}'"])
    want = sum(1 for r in recs if r["recipientAccountId"] == PROD and any(x["ARN"] == SECRET for x in r.get("resources", [])))
    check(rows == [[str(want)]], f"any_match over resources: {rows} != {want}")

    # ---- values as Athena renders them ---------------------------------------------------------------
    first = min((r for r in recs if r["recipientAccountId"] == PROD and r["eventName"] == "BatchGetSecretValue"
                 and "secretIdList" in r["requestParameters"]), key=lambda r: r["eventTime"])
    header, rows, _ = emu.query(
        "SELECT eventtime, from_iso8601_timestamp(eventtime) AS t, readonly, resources, "
        "CAST(resources AS JSON) AS j, useridentity.sessioncontext.sessionissuer.username, "
        "requestparameters, errorcode, date_format(from_iso8601_timestamp(eventtime), '%Y/%m/%d') = day AS same, "
        "to_iso8601(from_iso8601_timestamp(eventtime)) AS iso, 7 / 2 AS half, 1e0 / 4 AS quarter "
        "FROM cloudtrail_org WHERE account = ? AND eventname = 'BatchGetSecretValue' "
        "ORDER BY from_iso8601_timestamp(eventtime) LIMIT 1", [f"'{PROD}'"])
    check(header == ["eventtime", "t", "readonly", "resources", "j", "username", "requestparameters", "errorcode",
                     "same", "iso", "half", "quarter"], f"header: {header}")
    row = rows[0]
    t = first["eventTime"]
    check(row[0] == t and row[1] == t.replace("T", " ").replace("Z", ".000 UTC"), f"timestamp rendering: {row[1]}")
    check(row[2] == "true", "readonly boolean read as STRING: 'true'")
    check(row[3] == f"[{{arn={SECRET}, accountid={PROD}, type=AWS::SecretsManager::Secret}}, "
                    f"{{arn={OTHER}, accountid={PROD}, type=AWS::SecretsManager::Secret}}]", f"array of rows: {row[3]}")
    check(json.loads(row[4])[0] == {"arn": SECRET, "accountid": PROD, "type": "AWS::SecretsManager::Secret"},
          f"CAST AS JSON: {row[4]}")
    check(row[5] == "app-task", "nested struct fields, camelCase keys matched case-insensitively")
    check(json.loads(row[6]) == first["requestParameters"], "requestparameters holds the JSON text")
    check(row[7] is None, "NULL has no VarCharValue")
    check(row[8] == "true" and row[9] == t.replace("Z", ".000Z"), f"date_format / to_iso8601: {row[8:10]}")
    check(row[10] == "3" and row[11] == "0.25", f"integer division and doubles: {row[10:]}")

    # ---- Trino functions through sqlglot and DuckDB ----------------------------------------------------
    for start in range(0, len(FUNCTIONS), 20):
        cases = FUNCTIONS[start : start + 20]
        _, rows, _ = emu.query("SELECT " + ", ".join(e for e, _ in cases))
        for (expr, want), got in zip(cases, rows[0]):
            check(got == want, f"{expr}: got {got!r}, Trino gives {want!r}")

    # ---- SQL constructs -----------------------------------------------------------------------------------
    prod = [r for r in recs if r["recipientAccountId"] == PROD]
    names: dict[str, int] = {}
    for r in prod:
        names[r["eventName"]] = names.get(r["eventName"], 0) + 1
    _, rows, _ = emu.query(f"SELECT eventname, count(*) AS n FROM cloudtrail_org WHERE account = '{PROD}' "
                           "GROUP BY 1 HAVING count(*) > 20 ORDER BY n DESC, eventname")
    want = sorted(((k, v) for k, v in names.items() if v > 20), key=lambda kv: (-kv[1], kv[0]))
    check(rows == [[k, str(v)] for k, v in want], f"GROUP BY ordinal, HAVING, ORDER BY: {rows}")
    _, rows, _ = emu.query(f"SELECT DISTINCT eventsource FROM cloudtrail_org WHERE account = '{PROD}' ORDER BY 1")
    check(rows == [[x] for x in sorted({r["eventSource"] for r in prod})], f"DISTINCT: {rows}")
    d0, d1 = day_path(DAYS[0]), day_path(DAYS[1])
    header, rows, ex = emu.query(
        f"WITH a AS (SELECT eventid FROM cloudtrail_org WHERE account = '{PROD}' AND day = '{d0}'), "
        f"b AS (SELECT eventid FROM cloudtrail_org WHERE account = '{DEV}' AND day = '{d1}') "
        "SELECT count(*) FROM (SELECT eventid FROM a UNION ALL SELECT eventid FROM b) AS u")
    want = sum(1 for r in recs if (r["recipientAccountId"], day_of(r)) in ((PROD, d0), (DEV, d1)))
    check(header == ["_col0"] and rows == [[str(want)]], f"WITH, UNION ALL, subquery: {header} {rows} != {want}")
    size, _ = emu.bytes_of(lambda a, r, d: (a, d) in ((PROD, d0), (DEV, d1)))
    check(ex["Statistics"]["DataScannedInBytes"] == size, "each CTE pruned by its own WHERE")
    _, rows, _ = emu.query(
        "SELECT count(*) FROM cloudtrail_org x JOIN cloudtrail_org y ON x.eventid = y.eventid "
        f"WHERE x.account = '{PROD}' AND y.account = '{PROD}' AND x.day = '{d0}' AND y.day = '{d0}'")
    check(rows == [[str(sum(1 for r in prod if day_of(r) == d0))]], f"self-join: {rows}")
    _, rows, _ = emu.query(
        "SELECT day, eventid, row_number() OVER (PARTITION BY day ORDER BY eventtime, eventid) AS rn "
        f"FROM cloudtrail_org WHERE account = '{PROD}' AND region = 'us-east-1' AND day IN ('{d0}', '{d1}') "
        "ORDER BY day, rn")
    want_rows = []
    for d in (d0, d1):
        cell = sorted((r for r in prod if r["awsRegion"] == "us-east-1" and day_of(r) == d),
                      key=lambda r: (r["eventTime"], r["eventID"]))
        want_rows += [[d, r["eventID"], str(i + 1)] for i, r in enumerate(cell)]
    check(rows == want_rows, "row_number() OVER (PARTITION BY day ORDER BY eventtime)")
    _, rows, _ = emu.query(
        "SELECT count_if(errorcode IS NOT NULL), sum(CASE WHEN eventsource = 'kms.amazonaws.com' THEN 1 ELSE 0 END), "
        "avg(CASE WHEN errorcode IS NULL THEN 0e0 ELSE 1e0 END), min(eventtime), max(eventtime), "
        "approx_distinct(eventname), array_sort(array_agg(DISTINCT eventsource)) "
        f"FROM cloudtrail_org WHERE account = '{PROD}'")
    errors = sum(1 for r in prod if r.get("errorCode"))
    row = rows[0]
    check(row[0] == str(errors) and row[1] == str(sum(1 for r in prod if r["eventSource"] == "kms.amazonaws.com")),
          f"count_if, sum(CASE): {row[:2]}")
    check(abs(float(row[2]) - errors / len(prod)) < 1e-12, f"avg: {row[2]}")
    check(row[3] == min(r["eventTime"] for r in prod) and row[4] == max(r["eventTime"] for r in prod), "min/max")
    check(row[5] == str(len(names)), f"approx_distinct (exact on this few): {row[5]}")
    check(row[6] == "[" + ", ".join(sorted({r["eventSource"] for r in prod})) + "]", f"array_agg(DISTINCT): {row[6]}")
    recent = day_path(TODAY - datetime.timedelta(days=7))
    _, rows, ex = emu.query(
        f"SELECT count(*) FROM cloudtrail_org WHERE account = '{PROD}' "
        "AND day >= date_format(current_date - interval '7' day, '%Y/%m/%d')")
    check(rows == [[str(sum(1 for r in prod if day_of(r) >= recent))]], f"current_date - interval: {rows}")
    size, _ = emu.bytes_of(lambda a, r, d: a == PROD and d >= recent)
    check(ex["Statistics"]["DataScannedInBytes"] == size, "pruned by a predicate computed from current_date")
    _, rows, _ = emu.query(
        f"SELECT count(*) FROM cloudtrail_org WHERE account = '{PROD}' "
        "AND from_iso8601_timestamp(eventtime) >= current_timestamp - interval '7' day")
    cutoff = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    check(rows == [[str(sum(1 for r in prod if r["eventTime"] >= cutoff))]], f"current_timestamp: {rows}")

    # ---- ORDER BY, LIMIT, paging ------------------------------------------------------------------------
    sql = (f"SELECT eventid, eventtime FROM cloudtrail_org WHERE account = '{PROD}' AND region = 'us-east-1' "
           f"AND day = '{day_path(DAYS[4])}' ORDER BY eventtime DESC, eventid LIMIT 5")
    header, rows, _ = emu.query(sql)
    want = sorted((r for r in recs if r["recipientAccountId"] == PROD and r["awsRegion"] == "us-east-1"
                   and day_of(r) == day_path(DAYS[4])), key=lambda r: (r["eventTime"], r["eventID"]))
    want.sort(key=lambda r: r["eventTime"], reverse=True)
    check([r[0] for r in rows] == [r["eventID"] for r in want[:5]], "ORDER BY eventtime DESC LIMIT 5")
    qid = emu.start(sql)
    emu.wait(qid)
    page1 = emu.athena.get_query_results(QueryExecutionId=qid, MaxResults=2)
    check([d.get("VarCharValue") for d in page1["ResultSet"]["Rows"][0]["Data"]] == ["eventid", "eventtime"],
          "first page starts with the header row")
    check(len(page1["ResultSet"]["Rows"]) == 2 and "NextToken" in page1, "MaxResults 2: header + 1 row")
    head, paged, info = emu.results(qid, page=2)
    check(paged == rows and head == header, "pages of 2 give the same rows")
    check([c["Type"] for c in info] == ["varchar", "varchar"], f"ColumnInfo types {info}")
    try:
        emu.athena.get_query_results(QueryExecutionId=qid, NextToken="garbage")
        check(False, "a garbled NextToken is refused")
    except ClientError as err:
        check(err.response["Error"]["Code"] == "InvalidRequestException", "garbled NextToken")

    csv_body = emu.s3.get_object(Bucket=RESULTS, Key=f"strongroom/{qid}.csv")["Body"].read().decode()
    lines = csv_body.strip().split("\n")
    check(lines[0] == '"eventid","eventtime"' and len(lines) == 6 and lines[1] == f'"{rows[0][0]}","{rows[0][1]}"',
          f"CSV result in S3: {lines[:2]}")

    # ---- errors like Athena's ----------------------------------------------------------------------------
    reason = emu.fails(f"SELECT count(*) FROM cloudtrail_narrow WHERE account = '{PROD}' AND errorcode IS NULL")
    check(reason.startswith("COLUMN_NOT_FOUND: line 1:") and "Column 'errorcode' cannot be resolved" in reason,
          f"missing column: {reason}")
    reason = emu.fails("SELECT count(*) FROM cloudtrail_narrow WHERE region = 'us-east-1'")
    check(reason.startswith("CONSTRAINT_VIOLATION: For the injected projected partition column account"),
          f"injected projection needs an equality: {reason}")
    reason = emu.fails("SELECT count(*) FROM cloudtrail_narrow WHERE account LIKE '2%'")
    check(reason.startswith("CONSTRAINT_VIOLATION"), "LIKE is no static equality")
    _, rows, ex = emu.query(f"SELECT count(*) FROM cloudtrail_narrow WHERE account = '{PROD}'")
    want = sum(1 for r in recs if r["recipientAccountId"] == PROD and day_of(r) >= day_path(DAYS[3]))
    check(rows == [[str(want)]], f"date range starts at the 4th day: {rows} != {want}")
    reason = emu.fails("SELECT * FROM strongroom.nope")
    check(reason == "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.strongroom.nope' does not exist",
          f"unknown table: {reason}")
    reason = emu.fails("SELECT eventname FROM cloudtrail_org WHERE account = 222222222222")
    check(reason.startswith("TYPE_MISMATCH: line 1:"), f"varchar = number: {reason}")
    reason = emu.fails(
        "SELECT json_extract_scalar(requestparameters, '$.secretId') AS sid FROM cloudtrail_org "
        f"WHERE account = '{PROD}' AND sid IS NOT NULL")
    check(reason.startswith("COLUMN_NOT_FOUND: line 1:") and "'sid'" in reason, f"alias in WHERE: {reason}")
    reason = emu.fails("SELEC eventname FROM cloudtrail_org")
    check(reason.startswith("SYNTAX_ERROR: line 1:"), f"syntax: {reason}")
    reason = emu.fails("SELECT no_such_function(eventname) FROM cloudtrail_org")
    check(reason.startswith("FUNCTION_NOT_FOUND: line 1:8: Function 'no_such_function' not registered"),
          f"unknown function: {reason}")
    reason = emu.fails("SELECT count(*) FROM cloudtrail_org WHERE day = ?")
    check(reason.startswith("INVALID_INPUT: Incorrect number of parameters"), f"parameters: {reason}")
    try:
        emu.athena.get_query_execution(QueryExecutionId="00000000-0000-0000-0000-000000000000")
        check(False, "unknown query id")
    except ClientError as err:
        check(err.response["Error"]["Code"] == "InvalidRequestException"
              and err.response["ResponseMetadata"]["HTTPStatusCode"] == 400, "unknown id: InvalidRequestException")
    qid = emu.start("SELECT nope FROM cloudtrail_org")
    emu.wait(qid)
    try:
        emu.athena.get_query_results(QueryExecutionId=qid)
        check(False, "results of a failed query")
    except ClientError as err:
        check("COLUMN_NOT_FOUND" in err.response["Error"]["Message"], "results of a failed query: its reason")

    # ---- RUNNING polls, stop, list, call log ---------------------------------------------------------------
    emu.admin("POST", "config", {"athena_running_polls": 1})
    qid = emu.start("SELECT 1")
    try:
        emu.athena.get_query_results(QueryExecutionId=qid)
        check(False, "results before the query finished")
    except ClientError as err:
        check("not yet finished" in err.response["Error"]["Message"], "results while RUNNING")
    states = [emu.athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]
              for _ in range(2)]
    check(states == ["RUNNING", "SUCCEEDED"], f"RUNNING once, then SUCCEEDED: {states}")
    qid = emu.start("SELECT 2")
    emu.athena.stop_query_execution(QueryExecutionId=qid)
    check(emu.wait(qid)["Status"]["State"] == "CANCELLED", "stopped while RUNNING: CANCELLED")
    emu.admin("POST", "config", {"athena_running_polls": 0})
    listed = emu.athena.list_query_executions(MaxResults=3)
    check(listed["QueryExecutionIds"][0] == qid and "NextToken" in listed, "ListQueryExecutions: newest first")
    ops = {c["operation"] for c in emu.admin("GET", "calls") if c["service"] == "athena"}
    check({"StartQueryExecution", "GetQueryExecution", "GetQueryResults", "StopQueryExecution",
           "ListQueryExecutions"} <= ops, f"call log: {ops}")

    # ---- work groups and the output location --------------------------------------------------------------
    check(emu.athena.get_work_group(WorkGroup="primary")["WorkGroup"]["Name"] == "primary", "GetWorkGroup (moto's)")
    try:
        emu.athena.create_work_group(
            Name="strongroom", Configuration={"ResultConfiguration": {"OutputLocation": f"s3://{RESULTS}/wg/"}})
    except ClientError:
        pass  # a second run against the same emulator
    qid = emu.athena.start_query_execution(QueryString="SELECT 1", WorkGroup="strongroom")["QueryExecutionId"]
    ex = emu.wait(qid)
    check(ex["ResultConfiguration"]["OutputLocation"] == f"s3://{RESULTS}/wg/{qid}.csv" and ex["WorkGroup"] == "strongroom",
          f"the work group's output location: {ex['ResultConfiguration']}")
    check(emu.athena.list_query_executions(WorkGroup="strongroom")["QueryExecutionIds"] == [qid], "listed per work group")
    for kwargs, words in (({}, "No output location provided"), ({"WorkGroup": "nope"}, "WorkGroup nope is not found")):
        try:
            emu.athena.start_query_execution(QueryString="SELECT 1", **kwargs)
            check(False, f"StartQueryExecution {kwargs} succeeded")
        except ClientError as err:
            check(err.response["Error"]["Code"] == "InvalidRequestException" and words in err.response["Error"]["Message"],
                  f"StartQueryExecution {kwargs}: {err.response['Error']}")
    qid = emu.athena.start_query_execution(
        QueryString="SELECT 1", ResultConfiguration={"OutputLocation": "s3://no-such-bucket-athena/x/"})["QueryExecutionId"]
    reason = emu.wait(qid)["Status"].get("StateChangeReason", "")
    check("Unable to verify/create output bucket no-such-bucket-athena" in reason, f"missing output bucket: {reason}")

    # ---- drop -------------------------------------------------------------------------------------------
    emu.query("DROP TABLE strongroom.cloudtrail_flat")
    reason = emu.fails("SELECT count(*) FROM cloudtrail_flat")
    check(reason.startswith("TABLE_NOT_FOUND"), "dropped table")
    check("Table not found" in emu.fails("DROP TABLE cloudtrail_flat"), "DROP TABLE of a missing table")
    emu.query("DROP TABLE IF EXISTS cloudtrail_flat")


def bench(emu: Emu) -> None:
    accounts = [f"{100000000000 + i}" for i in range(20)]
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    busy = f"arn:aws:secretsmanager:us-east-1:{accounts[3]}:secret:payments/prod/db-AbC123"
    started = time.monotonic()
    gen = emu.admin("POST", "trail/generate", {
        "bucket": "bench-trail", "org_id": "o-bench", "accounts": accounts, "regions": regions,
        "days": 400, "records_per_day": 2500, "secret_reads": {"arn": busy, "per_day": 25}, "sm_share": 0.05,
        "seed": 1, "end": TODAY.isoformat(),
    })
    took = time.monotonic() - started
    print(f"generate: {gen['records']} records, {gen['objects']} objects, {gen['bytes']} bytes in {gen['seconds']} s "
          f"({took:.1f} s with HTTP)")
    ddl = DDL.replace(f"s3://{BUCKET}/AWSLogs/{ORG}/", "s3://bench-trail/AWSLogs/o-bench/").replace(
        "strongroom.cloudtrail_org", "strongroom.bench").replace(
        ",".join(ACCOUNTS), ",".join(accounts)).replace(",".join(REGIONS), ",".join(regions))
    emu.query(ddl)
    lo, hi = day_path(TODAY - datetime.timedelta(days=29)), day_path(TODAY)
    sql = ("SELECT day, count(*) AS reads FROM bench WHERE account IN ({}) AND region IN ({}) "
           "AND day BETWEEN ? AND ? AND eventsource = 'secretsmanager.amazonaws.com' "
           "AND eventname = 'GetSecretValue' AND errorcode IS NULL "
           "AND regexp_replace(regexp_replace(json_extract_scalar(requestparameters, '$.secretId'), "
           "'^arn:aws:secretsmanager:[^:]+:[0-9]+:secret:', ''), '-[A-Za-z0-9]{{6}}$', '') = 'payments/prod/db' "
           "GROUP BY day ORDER BY day").format(
        ", ".join(f"'{a}'" for a in accounts), ", ".join(f"'{r}'" for r in regions))
    for attempt in ("cold", "warm"):
        started = time.monotonic()
        _, rows, ex = emu.query(sql, [f"'{lo}'", f"'{hi}'"])
        took = time.monotonic() - started
        total = sum(int(n) for _, n in rows)
        print(f"30-day query ({attempt}): {took:.2f} s, {len(rows)} days, {total} reads, "
              f"{ex['Statistics']['DataScannedInBytes']} bytes scanned")
        check(len(rows) == 30 and all(int(n) >= 25 for _, n in rows), "the busy secret's 25 reads a day at least")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running emulator (default: start one)")
    parser.add_argument("--bench", action="store_true", help="also time 1,000,000 generated records")
    args = parser.parse_args()
    proc = None
    url = args.url
    if not url:
        proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "server.py"), "--port", "0", "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        url = (proc.stdout.readline() if proc.stdout else "").strip()
        if not url.startswith("http"):
            print(f"emulator did not start: {url!r}", file=sys.stderr)
            return 2
    try:
        emu = Emu(url)
        run(emu)
        if args.bench:
            bench(emu)
    except AssertionError as err:
        print(f"FAILED after {checks} checks: {err}", file=sys.stderr)
        return 1
    finally:
        if proc is not None:
            if proc.stdin:
                proc.stdin.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"ok: {checks} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
