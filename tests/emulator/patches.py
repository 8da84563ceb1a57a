"""Small patches to moto 5.2.5 (the version pinned in requirements.lock).

- access key -> account: moto's account-from-access-key hook consults the identity map,
  and moto reads the access key from SigV4's Credential= whatever its length (moto's own
  regex wants exactly 20 characters and otherwise falls back to AKIAEXAMPLE, i.e. the
  default account, while the middleware already logged the mapped account);
- STS GetCallerIdentity answers with the mapped identity;
- STS AssumeRole: the sessions of the keys it issues, a stable role id (roles.py);
- Organizations: calls routed by the caller's account, pagination fixed (orgs.py);
- Secrets Manager LastAccessedDate (per region, truncated to the day) on GetSecretValue
  and BatchGetSecretValue, shown by DescribeSecret and ListSecrets;
- Secrets Manager StopReplicationToReplica (moto 5.2.5 does not have it);
- replicas with their own KMS key, status and frozen versions (replicas.py);
- seed(): bulk-create secrets straight in the backend.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
import time
import uuid
from typing import Any

import moto.iam.models as iam_models
from moto.core.responses import BaseResponse
from moto.secretsmanager.exceptions import InvalidRequestException, SecretNotFoundException
from moto.secretsmanager.models import FakeSecret, ReplicaSecret, SecretsManagerBackend, secretsmanager_backends
from moto.secretsmanager.responses import SecretsManagerResponse
from moto.sts.models import STSBackend

import orgs
import replicas
import roles
from state import State


_CREDENTIAL = re.compile(r"Credential=([^/]+)/")


def _today_midnight() -> int:
    now = datetime.datetime.now(datetime.timezone.utc)
    return int(datetime.datetime(now.year, now.month, now.day, tzinfo=datetime.timezone.utc).timestamp())


def apply(state: State) -> None:
    # ---- accounts ----------------------------------------------------------------
    original_account = iam_models.get_account_id_from

    def get_account_id_from(access_key: str) -> str:
        # A mapped key's account, else the account of the role whose session issued the key
        # (moto would find it too, by scanning every account's IAM keys), else moto's answer.
        return state.account_for(access_key) or roles.session_account(access_key) or original_account(access_key)

    iam_models.get_account_id_from = get_account_id_from  # moto imports it at call time

    # Same parsing as middleware.CREDENTIAL, so moto and the call log / CloudTrail agree on
    # the key (and so the account) for keys that are not exactly 20 characters long.
    original_access_key = BaseResponse.get_access_key

    def get_access_key(self: BaseResponse) -> str:
        match = _CREDENTIAL.search(self.headers.get("Authorization") or "")
        return match.group(1) if match else original_access_key(self)

    BaseResponse.get_access_key = get_access_key

    # ---- STS GetCallerIdentity -------------------------------------------------
    original_caller = STSBackend.get_caller_identity

    def get_caller_identity(self: STSBackend, access_key_id: str, region: str) -> tuple[str, str, str]:
        user_id, arn, account = original_caller(self, access_key_id, region)
        if state.mapped(access_key_id) is None and not arn.endswith(":user/moto"):
            return user_id, arn, account  # a key moto itself issued (IAM user / assumed role)
        ident = state.user_identity(access_key_id, self.account_id)
        return ident.get("principalId", user_id), ident.get("arn", arn), ident["accountId"]

    STSBackend.get_caller_identity = get_caller_identity

    # ---- STS AssumeRole sessions; Organizations routing (roles.py, orgs.py) -----------
    roles.apply(state)
    orgs.apply()

    # ---- LastAccessedDate ------------------------------------------------------
    original_get = SecretsManagerBackend.get_secret_value

    def get_secret_value(self: SecretsManagerBackend, secret_id: str, version_id: str, version_stage: str) -> Any:
        result = original_get(self, secret_id, version_id, version_stage)
        secret = self.secrets.get(secret_id)
        if secret is not None:
            secret.last_accessed_date = _today_midnight()
        return result

    SecretsManagerBackend.get_secret_value = get_secret_value

    def with_last_accessed(original: Any) -> Any:
        def to_dict(self: Any) -> dict[str, Any]:
            dct = original(self)
            dct.pop("LastAccessedDate", None)
            accessed = getattr(self, "last_accessed_date", None)
            if accessed is not None:
                dct["LastAccessedDate"] = accessed
            return dct

        return to_dict

    FakeSecret.to_dict = with_last_accessed(FakeSecret.to_dict)
    ReplicaSecret.to_dict = with_last_accessed(ReplicaSecret.to_dict)

    # ---- StopReplicationToReplica -------------------------------------------
    SecretsManagerBackend.stop_replication_to_replica = stop_replication_to_replica

    def stop_replication_response(self: SecretsManagerResponse) -> str:
        arn = self.backend.stop_replication_to_replica(self._get_param("SecretId"))
        return json.dumps({"ARN": arn})

    SecretsManagerResponse.stop_replication_to_replica = stop_replication_response

    # ---- replicas: their own KMS key, status, drift (replicas.py) -----------------------
    replicas.apply()


def stop_replication_to_replica(self: SecretsManagerBackend, secret_id: str) -> str:
    """Promotes the replica in this (the request's) region to a standalone primary secret
    and removes it from the primary's ReplicationStatus."""
    if not self._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    replica = self.secrets[secret_id]
    if not isinstance(replica, ReplicaSecret):
        raise InvalidRequestException(
            "StopReplicationToReplica can only be called on a replica secret, in the replica's Region."
        )
    source = replica.source
    promoted = copy.copy(source)
    promoted.region = self.region_name
    promoted.arn = replica.arn
    promoted.replicas = []
    # What the replica holds: a drifted replica (replicas.py) is promoted with its own versions.
    promoted.versions = copy.deepcopy(replica.versions)
    promoted.default_version_id = replica.default_version_id
    promoted.tags = copy.deepcopy(source.tags)
    promoted.kms_key_id = replica.config.get("KmsKeyId", source.kms_key_id)
    promoted.last_accessed_date = getattr(replica, "last_accessed_date", None)
    for key, value in list(dict.items(self.secrets)):
        if value is replica:
            dict.pop(self.secrets, key)
    dict.__setitem__(self.secrets, promoted.name, promoted)
    source.replicas = [r for r in source.replicas if r is not replica]
    return promoted.arn


def seed(account: str, region: str, secrets: list[dict[str, Any]]) -> list[str]:
    """Creates secrets directly in moto's backend (no HTTP, no CloudTrail events).
    Linear time: skips moto's O(n) name checks, replacing any secret of the same name."""
    backend = secretsmanager_backends[account][region]
    now = int(time.time())
    arns = []
    for spec in secrets:
        name = spec["name"]
        version_id = str(uuid.uuid4())
        version: dict[str, Any] = {"createdate": now, "version_id": version_id, "version_stages": ["AWSCURRENT"]}
        if spec.get("secret_string") is not None:
            version["secret_string"] = spec["secret_string"]
        if spec.get("secret_binary") is not None:
            version["secret_binary"] = spec["secret_binary"]
        secret = FakeSecret(
            account_id=account,
            region_name=region,
            secret_id=name,
            secret_version=version,
            version_id=version_id,
            secret_string=spec.get("secret_string"),
            secret_binary=spec.get("secret_binary"),
            description=spec.get("description"),
            tags=spec.get("tags"),
            kms_key_id=spec.get("kms_key_id"),
            last_changed_date=spec.get("last_changed_date", now),
            created_date=spec.get("created_date", now),
        )
        dict.__setitem__(backend.secrets, name, secret)
        for config in replicas.replica_configs(spec.get("replica_regions")):
            replica = ReplicaSecret(secret, config["Region"])
            if config.get("KmsKeyId"):
                replica.config["KmsKeyId"] = config["KmsKeyId"]
            dict.__setitem__(secretsmanager_backends[account][replica.region].secrets, replica.arn, replica)
            secret.replicas.append(replica)
        arns.append(secret.arn)
    return arns


def secret_arn(account: str, region: str, secret_id: Any) -> str | None:
    """ARN of the secret a request names, if it exists (for CloudTrail resources[])."""
    if not isinstance(secret_id, str) or not secret_id:
        return None
    try:
        secret = secretsmanager_backends[account][region].secrets.get(secret_id)
    except Exception:
        return None
    return secret.arn if secret is not None else None
