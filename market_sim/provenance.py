"""Provenance for results: package versions, git commit, command line, time."""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = ("market-sim", "mesa", "numpy", "scipy", "pandas", "matplotlib", "pyarrow", "networkx")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str:
    """The commit of the source tree market_sim runs from ('+dirty' if modified), or 'unknown'."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def manifest(**fields) -> dict:
    """A manifest dict: the given fields plus versions, commit, command line and time (UTC)."""
    return {
        **fields,
        "packages": package_versions(),
        "git_commit": git_commit(),
        "command_line": sys.argv,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
