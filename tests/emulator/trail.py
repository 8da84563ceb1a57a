"""An AWS Organization CloudTrail trail in moto's S3: log files laid out the way CloudTrail
delivers them, and a fast generator of realistic records for benchmarks. See README.md,
"CloudTrail trail files in S3".

Keys (org trail):
    AWSLogs/{org_id}/{account}/CloudTrail/{region}/{yyyy}/{MM}/{dd}/
        {account}_CloudTrail_{region}_{yyyyMMddTHHmmZ}_{random16}.json.gz       (gzip of {"Records": [...]})
    AWSLogs/{org_id}/{account}/CloudTrail-Digest/{region}/{yyyy}/{MM}/{dd}/
        {account}_CloudTrail-Digest_{region}_{trail}_{region}_{yyyyMMddTHHmmssZ}.json.gz

Objects are written straight into moto's S3 backend (no HTTP), in the bucket owner's account.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
import re
import string
import time
import zlib
from typing import Any

from cloudtrail import parse_time

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_PER_OBJECT = 500
DEFAULT_TRAIL = "organization-trail"
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
COMPACT = (",", ":")


# ---- S3 plumbing ----------------------------------------------------------------------------


def s3_backend(account: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account]["aws"]


def ensure_bucket(bucket: str, account: str, region: str = "us-east-1") -> Any:
    """The bucket (any account's: S3 names are global), created in `account` when missing."""
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(bucket)
    if owner is not None:
        return s3_backends[owner[1]][owner[0]].get_bucket(bucket)
    return s3_backend(account).create_bucket(bucket, region)


def bucket_backend(bucket: str) -> Any:
    """The S3 backend of the account owning `bucket`, or None when no such bucket exists."""
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(bucket)
    return s3_backends[owner[1]][owner[0]] if owner else None


def put(bucket: str, key: str, data: bytes, content_type: str | None = None) -> Any:
    backend = bucket_backend(bucket)
    if backend is None:
        raise KeyError(f"no bucket {bucket}")
    obj = backend.put_object(bucket, key, data, disable_notification=True)
    if content_type:
        obj.set_metadata({"Content-Type": content_type}, replace=False)
    return obj


def gzip_bytes(data: bytes, level: int = 6) -> bytes:
    comp = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: gzip container
    return comp.compress(data) + comp.flush()


# ---- layout ---------------------------------------------------------------------------------


def _stamp_minute(epoch: float) -> str:
    return time.strftime("%Y%m%dT%H%MZ", time.gmtime(epoch))


def _stamp_second(epoch: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


def _day_path(day: datetime.date) -> str:
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


def log_key(org_id: str, account: str, region: str, day: datetime.date, epoch: float, rng: random.Random) -> str:
    suffix = "".join(rng.choice(ALNUM) for _ in range(16))
    return (
        f"AWSLogs/{org_id}/{account}/CloudTrail/{region}/{_day_path(day)}/"
        f"{account}_CloudTrail_{region}_{_stamp_minute(epoch)}_{suffix}.json.gz"
    )


def digest_key(org_id: str, account: str, region: str, day: datetime.date, epoch: float, trail: str) -> str:
    return (
        f"AWSLogs/{org_id}/{account}/CloudTrail-Digest/{region}/{_day_path(day)}/"
        f"{account}_CloudTrail-Digest_{region}_{trail}_{region}_{_stamp_second(epoch)}.json.gz"
    )


class Writer:
    """Writes one (account, region, day) partition's log files and its digest file."""

    def __init__(self, bucket: str, org_id: str, trail: str, per_object: int, level: int, seed: int) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
            raise ValueError(f"bad bucket name {bucket!r}")
        if not org_id or "/" in org_id:
            raise ValueError(f"bad org_id {org_id!r}")
        if per_object < 1:
            raise ValueError("per_object must be at least 1")
        self.bucket, self.org_id, self.trail = bucket, org_id, trail
        self.per_object, self.level = per_object, level
        self.rng = random.Random(seed)
        self.objects = self.digests = self.bytes = self.digest_bytes = self.partitions = 0

    def partition(self, account: str, region: str, day: datetime.date, records: list[tuple[float, str]]) -> None:
        """records: (epoch, record JSON text) sorted by time, all of that account/region/day."""
        if not records:
            return
        self.partitions += 1
        files = []
        for start in range(0, len(records), self.per_object):
            chunk = records[start : start + self.per_object]
            newest = chunk[-1][0]
            body = ('{"Records":[' + ",".join(text for _, text in chunk) + "]}").encode()
            data = gzip_bytes(body, self.level)
            # CloudTrail names a file after its delivery, a few minutes after its newest event.
            key = log_key(self.org_id, account, region, day, newest + 300, self.rng)
            put(self.bucket, key, data, "application/json")
            self.objects += 1
            self.bytes += len(data)
            files.append((key, data, chunk[0][0], newest))
        self._digest(account, region, day, files)

    def _digest(self, account: str, region: str, day: datetime.date, files: list[tuple[str, bytes, float, float]]) -> None:
        end = max(f[3] for f in files) + 3600
        start = min(f[2] for f in files)
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))  # noqa: E731
        key = digest_key(self.org_id, account, region, day, end, self.trail)
        digest = {
            "awsAccountId": account,
            "digestStartTime": iso(start),
            "digestEndTime": iso(end),
            "digestS3Bucket": self.bucket,
            "digestS3Object": key,
            "digestPublicKeyFingerprint": hashlib.md5(self.trail.encode()).hexdigest(),
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": iso(max(f[3] for f in files)),
            "oldestEventTime": iso(start),
            "previousDigestS3Bucket": None,
            "previousDigestS3Object": None,
            "previousDigestHashValue": None,
            "previousDigestHashAlgorithm": None,
            "previousDigestSignature": None,
            "logFiles": [
                {
                    "s3Bucket": self.bucket,
                    "s3Object": k,
                    "hashValue": hashlib.sha256(d).hexdigest(),
                    "hashAlgorithm": "SHA-256",
                    "newestEventTime": iso(n),
                    "oldestEventTime": iso(o),
                }
                for k, d, o, n in files
            ],
        }
        data = gzip_bytes(json.dumps(digest, separators=COMPACT).encode(), self.level)
        put(self.bucket, key, data, "application/json")
        self.digests += 1
        self.digest_bytes += len(data)

    def summary(self) -> dict[str, Any]:
        return {
            "objects": self.objects,
            "bytes": self.bytes,
            "partitions": self.partitions,
            "digests": self.digests,
            "digest_bytes": self.digest_bytes,
        }


def _common(body: Any) -> tuple[str, str, str, str, int, int]:
    if not isinstance(body, dict):
        raise ValueError("expected an object")
    bucket = body.get("bucket")
    org_id = body.get("org_id")
    if not isinstance(bucket, str) or not isinstance(org_id, str):
        raise ValueError('give "bucket" and "org_id"')
    account = str(body.get("account") or DEFAULT_ACCOUNT)
    if not re.fullmatch(r"\d{12}", account):
        raise ValueError(f"account must be 12 digits, got {account!r}")
    per_object = int(body.get("per_object") or DEFAULT_PER_OBJECT)
    level = int(body.get("compresslevel", 6))
    if not 0 <= level <= 9:
        raise ValueError("compresslevel must be 0-9")
    return bucket, org_id, account, str(body.get("trail") or DEFAULT_TRAIL), per_object, level


# ---- POST /_strongroom/trail --------------------------------------------------------------


def put_trail(body: Any) -> dict[str, Any]:
    bucket, org_id, account, trail, per_object, level = _common(body)
    records = body.get("records")
    if not isinstance(records, list):
        raise ValueError('"records" must be a list of CloudTrail records')
    groups: dict[tuple[str, str, datetime.date], list[tuple[float, str]]] = {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise ValueError(f"records[{index}] is not an object")
        epoch = parse_time(record.get("eventTime"))
        if epoch is None:
            raise ValueError(f"records[{index}] has no usable eventTime")
        ident = record.get("userIdentity") if isinstance(record.get("userIdentity"), dict) else {}
        owner = record.get("recipientAccountId") or ident.get("accountId")
        region = record.get("awsRegion")
        if not owner or not region:
            raise ValueError(f"records[{index}] needs recipientAccountId (or userIdentity.accountId) and awsRegion")
        day = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).date()
        groups.setdefault((str(owner), str(region), day), []).append(
            (epoch, json.dumps(record, separators=COMPACT))
        )
    ensure_bucket(bucket, account)
    writer = Writer(bucket, org_id, trail, per_object, level, int(body.get("seed", 0)) or random.randrange(1 << 30))
    for (owner, region, day), items in sorted(groups.items()):
        items.sort(key=lambda item: item[0])
        writer.partition(owner, region, day, items)
    return {**writer.summary(), "records": len(records)}


# ---- POST /_strongroom/trail/generate ------------------------------------------------------

# (eventSource, eventName, readOnly, weight, requestParameters builder key)
OTHER_EVENTS = [
    ("kms.amazonaws.com", "Decrypt", True, 14, "kms_decrypt"),
    ("kms.amazonaws.com", "GenerateDataKey", True, 5, "kms_gdk"),
    ("sts.amazonaws.com", "AssumeRole", True, 12, "sts_assume"),
    ("sts.amazonaws.com", "GetCallerIdentity", True, 4, "none"),
    ("s3.amazonaws.com", "GetBucketAcl", True, 6, "s3_bucket"),
    ("s3.amazonaws.com", "GetBucketLocation", True, 5, "s3_bucket"),
    ("s3.amazonaws.com", "ListBuckets", True, 3, "s3_list"),
    ("s3.amazonaws.com", "PutBucketTagging", False, 1, "s3_bucket"),
    ("ec2.amazonaws.com", "DescribeInstances", True, 9, "ec2_describe"),
    ("ec2.amazonaws.com", "DescribeSecurityGroups", True, 4, "ec2_describe"),
    ("ec2.amazonaws.com", "DescribeVolumes", True, 3, "ec2_describe"),
    ("ec2.amazonaws.com", "CreateTags", False, 1, "ec2_tags"),
    ("iam.amazonaws.com", "GetRole", True, 3, "iam_role"),
    ("iam.amazonaws.com", "ListRoles", True, 2, "none"),
    ("logs.amazonaws.com", "CreateLogStream", False, 5, "logs_stream"),
    ("logs.amazonaws.com", "DescribeLogGroups", True, 2, "none"),
    ("lambda.amazonaws.com", "ListFunctions20150331", True, 2, "none"),
    ("ssm.amazonaws.com", "GetParameter", True, 4, "ssm_param"),
    ("dynamodb.amazonaws.com", "DescribeTable", True, 2, "ddb_table"),
    ("cloudtrail.amazonaws.com", "LookupEvents", True, 1, "none"),
]
SM_EVENTS = [("GetSecretValue", 70), ("DescribeSecret", 14), ("ListSecrets", 8), ("BatchGetSecretValue", 8)]
SERVICES = ["payments", "orders", "auth", "search", "billing", "ledger", "notify", "reports", "etl", "gateway"]
ENVS = ["prod", "staging", "dev"]
KINDS = ["db-password", "api-key", "oauth-client", "signing-key", "smtp"]
ROLES = [
    ("OrganizationAccountAccessRole", "/", "admin"),
    ("AWSReservedSSO_AdministratorAccess_0123abcd4567ef89", "/aws-reserved/sso.amazonaws.com/", "sso"),
    ("AWSReservedSSO_ReadOnly_9876fedc5432ba10", "/aws-reserved/sso.amazonaws.com/", "sso"),
    ("app-payments-task", "/service-role/", "task"),
    ("app-orders-task", "/service-role/", "task"),
    ("ec2-web-instance", "/", "ec2"),
    ("github-actions-deploy", "/ci/", "ci"),
    ("lambda-rotation", "/service-role/", "lambda"),
]
USER_AGENTS = [
    "aws-sdk-go-v2/1.36.3 os/linux lang/go#1.23.6 md/GOOS#linux md/GOARCH#amd64 api/secretsmanager#1.34.0",
    "Boto3/1.38.2 md/Botocore#1.38.2 ua/2.1 os/linux#6.1.0 md/arch#x86_64 lang/python#3.12.9 cfg/retry-mode#legacy Botocore/1.38.2",
    "aws-cli/2.27.4 md/awscrt#0.26.1 ua/2.1 os/linux#6.8.0 md/arch#x86_64 lang/python#3.13.3 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe sid/5a7d0c command/secretsmanager.get-secret-value",
    "aws-sdk-java/2.31.30 Linux/5.10.235 OpenJDK_64-Bit_Server_VM/21.0.7+6-LTS Java/21.0.7 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/legacy",
    "aws-sdk-rust/1.3.14 os/linux lang/rust/1.94.1 aws-secrets-manager-agent/2.0.0",
    "console.amazonaws.com",
]


_HEX_TO_B32 = str.maketrans("0189abcdef", "QRSTUVWXYZ")


def _rid(rng: random.Random, n: int, alphabet: str = "") -> str:
    """n random characters: A-Z and digits like access key ids by default, else hex when alphabet
    is hex digits, else drawn from alphabet."""
    if not alphabet:
        return format(rng.getrandbits(4 * n), f"0{n}x").translate(_HEX_TO_B32).upper()
    if alphabet == HEX:
        return format(rng.getrandbits(4 * n), f"0{n}x")
    return "".join(rng.choice(alphabet) for _ in range(n))


class Generator:
    def __init__(self, rng: random.Random, accounts: list[str], regions: list[str]) -> None:
        self.rng = rng
        self.roles: dict[str, list[tuple[str, str, str, str]]] = {}  # account -> (name, kind, issuer json, arn prefix)
        self.secrets: dict[tuple[str, str], list[str]] = {}
        for account in accounts:
            roles = []
            for name, path, kind in ROLES:
                role_id = "AROA" + _rid(rng, 17)
                issuer = {
                    "type": "Role",
                    "principalId": role_id,
                    "arn": f"arn:aws:iam::{account}:role{path}{name}",
                    "accountId": account,
                    "userName": name,
                }
                roles.append((name, kind, role_id, json.dumps(issuer, separators=COMPACT)))
            self.roles[account] = roles
            for region in regions:
                self.secrets[(account, region)] = self._secrets(account, region)
        other = [e for e in OTHER_EVENTS]
        self.other_events = other
        self.other_weights = [e[3] for e in other]
        self.sm_names = [e[0] for e in SM_EVENTS]
        self.sm_weights = [e[1] for e in SM_EVENTS]
        self.enc = json.JSONEncoder(separators=COMPACT, ensure_ascii=False).encode
        self.heads: dict[tuple[str, str, str, str], tuple[str, str]] = {}
        self.tls: dict[tuple[str, str], str] = {}

    def _secrets(self, account: str, region: str) -> list[str]:
        out = []
        for _ in range(40):
            name = f"{self.rng.choice(SERVICES)}/{self.rng.choice(ENVS)}/{self.rng.choice(KINDS)}"
            arn = f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-{_rid(self.rng, 6, ALNUM)}"
            out.append(arn)
        return out

    def uuid(self) -> str:
        h = format(self.rng.getrandbits(128), "032x")
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def identity(self, account: str, epoch: float) -> tuple[str, str]:
        """(userIdentity JSON, userAgent)."""
        rng = self.rng
        name, kind, role_id, issuer = rng.choice(self.roles[account])
        if kind == "sso":
            session = f"{rng.choice(['alice', 'bob', 'carol', 'dave', 'erin'])}@example.com"
            agent = rng.choice(USER_AGENTS[1:3] + USER_AGENTS[5:])
        elif kind == "ec2":
            session = "i-0" + _rid(rng, 16, HEX)
            agent = USER_AGENTS[0]
        elif kind == "task":
            session = _rid(rng, 32, HEX)
            agent = USER_AGENTS[3]
        elif kind == "ci":
            session = f"GitHubActions-{rng.randrange(10**9, 10**10)}"
            agent = USER_AGENTS[2]
        elif kind == "lambda":
            session = "SecretsManagerRotation"
            agent = USER_AGENTS[1]
        else:
            session = f"admin-{rng.randrange(1000, 9999)}"
            agent = USER_AGENTS[1]
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch - rng.randrange(60, 3500)))
        ident = (
            '{"type":"AssumedRole","principalId":"' + role_id + ":" + session + '",'
            '"arn":"arn:aws:sts::' + account + ":assumed-role/" + name + "/" + session + '",'
            '"accountId":"' + account + '","accessKeyId":"ASIA' + _rid(rng, 16) + '",'
            '"sessionContext":{"sessionIssuer":' + issuer + ',"webIdFederationData":{},'
            '"attributes":{"creationDate":"' + created + '","mfaAuthenticated":"false"}}}'
        )
        return ident, agent

    def record(
        self,
        epoch: float,
        account: str,
        region: str,
        source: str,
        name: str,
        read_only: bool,
        params: Any,
        resources: list[dict[str, str]] | None = None,
        error: tuple[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        identity: tuple[str, str] | None = None,
    ) -> str:
        rng = self.rng
        ident, agent = identity or self.identity(account, epoch)
        n = rng.getrandbits(32)
        ip = f"{(n >> 24) % 220 + 3}.{(n >> 16) & 255}.{(n >> 8) & 255}.{(n & 253) + 1}"
        # Built as text (json.dumps of the whole record is the generator's slowest step); the
        # variable strings are escaped by json.dumps, the fixed ones are plain.
        enc = self.enc
        head = self.heads.get((source, name, region, agent))
        if head is None:
            head = self.heads[(source, name, region, agent)] = (
                f'"eventSource":"{source}","eventName":"{name}","awsRegion":"{region}",'
            ), f',"userAgent":{enc(agent)}'
        tls = self.tls.get((source, region))
        if tls is None:
            tls = self.tls[(source, region)] = (
                ',"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256",'
                f'"clientProvidedHostHeader":"{source.split(".")[0]}.{region}.amazonaws.com"}}}}'
            )
        parts = [
            '{"eventVersion":"1.11","userIdentity":', ident,
            ',"eventTime":"', time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)), '",',
            head[0], '"sourceIPAddress":"', ip, '"', head[1],
        ]
        if error:
            parts += [',"errorCode":', enc(error[0]), ',"errorMessage":', enc(error[1])]
        parts += [',"requestParameters":', enc(params), ',"responseElements":null']
        if extra:
            for k, v in extra.items():
                parts += [",", enc(k), ":", enc(v)]
        parts += [',"requestID":"', self.uuid(), '","eventID":"', self.uuid(), '","readOnly":',
                  "true" if read_only else "false"]
        if resources:
            parts += [',"resources":', enc(resources)]
        parts += [',"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"', account,
                  '","eventCategory":"Management"', tls]
        return "".join(parts)

    # ---- Secrets Manager reads ----------------------------------------------------------------

    @staticmethod
    def secret_id_forms(arn: str) -> tuple[str, str, str]:
        """(name, partial ARN without the 6-character suffix, full ARN)."""
        partial = re.sub(r"-[A-Za-z0-9]{6}$", "", arn)
        return partial.split(":secret:", 1)[1], partial, arn

    def sm_record(self, epoch: float, account: str, region: str) -> str:
        rng = self.rng
        name = rng.choices(self.sm_names, self.sm_weights)[0]
        pool = self.secrets.get((account, region)) or self._secrets(account, region)
        arn = rng.choice(pool)
        res = [{"accountId": account, "type": "AWS::SecretsManager::Secret", "ARN": arn}]
        error = None
        if rng.random() < 0.03:
            error = rng.choice(
                [
                    ("AccessDenied", "User is not authorized to perform: secretsmanager:" + name),
                    ("ResourceNotFoundException", "Secrets Manager can't find the specified secret."),
                ]
            )
        if name == "ListSecrets":
            return self.record(epoch, account, region, "secretsmanager.amazonaws.com", name, True,
                               {"maxResults": 100}, error=error)
        if name == "BatchGetSecretValue":
            if rng.random() < 0.5:
                ids = [rng.choice(self.secret_id_forms(a)) for a in rng.sample(pool, 3)]
                params: Any = {"secretIdList": ids}
            else:
                params = {"filters": [{"key": "tag-key", "values": [rng.choice(SERVICES)]}]}
                res = []
            return self.record(epoch, account, region, "secretsmanager.amazonaws.com", name, True, params,
                               resources=res or None, error=error)
        sid = self.secret_id_forms(arn)[rng.choices((0, 1, 2), (4, 2, 4))[0]]
        params = {"secretId": sid}
        if name == "GetSecretValue" and rng.random() < 0.1:
            params["versionStage"] = "AWSCURRENT"
        return self.record(epoch, account, region, "secretsmanager.amazonaws.com", name, True, params,
                           resources=None if error else res, error=error)

    def busy_record(self, epoch: float, arn: str, index: int) -> str:
        """A successful GetSecretValue of the busy secret; secretId cycles name, partial ARN, full ARN."""
        parts = arn.split(":")
        region, account = parts[3], parts[4]
        sid = self.secret_id_forms(arn)[index % 3]
        res = [{"accountId": account, "type": "AWS::SecretsManager::Secret", "ARN": arn}]
        return self.record(epoch, account, region, "secretsmanager.amazonaws.com", "GetSecretValue", True,
                           {"secretId": sid}, resources=res)

    # ---- everything else ----------------------------------------------------------------------

    def other_record(self, epoch: float, account: str, region: str) -> str:
        rng = self.rng
        source, name, read_only, _, kind = rng.choices(self.other_events, self.other_weights)[0]
        params: Any = None
        resources = None
        extra = None
        identity = None
        if kind == "kms_decrypt":
            key = f"arn:aws:kms:{region}:{account}:key/{self.uuid()}"
            resources = [{"accountId": account, "type": "AWS::KMS::Key", "ARN": key}]
            if rng.random() < 0.3:
                # Secrets Manager decrypting a secret for a caller: names the secret, is no secret read.
                secret = rng.choice(self.secrets.get((account, region)) or self._secrets(account, region))
                params = {"encryptionContext": {"SecretARN": secret, "SecretVersionId": self.uuid()},
                          "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}
                identity = (
                    '{"type":"AWSService","invokedBy":"secretsmanager.amazonaws.com"}',
                    "secretsmanager.amazonaws.com",
                )
            else:
                params = {"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "keyId": key}
        elif kind == "kms_gdk":
            key = f"arn:aws:kms:{region}:{account}:key/{self.uuid()}"
            params = {"keyId": key, "keySpec": "AES_256"}
            resources = [{"accountId": account, "type": "AWS::KMS::Key", "ARN": key}]
        elif kind == "sts_assume":
            role = rng.choice(self.roles[account])[0]
            params = {"roleArn": f"arn:aws:iam::{account}:role/{role}", "roleSessionName": f"s-{rng.randrange(10**6)}",
                      "durationSeconds": 3600}
            resources = [{"accountId": account, "type": "AWS::IAM::Role", "ARN": params["roleArn"]}]
        elif kind == "s3_bucket":
            bucket = f"{rng.choice(SERVICES)}-{account}-{region}"
            params = {"bucketName": bucket, "Host": f"{bucket}.s3.{region}.amazonaws.com", rng.choice(["acl", "location", "tagging"]): ""}
            resources = [{"accountId": account, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}]
        elif kind == "s3_list":
            params = {"Host": f"s3.{region}.amazonaws.com"}
        elif kind == "ec2_describe":
            params = {"maxResults": 1000, "filterSet": {}}
        elif kind == "ec2_tags":
            params = {"resourcesSet": {"items": [{"resourceId": "i-0" + _rid(rng, 16, HEX)}]},
                      "tagSet": {"items": [{"key": "team", "value": rng.choice(SERVICES)}]}}
        elif kind == "iam_role":
            params = {"roleName": rng.choice(self.roles[account])[0]}
        elif kind == "logs_stream":
            params = {"logGroupName": f"/ecs/{rng.choice(SERVICES)}", "logStreamName": f"ecs/app/{self.uuid()}"}
        elif kind == "ssm_param":
            params = {"name": f"/{rng.choice(SERVICES)}/{rng.choice(ENVS)}/config", "withDecryption": True}
        elif kind == "ddb_table":
            params = {"tableName": f"{rng.choice(SERVICES)}-{rng.choice(ENVS)}"}
        error = None
        if rng.random() < 0.02:
            error = ("AccessDenied", f"User is not authorized to perform: {source.split('.')[0]}:{name}")
        return self.record(epoch, account, region, source, name, read_only, params, resources=resources,
                           error=error, extra=extra, identity=identity)


def generate(body: Any) -> dict[str, Any]:
    started = time.monotonic()
    bucket, org_id, owner, trail, per_object, level = _common(body)
    accounts = [str(a) for a in body.get("accounts") or []]
    regions = [str(r) for r in body.get("regions") or []]
    if not accounts or not regions:
        raise ValueError('give "accounts" and "regions" (non-empty lists)')
    days = int(body.get("days", 30))
    if days < 1:
        raise ValueError("days must be at least 1")
    end_text = body.get("end")
    if end_text:
        end = datetime.date.fromisoformat(str(end_text))
    else:
        end = datetime.datetime.now(datetime.timezone.utc).date()
    per_day = int(body.get("records_per_day", 2500))
    sm_share = float(body.get("sm_share", 0.05))
    if not 0 <= sm_share <= 1:
        raise ValueError("sm_share must be between 0 and 1")
    busy = body.get("secret_reads")
    busy_arn = busy_per_day = None
    if busy:
        busy_arn, busy_per_day = str(busy["arn"]), int(busy.get("per_day", 25))
        if not re.fullmatch(r"arn:aws:secretsmanager:[^:]+:\d{12}:secret:.+", busy_arn):
            raise ValueError(f"secret_reads.arn is not a secret ARN: {busy_arn!r}")
    rng = random.Random(int(body.get("seed", 1)))
    gen = Generator(rng, accounts, regions)
    ensure_bucket(bucket, owner)
    writer = Writer(bucket, org_id, trail, per_object, level, rng.randrange(1 << 30))
    cells = [(a, r) for a in accounts for r in regions]
    base, extra = divmod(per_day, len(cells))
    total = sm_total = busy_total = 0
    first = end - datetime.timedelta(days=days - 1)
    for d in range(days):
        day = first + datetime.timedelta(days=d)
        midnight = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc).timestamp()
        busy_cell = None
        if busy_arn:
            parts = busy_arn.split(":")
            busy_cell = (parts[4], parts[3])
        cell_list = list(cells)
        if busy_cell and busy_cell not in cells:
            cell_list.append(busy_cell)
        for i, (account, region) in enumerate(cell_list):
            n = (base + (1 if i < extra else 0)) if (account, region) in cells else 0
            items: list[tuple[float, str]] = []
            for _ in range(n):
                epoch = midnight + rng.random() * 86399
                if rng.random() < sm_share:
                    items.append((epoch, gen.sm_record(epoch, account, region)))
                    sm_total += 1
                else:
                    items.append((epoch, gen.other_record(epoch, account, region)))
            if busy_arn and (account, region) == busy_cell:
                for k in range(busy_per_day or 0):
                    epoch = midnight + rng.random() * 86399
                    items.append((epoch, gen.busy_record(epoch, busy_arn, busy_total)))
                    busy_total += 1
            total += len(items)
            items.sort(key=lambda item: item[0])
            writer.partition(account, region, day, items)
    return {
        "records": total,
        "sm_records": sm_total,
        "secret_reads": busy_total,
        **writer.summary(),
        "first_day": first.isoformat(),
        "last_day": end.isoformat(),
        "seconds": round(time.monotonic() - started, 3),
    }

