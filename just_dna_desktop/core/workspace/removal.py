"""Removing a sample or a person from the workspace, said before it is done.

The workspace belongs to the person: what they added they can take out again, from the window,
without a file manager. A removal is planned first (`plan`), so a confirmation can say exactly
what goes and what stays, then carried out (`carry_out`):

- deleted: the sample's file in the input folder (the copy the program made, or the file put
  there), and its results folder with everything in it (the annotated table, exported views and
  reports saved there); for a person, each of their samples so, then their two folders when
  nothing else is left in them;
- kept: the run history (past runs stay listed under the name), a file the sample was imported
  from elsewhere (the program only ever copied it), other files found in the person's folder,
  the reference.

A sample being annotated is not removed (the run would write its result back). Nothing outside
the workspace's two folders is touched: a link found there is removed as a link, never followed.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UserError
from .names import check_name
from .samples import RUNNING, Sample, Workspace

if TYPE_CHECKING:
    from .history import History


@dataclass
class Removal:
    """What removing `user` (and `sample`, or all of theirs) deletes and keeps."""

    user: str
    sample: str | None
    samples: list[Sample]
    files: list[Path] = field(default_factory=list)     # sample files in the input folder
    folders: list[Path] = field(default_factory=list)   # results folders, whole
    other_files: list[Path] = field(default_factory=list)  # in the person's folder, kept
    size: int = 0                                        # bytes deleted

    @property
    def what(self) -> str:
        return f"sample {self.user}/{self.sample}" if self.sample else f"{self.user} and their " \
            f"{len(self.samples)} sample{'' if len(self.samples) == 1 else 's'}"

    def deleted(self) -> list[str]:
        """What goes, as lines a person reads."""
        lines = [f"{path.name}: the genome file in the input folder ({path.parent})"
                 for path in self.files]
        lines += [f"{folder}: the results (annotated table, exports and reports saved there)"
                  for folder in self.folders]
        return lines

    def kept(self) -> list[str]:
        """What stays, as lines a person reads."""
        lines = ["The run history: past runs stay listed.",
                 "A file you added from elsewhere stays where it was: only its copy here goes."]
        if self.other_files:
            names = ", ".join(p.name for p in self.other_files[:3])
            more = f" and {len(self.other_files) - 3} more" if len(self.other_files) > 3 else ""
            lines.append(f"Other files in {self.user}'s folder ({names}{more}), and so the folder.")
        lines.append("The reference.")
        return lines


def plan(workspace: Workspace, user: str, sample: str | None = None) -> Removal:
    """What removing a sample (or a person, with `sample` None) would do; UserError if there is
    no such sample or person, or one of the samples is being annotated."""
    check_name(user, "user")
    if sample is not None:
        check_name(sample, "sample")
    samples = [s for s in workspace.scan() if s.user == user
               and (sample is None or s.sample == sample)]
    user_dir = workspace.input_dir / user
    if not samples and (sample is not None or not user_dir.is_dir()):
        raise UserError(f"{user}/{sample or ''}: no such {'sample' if sample else 'person'} in "
                        f"{workspace.input_dir}")
    busy = [s.key for s in samples if s.state == RUNNING]
    if busy:
        raise UserError(f"{', '.join(busy)}: being annotated now; cancel it first, then remove it")
    removal = Removal(user, sample, samples)
    for item in samples:
        removal.files.append(item.path)
        removal.size += _size(item.path)
        folder = item.output.parent
        if folder.exists() or folder.is_symlink():
            removal.folders.append(folder)
            removal.size += _size(folder)
    if sample is None and user_dir.is_dir():
        removal.other_files = [p for p in sorted(user_dir.iterdir())
                               if p not in removal.files]
    return removal


def carry_out(workspace: Workspace, removal: Removal, history: "History | None" = None) -> None:
    """Delete what `removal` lists (planned just before), then the person's folders if empty."""
    from . import choices

    for path in removal.files:
        _inside(path, workspace.input_dir)
        _delete(path)
    for folder in removal.folders:
        _inside(folder, workspace.output_dir)
        _delete(folder)
    if history is not None:
        for item in removal.samples:
            choices.forget(history, item.key)
    if removal.sample is None:
        for root in (workspace.input_dir, workspace.output_dir):
            folder = root / removal.user
            try:
                if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
                    folder.rmdir()
            except OSError:
                pass  # something appeared meanwhile: it stays


def _inside(path: Path, root: Path) -> None:
    """Refuse a path whose folder leads out of `root` (the path itself may be a link: it is
    removed as one)."""
    try:
        path.parent.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        raise UserError(f"{path}: not inside {root}; refusing to delete it") from None


def _delete(path: Path) -> None:
    try:
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        elif path.is_dir():
            shutil.rmtree(path)
    except OSError as exc:
        raise UserError(f"{path}: cannot delete it ({exc.strerror or exc})") from None


def _size(path: Path) -> int:
    if path.is_symlink():
        return 0
    if path.is_file():
        return path.stat().st_size
    total = 0
    for folder, _, names in os.walk(path):
        for name in names:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total

