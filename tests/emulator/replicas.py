"""Replica behaviour moto 5.2.5 lacks, for DR drills (see README.md, "Replicas").

moto's ReplicaSecret proxies its primary: it has no KMS key of its own, no state but InSync, and
its versions are always the primary's, so a replica can never fall behind. This module adds:

- `PrimaryRegion` (its own region) on a primary that has replicas, in ListSecrets and
  DescribeSecret, as AWS shows it, so a primary whose only replica Failed (and is therefore not
  listed anywhere) is still known to be replicated;
- a replica's own KMS key: `KmsKeyId` of `AddReplicaRegions` (CreateSecret,
  ReplicateSecretToRegions, seeding) is kept in its ReplicationStatus and shown by ListSecrets and
  DescribeSecret in the replica's region (absent there when it is the AWS managed key, like AWS);
- `set_replica()` (admin route `POST /_strongroom/replicas`): a replica's status and message,
  whether its region lists it, and *drift*: its versions frozen as they are now, so a later
  PutSecretValue or rotation of the primary leaves the replica's AWSCURRENT behind
  (GetSecretValue in the replica's region then answers the frozen value);
- ReplicateSecretToRegions for a region that already has a replica of the secret replaces that
  replica instead of listing the region twice in ReplicationStatus.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.secretsmanager.models import FakeSecret, ReplicaSecret, SecretsManagerBackend, secretsmanager_backends

DEFAULT_KEY = SecretsManagerBackend.DEFAULT_KMS_KEY_ALIAS
MESSAGES = {
    "InSync": "Replication succeeded",
    "InProgress": "Replication in progress",
    "Failed": "Replication failed",
}


def apply() -> None:
    # ---- frozen versions ----------------------------------------------------------------
    def versions(self: ReplicaSecret) -> dict[str, dict[str, Any]]:
        frozen = getattr(self, "frozen", None)
        return frozen["versions"] if frozen else self.source.versions

    def default_version_id(self: ReplicaSecret) -> str | None:
        frozen = getattr(self, "frozen", None)
        return frozen["default_version_id"] if frozen else self.source.default_version_id

    ReplicaSecret.versions = property(versions)  # type: ignore[assignment]
    ReplicaSecret.default_version_id = property(default_version_id)  # type: ignore[assignment]

    # ---- the replica's own listing: its key, its frozen versions ---------------------------
    original_to_dict = ReplicaSecret.to_dict

    def to_dict(self: ReplicaSecret) -> dict[str, Any]:
        dct = original_to_dict(self)
        dct.pop("KmsKeyId", None)
        key = self.config.get("KmsKeyId")
        if key and key != DEFAULT_KEY:
            dct["KmsKeyId"] = key
        frozen = getattr(self, "frozen", None)
        if frozen:
            stages = {vid: list(v["version_stages"]) for vid, v in frozen["versions"].items()}
            dct["VersionIdsToStages"] = stages
            dct["SecretVersionsToStages"] = stages
            dct["LastChangedDate"] = frozen["last_changed_date"]
        return dct

    ReplicaSecret.to_dict = to_dict

    # ---- PrimaryRegion on replicated primaries, as AWS lists them ----------------------------
    original_primary_to_dict = FakeSecret.to_dict

    def primary_to_dict(self: FakeSecret) -> dict[str, Any]:
        dct = original_primary_to_dict(self)
        if self.replicas:
            dct.setdefault("PrimaryRegion", self.region)
        return dct

    FakeSecret.to_dict = primary_to_dict

    # ---- KmsKeyId of AddReplicaRegions ---------------------------------------------------
    original_create = FakeSecret.create_replicas

    def create_replicas(self: FakeSecret, replica_regions: list[dict[str, str]], force_overwrite: bool) -> list:
        replicas = original_create(self, replica_regions, force_overwrite)
        for replica, config in zip(replicas, replica_regions or []):
            if config.get("KmsKeyId"):
                replica.config["KmsKeyId"] = config["KmsKeyId"]
        return replicas

    FakeSecret.create_replicas = create_replicas

    # ---- ReplicateSecretToRegions over an existing replica region -------------------------
    original_replicate = SecretsManagerBackend.replicate_secret_to_regions

    def replicate_secret_to_regions(
        self: SecretsManagerBackend, secret_id: str, replica_regions: list[dict[str, str]], force_overwrite: bool
    ) -> tuple[str, list[dict[str, Any]]]:
        secret = self.secrets.get(secret_id)
        if isinstance(secret, FakeSecret):
            wanted = {r.get("Region") for r in replica_regions or []}
            kept = [r for r in secret.replicas if r.region not in wanted]
            if force_overwrite:
                secret.replicas = kept
        return original_replicate(self, secret_id, replica_regions, force_overwrite)

    SecretsManagerBackend.replicate_secret_to_regions = replicate_secret_to_regions


def replica_configs(spec: Any) -> list[dict[str, str]]:
    """`replica_regions` of a seed spec: region names, or `{"Region", "KmsKeyId"}` objects."""
    out = []
    for item in spec or []:
        if isinstance(item, str):
            out.append({"Region": item})
        elif isinstance(item, dict) and isinstance(item.get("Region"), str):
            out.append({k: v for k, v in item.items() if k in ("Region", "KmsKeyId")})
        else:
            raise ValueError(f"replica_regions: expected a region name or {{'Region', 'KmsKeyId'}}, got {item!r}")
    return out


def set_replica(body: dict[str, Any]) -> dict[str, Any]:
    """Changes one replica of a primary; see README.md for the fields."""
    account = str(body.get("account") or "123456789012")
    region = body["region"]
    name = body["secret"]
    replica_region = body["replica_region"]
    primary = secretsmanager_backends[account][region].secrets.get(name)
    if not isinstance(primary, FakeSecret):
        raise ValueError(f"no primary secret {name!r} in {account} {region}")
    replica = next((r for r in primary.replicas if r.region == replica_region), None)
    if replica is None:
        raise ValueError(f"{name!r} has no replica in {replica_region}")
    status = body.get("status")
    if status is not None:
        if status not in MESSAGES:
            raise ValueError(f"status must be one of {sorted(MESSAGES)}, got {status!r}")
        replica.status = status
        replica.config["Status"] = status
        replica.config["StatusMessage"] = body.get("message") or MESSAGES[status]
    elif body.get("message") is not None:
        replica.config["StatusMessage"] = body["message"]
    if body.get("kms_key_id") is not None:
        replica.config["KmsKeyId"] = body["kms_key_id"]
    if "drift" in body:
        replica.frozen = _freeze(primary) if body["drift"] else None
    if body.get("replica_secret_string") is not None:
        frozen = getattr(replica, "frozen", None)
        if not frozen or not frozen["default_version_id"]:
            raise ValueError("replica_secret_string needs drift: true (the replica's own copy of the versions)")
        frozen["versions"][frozen["default_version_id"]]["secret_string"] = body["replica_secret_string"]
    if "listed" in body:
        _set_listed(account, replica, bool(body["listed"]))
    backend = secretsmanager_backends[account][replica_region]
    return {
        "arn": replica.arn,
        "replication_status": [r.config for r in primary.replicas],
        "drift": getattr(replica, "frozen", None) is not None,
        "listed": any(v is replica for v in dict.values(backend.secrets)),
    }


def _freeze(primary: FakeSecret) -> dict[str, Any]:
    return {
        "versions": copy.deepcopy(primary.versions),
        "default_version_id": primary.default_version_id,
        "last_changed_date": primary.last_changed_date,
    }


def _set_listed(account: str, replica: ReplicaSecret, listed: bool) -> None:
    """Whether the replica's region lists it (a replica that failed to be created does not exist)."""
    backend = secretsmanager_backends[account][replica.region]
    present = any(v is replica for v in dict.values(backend.secrets))
    if listed and not present:
        dict.__setitem__(backend.secrets, replica.arn, replica)
    elif not listed and present:
        for key, value in list(dict.items(backend.secrets)):
            if value is replica:
                dict.pop(backend.secrets, key)
