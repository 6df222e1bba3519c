"""The result set on disk, written as runs finish, readable at any moment.

    <out>/manifest.json          spec, spec hash, versions, git commit, command line, times
    <out>/spec.toml              the spec as given
    <out>/design.json            design points (and the SALib problem and sample matrix)
    <out>/records/<run_id>.json  one status record per finished run (ok or failed)
    <out>/timeseries/part-<run_id>.parquet   one part per successful run: run_id, month, metrics
    <out>/runs.parquet           all records as one table, rewritten when a sweep ends

Every file is written to a temporary name and renamed (with the umask's permissions), so a
reader (or a resumed sweep) never sees a half-written file. A run's part is written before its
record, and the record holds the part's SHA-256, its size and the spec hash; a run counts as
finished only when :mod:`market_sim.sweep.integrity` verifies both. Writers hold the folder's
lock (:mod:`market_sim.sweep.lock`).
"""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from market_sim.files import atomic_write_bytes, dir_mode
from market_sim.sweep import integrity
from market_sim.sweep.integrity import PARTS, RECORDS, part_path, record_path, seal, sha256_bytes


def atomic_write_json(path: Path, obj) -> None:
    atomic_write_bytes(path, json.dumps(obj, indent=2, default=str).encode())


class ResultStore:
    """Reads and writes one sweep's folder."""

    def __init__(self, root: str | Path, spec_hash: str | None = None):
        self.root = Path(root)
        self.spec_hash = spec_hash

    def create(self, manifest: dict, spec_text: str, design: dict) -> None:
        for sub in (RECORDS, PARTS):
            (self.root / sub).mkdir(mode=dir_mode(), parents=True, exist_ok=True)
        atomic_write_bytes(self.root / "spec.toml", spec_text.encode())
        blob = json.dumps(design, indent=2, default=str).encode()
        atomic_write_bytes(self.root / "design.json", blob)
        atomic_write_json(self.root / "manifest.json", {**manifest, "design_sha256": sha256_bytes(blob)})

    def exists(self) -> bool:
        return (self.root / "manifest.json").exists()

    def manifest(self) -> dict:
        return json.loads((self.root / "manifest.json").read_text(encoding="utf-8"))

    def update_manifest(self, **fields) -> None:
        atomic_write_json(self.root / "manifest.json", {**self.manifest(), **fields})

    def clear(self) -> None:
        """Remove a previous result set (``--force-new``)."""
        for name in (RECORDS, PARTS):
            shutil.rmtree(self.root / name, ignore_errors=True)
        for name in ("manifest.json", "spec.toml", "design.json", "runs.parquet"):
            (self.root / name).unlink(missing_ok=True)

    def remove_temporary(self) -> None:
        """Delete temporary files an interrupted sweep left behind (never read as results)."""
        for path in self.root.rglob(".tmp-*"):
            path.unlink(missing_ok=True)

    def health(self) -> integrity.Health:
        """Verify every record and part (checksums, spec hash)."""
        return integrity.check(self.root, self.spec_hash)

    def finished(self) -> dict[int, str]:
        """run_id -> status of every run whose record and part verify (see :mod:`integrity`)."""
        return self.health().finished

    def write_run(self, record: dict, timeseries: pd.DataFrame | None) -> None:
        """Write a finished run: its timeseries part first, then its record (with the part's checksum)."""
        run_id = int(record["run_id"])
        record = {**record, "spec_hash": self.spec_hash}
        if timeseries is not None:
            buf = io.BytesIO()
            timeseries.to_parquet(buf, index=False)
            data = buf.getvalue()
            atomic_write_bytes(part_path(self.root, run_id), data)
            record.update(part_sha256=sha256_bytes(data), part_bytes=len(data))
        atomic_write_json(record_path(self.root, run_id), seal(record))

    def runs(self, health: integrity.Health | None = None) -> pd.DataFrame:
        """One row per run with a record; runs that fail verification get status ``"damaged"``."""
        health = health or self.health()
        damaged = [  # with the record's arm, point and seed when only the part is damaged
            {**health.records.get(r, {"run_id": r}), "status": "damaged", "error": why}
            for r, why in health.damaged_runs.items()
        ]
        records = [health.records[r] for r in sorted(health.records) if r not in health.damaged_runs] + damaged
        if not records:
            return pd.DataFrame(columns=["run_id", "arm", "point", "replicate", "seed", "status"])
        hidden = ("parameters", "part_sha256", "part_bytes", "record_sha256", "spec_hash")
        flat = [{**{k: v for k, v in r.items() if k not in hidden}, **r.get("parameters", {})} for r in records]
        return pd.DataFrame(flat).sort_values("run_id").reset_index(drop=True)

    def consolidate(self) -> pd.DataFrame:
        """Write runs.parquet from the records; returns it."""
        runs = self.runs()
        buf = io.BytesIO()
        runs.to_parquet(buf, index=False)
        atomic_write_bytes(self.root / "runs.parquet", buf.getvalue())
        return runs

    def timeseries(self, columns: list[str] | None = None, run_ids=None) -> pd.DataFrame:
        ok = set(run_ids) if run_ids is not None else None
        parts = sorted((self.root / PARTS).glob("part-*.parquet"))
        if ok is not None:
            parts = [p for p in parts if int(p.stem.split("-")[1]) in ok]
        if not parts:
            return pd.DataFrame()
        cols = (
            None
            if columns is None
            else ["run_id", "month", "date", *[c for c in columns if c not in ("run_id", "month", "date")]]
        )
        return pd.concat([pd.read_parquet(p, columns=cols) for p in parts], ignore_index=True)


@dataclass
class SweepResult:
    """A sweep's results as tidy DataFrames (see :func:`load_sweep`)."""

    path: Path
    manifest: dict
    design: dict
    runs: pd.DataFrame
    _store: ResultStore
    health: integrity.Health | None = None

    def timeseries(self, metrics: list[str] | None = None) -> pd.DataFrame:
        """One row per successful run x month: run_id, month, date and the metrics (all by default)."""
        ok = self.runs.loc[self.runs["status"] == "ok", "run_id"] if len(self.runs) else []
        return self._store.timeseries(metrics, run_ids=list(ok))

    @property
    def spec(self) -> dict:
        return self.manifest["spec"]


def load_sweep(path: str | Path) -> SweepResult:
    """Read a sweep folder (finished or not): manifest, design, runs table, timeseries on demand."""
    store = ResultStore(path)
    if not store.exists():
        raise FileNotFoundError(f"{path} holds no sweep (no manifest.json)")
    try:
        manifest = store.manifest()
        design = json.loads((store.root / "design.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: manifest.json or design.json is unreadable ({exc})") from None
    store.spec_hash = manifest.get("spec_hash")
    health = store.health()
    return SweepResult(store.root, manifest, design, store.runs(health), store, health)
