"""Checksums and health of a sweep's result set: which runs are finished, and what is damaged.

A run counts as finished only when its record is intact (valid JSON whose own SHA-256,
``record_sha256``, matches, with the run id of its file name and the set's spec hash) and,
for a successful run, its part exists and the SHA-256 of the part file equals the record's
``part_sha256``. Anything else is damage, named by file: a resume re-runs those runs, and
``analyze`` refuses the set unless told ``--allow-damaged``. ``design.json`` is checked against
the manifest's ``design_sha256``. Metric (column) names of every part must be safe file-name
parts, since analysis names figures after them.

Result sets written before checksums existed have records without them: such runs are
``unverified`` (counted as finished if their part exists), not damaged.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

RECORDS, PARTS = "records", "timeseries"
SAFE_COLUMN = re.compile(r"[A-Za-z0-9_.-]{1,200}")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _canonical(record: dict) -> bytes:
    body = {k: v for k, v in record.items() if k != "record_sha256"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def seal(record: dict) -> dict:
    """The record with ``record_sha256``: the SHA-256 of its canonical JSON without that field."""
    return {**record, "record_sha256": sha256_bytes(_canonical(record))}


def part_path(root: Path, run_id: int) -> Path:
    return root / PARTS / f"part-{run_id:07d}.parquet"


def record_path(root: Path, run_id: int) -> Path:
    return root / RECORDS / f"{run_id:07d}.json"


@dataclass
class Health:
    """The state of a result set: finished runs by status, and each damaged file with its reason."""

    planned: int
    finished: dict[int, str] = field(default_factory=dict)  # run_id -> "ok" | "failed" (intact only)
    unverified: set[int] = field(default_factory=set)
    damaged: dict[str, str] = field(default_factory=dict)  # file (relative to the set) -> reason
    damaged_runs: dict[int, str] = field(default_factory=dict)  # run_id -> reason
    records: dict[int, dict] = field(default_factory=dict)  # intact records

    @property
    def healthy(self) -> bool:
        return not self.damaged

    @property
    def missing(self) -> int:
        return max(self.planned - len(self.finished) - len(self.damaged_runs), 0)

    def summary(self) -> str:
        ok = sum(s == "ok" for s in self.finished.values())
        failed = len(self.finished) - ok
        text = (
            f"{self.planned} runs planned: {ok} ok, {failed} failed, {self.missing} not run yet, "
            f"{len(self.damaged_runs)} damaged"
        )
        if self.unverified:
            text += f", {len(self.unverified)} without checksums (written by an older market_sim)"
        return text

    def damage_line(self, most: int = 5) -> str:
        items = sorted(self.damaged.items())
        shown = "; ".join(f"{path}: {why}" for path, why in items[:most])
        return shown + (f"; and {len(items) - most} more" if len(items) > most else "")


def check(root: str | Path, spec_hash: str | None = None, planned: int | None = None) -> Health:
    """Check every record and part of the set in ``root`` (see the module docstring)."""
    root = Path(root)
    manifest = _read_json(root / "manifest.json")
    if spec_hash is None and isinstance(manifest, dict):
        spec_hash = manifest.get("spec_hash")
    if planned is None:
        planned = int(manifest.get("runs", 0)) if isinstance(manifest, dict) else 0
    health = Health(planned=planned)
    if isinstance(manifest, dict) and manifest.get("design_sha256"):
        design = root / "design.json"
        if not design.is_file() or sha256_file(design) != manifest["design_sha256"]:
            health.damaged["design.json"] = "missing, or does not match the manifest's design_sha256"
    for path in sorted((root / RECORDS).glob("*.json")):
        rel = f"{RECORDS}/{path.name}"
        run_id, why = _check_record(path, spec_hash, health)
        if why:
            health.damaged[rel] = why
            if run_id is not None:
                health.damaged_runs[run_id] = why
            continue
        record = health.records[run_id]
        if record["status"] != "ok":
            health.finished[run_id] = record["status"]
            continue
        part = part_path(root, run_id)
        why = _check_part(part, record)
        if why == "unverified":
            health.unverified.add(run_id)
            health.finished[run_id] = "ok"
        elif why:
            health.damaged[f"{PARTS}/{part.name}"] = why
            health.damaged_runs[run_id] = why
        else:
            health.finished[run_id] = "ok"
    return health


def _check_record(path: Path, spec_hash: str | None, health: Health) -> tuple[int | None, str]:
    stem = path.stem
    run_id = int(stem) if stem.isdigit() else None
    record = _read_json(path)
    if not isinstance(record, dict):
        return run_id, "record is not valid JSON (truncated or corrupt)"
    if "record_sha256" in record and record["record_sha256"] != sha256_bytes(_canonical(record)):
        return run_id, "record fails its checksum (changed after it was written)"
    if run_id is None or record.get("run_id") != run_id:
        return run_id, f"record names run {record.get('run_id')!r}, its file name another"
    if record.get("status") not in ("ok", "failed"):
        return run_id, f"record has status {record.get('status')!r}"
    if spec_hash and record.get("spec_hash", spec_hash) != spec_hash:
        return run_id, f"record of another spec (hash {record.get('spec_hash')}, this set {spec_hash})"
    health.records[run_id] = record
    return run_id, ""


def _check_part(part: Path, record: dict) -> str:
    if not part.is_file():
        return "part file missing"
    expected = record.get("part_sha256")
    if expected is None:
        return "unverified"
    size = part.stat().st_size
    if "part_bytes" in record and size != record["part_bytes"]:
        return f"part has {size} bytes, its record says {record['part_bytes']} (truncated or replaced)"
    if sha256_file(part) != expected:
        return "part fails its SHA-256 checksum (corrupt or replaced)"
    try:
        names = pq.read_schema(part).names
    except Exception:  # noqa: BLE001 - any unreadable part is damage
        return "part is not a readable parquet file"
    bad = [n for n in names if not SAFE_COLUMN.fullmatch(n)]
    if bad:
        return f"part has an unsafe column name {bad[0]!r}"
    return ""


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
