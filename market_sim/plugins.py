"""User strategy files: imported on request (``--plugin FILE.py``, or a sweep spec's ``plugins``
with ``--allow-plugins``).

A plugin is arbitrary Python code: importing it runs it with your permissions. A scenario
never names code. A sweep spec may list plugin files, but they are imported only when the
command line says ``--allow-plugins``, only after the rest of the spec has been checked, and
only from inside the spec's folder unless the spec gives an absolute path. Each file is
imported once per process (sweep workers import it once each, before their first run).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path

from market_sim.errors import SpecError, UserError


def load_plugins(paths) -> None:
    """Import each Python file in ``paths`` once per process (its strategies register themselves)."""
    for path in paths:
        file = check_plugin_file(path)
        name = "market_sim_plugin_" + hashlib.sha1(str(file).encode()).hexdigest()[:12]
        if name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:
            raise UserError(f"plugin {str(path)!r}: not importable as a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise


def check_plugin_file(path) -> Path:
    """The resolved path of a plugin file, or a UserError: it must be an existing regular ``.py`` file."""
    text = str(path)
    if not text.endswith(".py"):
        raise UserError(f"plugin {text!r} is not allowed: expected a Python file ending in .py")
    file = Path(path).resolve()
    if not file.exists():
        raise UserError(f"plugin {text!r}: no such file")
    if not file.is_file():
        raise UserError(f"plugin {text!r} is not allowed: not a regular file")
    return file


def resolve_spec_plugins(value, base_dir: str | Path) -> tuple[str, ...]:
    """The absolute paths of a spec's ``sweep.plugins``, checked but not imported.

    A relative path must stay inside the spec's folder (after resolving ``..`` and symbolic
    links); an absolute path is taken as given (it is imported only with ``--allow-plugins``).
    """
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise SpecError(f"sweep.plugins = {value!r} is not allowed: expected a list of Python file paths")
    base = Path(base_dir).resolve()
    out = []
    for p in value:
        if Path(p).is_absolute():
            file = Path(p)
        else:
            file = (base / p).resolve()
            if not file.is_relative_to(base):
                raise SpecError(
                    f"sweep.plugins: {p!r} is not allowed: a relative plugin path must stay inside the spec's folder "
                    f"{str(base)!r} (give an absolute path to import from elsewhere)"
                )
        try:
            out.append(str(check_plugin_file(file)))
        except UserError as exc:
            raise SpecError(f"sweep.plugins: {exc}") from None
    return tuple(out)


def refuse_unless_allowed(plugins: tuple[str, ...], allowed: bool) -> None:
    if plugins and not allowed:
        names = ", ".join(os.path.basename(p) for p in plugins)
        raise SpecError(
            f"sweep.plugins = [{names}]: a plugin is arbitrary Python code and is imported only with "
            "--allow-plugins (read it first)"
        )
