"""Errors a person is expected to meet; the CLI prints them as one line, without a traceback."""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """An expected failure with a message fit to show a person as it is."""


class VcfError(UserError):
    """A VCF that cannot be read; names the file and, when known, the line."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None):
        self.path = Path(path)
        self.reason = reason
        self.line = line
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {reason}")


class BuildMismatchError(UserError):
    """The VCF was called against another genome build than the reference's GRCh38."""


class ReferenceMissingError(UserError):
    """The reference cache is missing or unusable."""


class ReferenceDamagedError(ReferenceMissingError):
    """A reference file (or its prepared copy) that cannot be read: truncated, corrupted."""


class OutputWriteError(UserError):
    """An output, or a temporary part of it, that cannot be written: disk full, read-only folder."""


# Below this much free space a failed write is taken for a full disk (polars does not always
# pass the OS's "No space left on device" through: a write cut short can read as a bad file).
NEARLY_FULL_BYTES = 64 << 20


def write_failure(path: Path, exc: BaseException, what: str = "the output") -> OutputWriteError:
    """A failed write of `path` (an OSError, or polars' wrapper of one) as one line that says
    what to do. Writing is the disk's business, never a bug.

    Read-only is decided before full: a read-only folder on a small file system has little free
    space too, and "free some space" would send the person the wrong way.
    """
    import errno
    import os
    import shutil

    reason = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
    code = exc.errno if isinstance(exc, OSError) else None
    folder = path.parent
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or "os error 30" in reason \
            or "os error 13" in reason or (folder.is_dir() and not os.access(folder, os.W_OK)):
        return OutputWriteError(f"{path}: cannot write {what}: {folder} is read-only for "
                                f"this program ({reason}); make it writable or choose another "
                                "output folder")
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    if code == errno.ENOSPC or "os error 28" in reason or "No space left" in reason \
            or (free is not None and free < NEARLY_FULL_BYTES):
        left = f"{free / 2**20:,.0f} MB free" if free is not None else "no space left"
        return OutputWriteError(f"{path}: cannot write {what}: the disk is full ({left} in "
                                f"{folder}); free some space, then run it again")
    if not isinstance(exc, OSError):  # polars' wrapper: the OS's reason may be lost on the way
        return OutputWriteError(f"{path}: cannot write {what} ({reason}); check the free "
                                f"space and the disk holding {folder}, then run it again")
    return OutputWriteError(f"{path}: cannot write {what} ({reason})")


class Cancelled(Exception):
    """A job was cancelled by the person; not an error, but it ends the job."""
