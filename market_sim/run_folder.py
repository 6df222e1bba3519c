"""A run's output folder: never destroy what market_sim did not write.

- ``--out`` naming an existing file, a folder that is not a market_sim run folder, the current
  folder or one of its parents is refused (exit 2).
- An existing run folder is replaced only if it holds the same result (same scenario hash,
  seed and months: runs are deterministic) or with ``force``; a folder holding files market_sim
  does not write is never replaced.
- The default folder name is ``<scenario>-seed<N>``, plus ``-set<hash>`` (8 hex digits of the
  overrides) when ``--set``/``--months`` are given, so differently overridden runs do not meet.
- A result is written into a temporary folder beside the target and swapped in with one
  ``renameat2(RENAME_EXCHANGE)`` where the kernel has it (else two renames); temporary folders
  of writers that died are removed on the next save.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

from market_sim.errors import UserError
from market_sim.files import stale_temp_dirs

RUN_FILES = frozenset(
    {
        "timeseries.parquet",
        "timeseries.csv",
        "vendors.csv",
        "manifest.json",
        "scenario.toml",
        "adoption.png",
        "prices.png",
    }
)
KIND = "market_sim run"


def default_name(scenario_file: str | None, seed: int, overrides: dict) -> str:
    """``<scenario stem>-seed<N>[-set<8 hex>]``, made of safe characters only."""
    stem = Path(scenario_file).stem if scenario_file else "default"
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", stem).lstrip(".") or "scenario"
    name = f"{stem}-seed{seed}"
    if overrides:
        blob = json.dumps(overrides, sort_keys=True, default=str)
        name += "-set" + hashlib.sha256(blob.encode()).hexdigest()[:8]
    return name


def read_run_manifest(folder: Path) -> dict | None:
    """The manifest of a market_sim run folder, or None if ``folder`` is not one."""
    try:
        info = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or "scenario_hash" not in info or "packages" not in info:
        return None
    return info


def check_target(out: Path, scenario_hash: str, seed, months: int, force: bool = False) -> None:
    """Refuse (UserError) to write a run to ``out`` unless that destroys nothing market_sim did not write."""
    text = str(out)
    if text in ("", "."):
        raise UserError(f"--out {text!r} is not allowed: expected a folder name for the results")
    target = Path(os.path.abspath(out))
    cwd = Path(os.getcwd())
    if target == cwd or cwd.is_relative_to(target):
        raise UserError(f"--out {text!r} is not allowed: it is the current folder or one of its parents")
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise UserError(f"--out {text!r} exists and is not a folder: refusing to replace it")
    if not target.exists():
        return
    entries = sorted(p.name for p in target.iterdir())
    if not entries:
        return
    info = read_run_manifest(target)
    if info is None:
        shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
        raise UserError(
            f"--out {text!r} exists and is not a market_sim run folder (it holds {shown}): "
            "refusing to replace it; choose another --out"
        )
    foreign = [e for e in entries if e not in RUN_FILES]
    if foreign:
        raise UserError(
            f"--out {text!r} holds files market_sim did not write ({', '.join(foreign[:3])}): "
            "refusing to replace it, even with --force"
        )
    same = info.get("scenario_hash") == scenario_hash and info.get("seed") == seed and info.get("months") == months
    if not same and not force:
        raise UserError(
            f"--out {text!r} holds a run of another scenario or seed (scenario {info.get('scenario_hash')}, "
            f"seed {info.get('seed')}; this run: scenario {scenario_hash}, seed {seed}): "
            "pass --force to replace it, or choose another --out"
        )


def install(tmp: Path, out: Path) -> None:
    """Put the finished folder ``tmp`` at ``out``, replacing an old result there, then remove the old one."""
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        os.replace(tmp, out)  # rename onto an empty folder is allowed
        return
    if _exchange(tmp, out):
        shutil.rmtree(tmp)  # now holds the old result
        return
    old = tmp.with_name(tmp.name + "-old")
    os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old)


def clean_stale(parent: Path, name: str) -> list[Path]:
    """Remove temporary folders that interrupted saves of ``name`` left beside it; returns them."""
    removed = stale_temp_dirs(parent, name)
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
