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


class Cancelled(Exception):
    """A job was cancelled by the person; not an error, but it ends the job."""
