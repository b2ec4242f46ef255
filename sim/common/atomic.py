"""Write files so that a reader never sees half of one.

Every writer puts its bytes in a temporary file next to the target, flushes it to disk and
then renames it over the target with :func:`os.replace` (atomic on one filesystem).  If the
writer fails, the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.common.errors import UserError

_counter = itertools.count()


def _temp_name(target: Path) -> Path:
    """A hidden name next to ``target``, unique per process, thread and call.

    The target's suffix is kept at the end so that writers that pick a format from the file
    name (matplotlib, pyarrow) still do the right thing.
    """
    tag = f"{os.getpid()}.{threading.get_ident()}.{next(_counter)}"
    return target.with_name(f".{target.name}.{tag}.tmp{target.suffix}")


def _fsync_path(path: Path, directory: bool = False) -> None:
    """Flush a file (or a directory entry list) to disk; best effort for directories."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if directory:
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces ``path``.

    On an exception inside the block the temporary file is deleted and the error re-raised.
    """
    target = Path(path)
    tmp = _temp_name(target)
    try:
        yield tmp
        _fsync_path(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_path(target.parent, directory=True)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "xb") as fh:
            fh.write(data)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def _why_not_writable(path: Path, err: OSError) -> str:
    """A short, plain reason for a failed directory creation or probe write."""
    if isinstance(err, NotADirectoryError) or (isinstance(err, FileExistsError)
                                               and not path.is_dir()):
        for part in [path, *path.parents]:
            if part.exists() and not part.is_dir():
                return f"{part} is a file, not a folder"
    return (err.strerror or str(err)).lower()


def ensure_writable_dir(path: str | os.PathLike) -> Path:
    """Create directory ``path`` if needed and check that files can be written in it.

    Raises :class:`UserError` with a one-line reason when that is not possible.
    """
    target = Path(path)
    try:
        target.mkdir(parents=True, exist_ok=True)
        probe = _temp_name(target / "write-check")
        with open(probe, "xb"):
            pass
        probe.unlink()
    except OSError as err:
        raise UserError(f"{target}: output directory is not writable "
                        f"({_why_not_writable(target, err)})") from None
    return target
