"""The result set on disk, written as runs finish, readable at any moment.

    <out>/manifest.json          spec, spec hash, versions, git commit, command line, times
    <out>/spec.toml              the spec as given
    <out>/design.json            design points (and the SALib problem and sample matrix)
    <out>/records/<run_id>.json  one status record per finished run (ok or failed)
    <out>/timeseries/part-<run_id>.parquet   one part per successful run: run_id, month, metrics
    <out>/runs.parquet           all records as one table, rewritten when a sweep ends

Every file is written to a temporary name and renamed, so a reader (or a resumed sweep) never
sees a half-written file; a run counts as finished only once its record exists, and its
record is written after its timeseries part.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

RECORDS, PARTS = "records", "timeseries"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_json(path: Path, obj) -> None:
    atomic_write_bytes(path, json.dumps(obj, indent=2, default=str).encode())


class ResultStore:
    """Reads and writes one sweep's folder."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def create(self, manifest: dict, spec_text: str, design: dict) -> None:
        (self.root / RECORDS).mkdir(parents=True, exist_ok=True)
        (self.root / PARTS).mkdir(exist_ok=True)
        atomic_write_bytes(self.root / "spec.toml", spec_text.encode())
        atomic_write_json(self.root / "design.json", design)
        atomic_write_json(self.root / "manifest.json", manifest)

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

    def finished(self) -> dict[int, str]:
        """run_id -> status of every run with a record."""
        out = {}
        for path in (self.root / RECORDS).glob("*.json"):
            rec = json.loads(path.read_text(encoding="utf-8"))
            out[int(rec["run_id"])] = rec["status"]
        return out

    def write_run(self, record: dict, timeseries: pd.DataFrame | None) -> None:
        """Write a finished run: its timeseries part first, then its record."""
        run_id = int(record["run_id"])
        if timeseries is not None:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=self.root / PARTS)
            os.close(fd)
            try:
                timeseries.to_parquet(tmp, index=False)
                os.replace(tmp, self.root / PARTS / f"part-{run_id:07d}.parquet")
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        atomic_write_json(self.root / RECORDS / f"{run_id:07d}.json", record)

    def runs(self) -> pd.DataFrame:
        records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((self.root / RECORDS).glob("*.json"))]
        if not records:
            return pd.DataFrame(columns=["run_id", "arm", "point", "replicate", "seed", "status"])
        flat = [{**{k: v for k, v in r.items() if k != "parameters"}, **r.get("parameters", {})} for r in records]
        return pd.DataFrame(flat).sort_values("run_id").reset_index(drop=True)

    def consolidate(self) -> pd.DataFrame:
        """Write runs.parquet from the records; returns it."""
        runs = self.runs()
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=self.root)
        os.close(fd)
        runs.to_parquet(tmp, index=False)
        os.replace(tmp, self.root / "runs.parquet")
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
    design = json.loads((store.root / "design.json").read_text(encoding="utf-8"))
    return SweepResult(store.root, store.manifest(), design, store.runs(), store)
