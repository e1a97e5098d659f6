"""Writing files safely: whole files by rename, appends by system call, one writer per file.

A reader sees the old file or the new one, never half of one; two runs never
write the same file at once.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["AppendFile", "FileLock", "LockHeldError", "write_atomic"]


def _creation_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    The file gets the permissions a newly created file would get (the umask applies).
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _creation_mode())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class AppendFile:
    """A binary file opened for appending and written with ``os.write``, unbuffered.

    ``write`` returns how many bytes the system call took, like a raw stream.
    """

    def __init__(self, path: Path, *, truncate: bool = False) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        self.fd = os.open(path, flags | (os.O_TRUNC if truncate else 0), 0o666)

    def write(self, data: bytes | memoryview) -> int:
        return os.write(self.fd, data)

    def flush(self) -> None:
        """Nothing is buffered; present so the file can stand in for a stream."""

    def sync(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)


class LockHeldError(OSError):
    """Another process holds the lock."""


class FileLock:
    """An exclusive, non-blocking lock on ``path`` (``fcntl.flock``, so POSIX systems only).

    The lock file is removed on release. A lock taken on a file that another
    process removed in the meantime is taken again on the new file, so two
    holders can never both believe they hold it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1

    def acquire(self) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
            try:
                _lock(fd)
            except BaseException as error:
                os.close(fd)
                if isinstance(error, BlockingIOError):
                    raise LockHeldError(error.errno, "locked by another process", str(self.path)) from error
                raise
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                return
            os.close(fd)

    def release(self) -> None:
        if self.fd < 0:
            return
        fd, self.fd = self.fd, -1
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(fd)


def _lock(fd: int) -> None:
    import fcntl  # POSIX; imported here so that importing this module works everywhere

    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
