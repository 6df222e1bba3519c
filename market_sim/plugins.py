"""User strategy files: imported on request (``--plugin FILE.py``, or a sweep spec's ``plugins``).

A scenario never names code; only the command line or an experiment's spec does, explicitly.
Importing is idempotent, so sweep workers can load the same files before every run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

from market_sim.errors import UserError


def load_plugins(paths) -> None:
    """Import each Python file in ``paths`` once per process (its strategies register themselves)."""
    for path in paths:
        file = Path(path).resolve()
        if not file.is_file():
            raise UserError(f"plugin {str(path)!r}: no such file")
        name = "market_sim_plugin_" + hashlib.sha1(str(file).encode()).hexdigest()[:12]
        if name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(name, file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
