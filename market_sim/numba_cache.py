"""A writable cache folder for numba's compiled loops, so ``import market_sim`` never fails.

numba caches compiled functions beside their source (``market_sim/market/__pycache__``) or in
the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``); with neither writable (a read-only
install and no writable HOME) it refuses to compile ("no locator available"). Before numba is
imported, :func:`ensure_cache_dir` points ``NUMBA_CACHE_DIR`` at a private folder under the
temporary directory in that case only; an explicit ``NUMBA_CACHE_DIR`` is always kept.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent / "market"


def writable(folder: Path) -> bool:
    """Whether ``folder`` (or, if missing, its nearest existing parent) accepts new files."""
    for path in (folder, *folder.parents):
        if path.exists():
            return path.is_dir() and os.access(path, os.W_OK | os.X_OK)
    return False


def user_cache_dir() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base)
    try:
        return Path.home() / ".cache"
    except (RuntimeError, KeyError):  # no HOME and no passwd entry
        return None


def choose_cache_dir() -> str | None:
    """The folder to give numba, or None when its own defaults work."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    if writable(SOURCE_DIR / "__pycache__"):
        return None
    user = user_cache_dir()
    if user is not None and writable(user):
        return None
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return str(Path(tempfile.gettempdir()) / f"market_sim-numba-{uid}")


def ensure_cache_dir() -> None:
    folder = choose_cache_dir()
    if folder is None:
        return
    os.makedirs(folder, mode=0o700, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = folder
    config = sys.modules.get("numba.core.config")
    if config is not None:  # numba imported before market_sim: its config has read the environment
        config.CACHE_DIR = folder
