"""How a sample is matched, remembered for it until changed.

A person who clicks *Annotate by rsID* (or *Annotate by position anyway…*, or gives `--match-by`
for a workspace sample) has decided how that sample is read; so has the build check of an
automatic run that found a VCF's positions on another build (core/engine/build_check.py). Either
way the next run, manual or automatic, from the window, `watch`, the command line or the
pipeline, must not quietly go back to the other method. So:

- a partition run given a method (`rsid` or `position`) keeps it as the person's choice, until a
  person gives another (`auto` forgets it);
- a partition run left on `auto` uses the kept choice; the check's choice lasts while the file
  is the one it checked (a new file is checked again), a person's until changed;
- a run on `auto` whose check judged the file keeps the check's choice.

Kept in the run history (`sample_choices`), which every process of the workspace shares.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .samples import Fingerprint, same_content

if TYPE_CHECKING:  # (runner imports this module: its job class is named, not imported)
    from .history import History

PERSON = "person"
CHECK = "check"


@dataclass(frozen=True)
class MatchChoice:
    """The method kept for a sample, who chose it, and when."""

    match_by: str                 # rsid | position
    ignore_build_mismatch: bool
    chosen_by: str                # person | check
    chosen_at: float
    reason: str | None = None
    input_fingerprint: dict[str, Any] | None = None

    def describe(self) -> str:
        """For the run's record: `matched by rsID, as chosen for this sample on 2026-01-02`."""
        method = "rsID" if self.match_by == "rsid" else "position"
        when = datetime.fromtimestamp(self.chosen_at).strftime("%Y-%m-%d %H:%M")
        if self.chosen_by == PERSON:
            return f"matched by {method}, as chosen for this sample on {when}"
        return (f"matched by {method}, as the check of its rsIDs decided on {when}"
                + (f" ({self.reason})" if self.reason else ""))


def kept(history: "History", partition_key: str, path: Path | None = None) -> MatchChoice | None:
    """The choice kept for a partition, if it still holds for the file at `path`."""
    row = history.choice(partition_key)
    if row is None:
        return None
    choice = MatchChoice(row["match_by"], row["ignore_build_mismatch"], row["chosen_by"],
                         row["chosen_at"], row["reason"], row["input_fingerprint"])
    if choice.chosen_by == CHECK and path is not None and not _same_file(path, choice):
        return None  # another file under the same name: checked again
    return choice


def _same_file(path: Path, choice: MatchChoice) -> bool:
    try:
        return same_content(path, Fingerprint.of(path),
                            Fingerprint.from_dict(choice.input_fingerprint))
    except OSError:
        return False


def decide(history: "History", partition_key: str, job: Any) -> tuple[Any, MatchChoice | None]:
    """The job (runner.AnnotationJob) as it will run: a method given is kept as the person's choice; `auto` takes the
    kept choice. Returns the job and the choice it took (None: the engine decides)."""
    if job.match_by in ("rsid", "position"):
        history.set_choice(partition_key, match_by=job.match_by,
                           ignore_build_mismatch=job.ignore_build_mismatch, chosen_by=PERSON)
        return job, None
    choice = kept(history, partition_key, job.vcf)
    if choice is None:
        return job, None
    return replace(job, match_by=choice.match_by,
                   ignore_build_mismatch=choice.ignore_build_mismatch,
                   match_by_reason=choice.describe()), choice


def keep_checked(history: "History", partition_key: str, metadata: dict[str, Any],
                 input_fingerprint: dict[str, Any] | None) -> bool:
    """After a good run on `auto`: keep what its build check judged (True if kept)."""
    check = metadata.get("build_check")
    if not isinstance(check, dict) or input_fingerprint is None:
        return False
    from ..readers.build import OWN_RSIDS_TO_JUDGE

    if (check.get("rsids_checked") or 0) < OWN_RSIDS_TO_JUDGE:
        return False  # nothing was judged: the next run checks again
    history.set_choice(partition_key, match_by=str(metadata.get("match_by")),
                       ignore_build_mismatch=False, chosen_by=CHECK,
                       reason=metadata.get("match_by_reason"), input_fingerprint=input_fingerprint)
    return True


def forget(history: "History", partition_key: str) -> None:
    """Back to deciding from the file (a person asked for `auto`, or the sample is removed)."""
    history.forget_choice(partition_key)
