"""Safe file handling: bounded reads of user inputs, and writes that follow the umask.

Inputs (scenarios, sweep specs, plugin files) are read only from regular files (a FIFO or a
device such as ``/dev/zero`` is refused before it is read), up to :data:`MAX_INPUT_BYTES`,
decoded as strict UTF-8, and TOML is parsed with a nesting-depth limit. Every failure is a
:class:`UserError` of the caller's kind with one line naming the path and the reason.

Outputs are written to a temporary name and renamed; files get ``0666 & ~umask`` and folders
``0777 & ~umask`` like any file the user's shell would create (``tempfile`` alone gives 0600/0700).
"""

from __future__ import annotations

import os
import socket
import stat
import tempfile
import tomllib
from pathlib import Path

from market_sim.errors import UserError

MAX_INPUT_BYTES = 1 << 20  # 1 MiB: the default scenario is 20 kB
MAX_DEPTH = 12  # tables and lists nested deeper than this are refused


def read_text(path: str | Path, what: str, error: type[UserError] = UserError, limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of the regular file ``path``, at most ``limit`` bytes; ``what`` names it in errors."""
    shown = repr(str(path))
    if str(path) == "":
        raise error(f"{what} '' is not allowed: expected a file path")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # O_NONBLOCK: opening a FIFO must not hang
    except OSError as exc:
        raise error(f"cannot read {what} {shown}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise error(f"cannot read {what} {shown}: {kind} (expected a regular file)")
        if info.st_size > limit:
            raise error(f"{what} {shown} is {info.st_size:,} bytes: the limit is {limit:,} bytes")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise error(f"{what} {shown} is more than {limit:,} bytes: the limit is {limit:,} bytes")
    except OSError as exc:
        raise error(f"cannot read {what} {shown}: {exc.strerror}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1]
        raise error(f"{what} {shown} is not UTF-8 text: byte {exc.start} is {bad!r}") from None


def parse_toml(text: str, source: str, error: type[UserError] = UserError) -> dict:
    """Parse TOML text; syntax errors and nesting deeper than :data:`MAX_DEPTH` are clean errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source} is not valid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{source} is nested too deeply: at most {MAX_DEPTH} levels of tables and lists") from None
    if depth(data) > MAX_DEPTH:
        raise error(f"{source} is nested too deeply: at most {MAX_DEPTH} levels of tables and lists")
    return data


def load_toml(path: str | Path, what: str, error: type[UserError] = UserError) -> tuple[dict, str]:
    """Read and parse a TOML file with the limits above; returns (data, text)."""
    text = read_text(path, what, error)
    return parse_toml(text, str(path), error), text


def depth(value) -> int:
    """Nesting depth of dicts and lists (a scalar is 0), computed without recursion."""
    best, stack = 0, [(value, 0)]
    while stack:
        node, d = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        best = max(best, d + 1)
        stack.extend((c, d + 1) for c in children)
    return best


# -- writing ------------------------------------------------------------------------------------
def umask() -> int:
    """The process umask (read without changing it, where /proc allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def file_mode() -> int:
    return 0o666 & ~umask()


def dir_mode() -> int:
    return 0o777 & ~umask()


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync'd, then renamed."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def temp_dir(parent: Path, name: str) -> Path:
    """A new temporary folder beside ``parent/name``, named after this host and process
    (so :func:`stale_temp_dirs` can tell when its writer is gone), with umask permissions."""
    tag = f".{name}.tmp-{_host_tag()}-{os.getpid()}-"
    path = Path(tempfile.mkdtemp(prefix=tag, dir=parent))
    os.chmod(path, dir_mode())
    return path


def stale_temp_dirs(parent: Path, name: str) -> list[Path]:
    """Temporary folders of :func:`temp_dir` for ``name`` whose writing process (on this host) is gone."""
    prefix = f".{name}.tmp-{_host_tag()}-"
    out = []
    for path in parent.glob(f".{name}.tmp-*"):
        rest = path.name[len(prefix) :] if path.name.startswith(prefix) else ""
        pid = rest.split("-", 1)[0]
        if path.is_dir() and not path.is_symlink() and pid.isdigit() and not pid_alive(int(pid)):
            out.append(path)
    return out


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def host_name() -> str:
    return socket.gethostname()


def _host_tag() -> str:
    return "".join(c if c.isalnum() else "_" for c in host_name())[:40] or "host"
