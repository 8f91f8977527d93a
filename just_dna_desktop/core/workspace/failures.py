"""A failed run, told to a person: what went wrong in plain words, and what they can do about it.

Run errors are written for the command line ("pass --ignore-build-mismatch", "run `just-dna-desktop
reference download`"). The window shows the same facts with its own actions instead of flags;
`explain_failure` finds the kind of failure and leaves the terminal advice out. A file in a
person's folder that is no genome file at all never had a run: `explain_problem` tells that one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BUILD_MISMATCH = "build_mismatch"       # matched by position on another build: offer rsID
BUILD_MISMATCH_NO_RSID = "build_mismatch_no_rsid"  # another build and no rsID to match by
REFERENCE_MISSING = "reference_missing"
REFERENCE_DAMAGED = "reference_damaged"
OUTPUT_NOT_WRITTEN = "output_not_written"  # a full disk or a read-only folder
UNREADABLE_FILE = "unreadable_file"
NOT_A_SAMPLE = "not_a_sample"           # the file is no VCF and no genotyping file: no run
OUT_OF_MEMORY = "out_of_memory"
OTHER = "other"

# core.engine.annotate's messages (check_build, _refuse_without_rsids), core.reference.cache.reading and
# core.errors.write_failure; a test keeps them in step.
_BUILD = re.compile(r"looks like (?P<build>[\w.-]+), but the reference is (?P<reference>[\w.-]+)")
_NO_RSID = re.compile(r"has an rsID to match by instead")
_NO_REFERENCE = re.compile(r"no reference files here")
_DAMAGED = re.compile(r"reference file is damaged|copy of a reference file is damaged")
_NOT_WRITTEN = re.compile(r"cannot write the output")
_MEMORY = re.compile(r"out of memory|killed by SIGKILL", re.I)
_UNREADABLE = re.compile(r"not a VCF|cannot be read|not a readable|line \d+|:\d+: ", re.I)
# Advice meant for a terminal: a parenthesised hint with a flag, or a clause (after "; ") that
# names a flag or a command to run.
_FLAG_IN_PARENS = re.compile(r"\s*\((?:[^()]*--[a-z][^()]*)\)")
_TERMINAL_CLAUSE = re.compile(r"--[a-z]|`just-dna-desktop ")


@dataclass(frozen=True)
class FailureAdvice:
    kind: str
    reason: str   # the error, without advice that only works in a terminal
    advice: str   # what the person can do, in the window's words
    build: str | None = None  # the file's genome build, for a build mismatch

    @property
    def can_retry(self) -> bool:
        """Whether running it again as it is could end otherwise."""
        return self.kind not in (NOT_A_SAMPLE, BUILD_MISMATCH_NO_RSID)


def without_terminal_advice(text: str) -> str:
    """`text` without its command-line hints; the facts before them stay."""
    head, *clauses = _FLAG_IN_PARENS.sub("", text).split("; ")
    return "; ".join([head, *(c for c in clauses if not _TERMINAL_CLAUSE.search(c))]).strip()


def explain_failure(error: str | None) -> FailureAdvice:
    text = (error or "").strip() or "the run failed without saying why"
    reason = without_terminal_advice(text)
    build = _BUILD.search(text)
    if build and _NO_RSID.search(text):
        return FailureAdvice(
            BUILD_MISMATCH_NO_RSID, reason,
            f"The file was made against {build['build']}, an older map of the genome than the "
            f"reference's {build['reference']}, and it names no variant by rsID, so it can be "
            "matched neither by position nor by rsID. Convert (lift over) the file to GRCh38 with "
            "another tool, then put the converted file in its place. Matching by position anyway "
            "attaches the wrong information to most variants.", build["build"])
    if build:
        return FailureAdvice(
            BUILD_MISMATCH, reason,
            f"The file was made against {build['build']}, an older map of the genome than the "
            f"reference's {build['reference']}: the same variant sits at other positions, so "
            "matching by position would attach the wrong information to most variants. Convert "
            "(lift over) the file to GRCh38 with another tool, or annotate it by rsID, which does "
            "not depend on positions.", build["build"])
    if _NO_REFERENCE.search(text):
        return FailureAdvice(REFERENCE_MISSING, reason,
                             "The reference is not on this computer yet. Download it from the "
                             "Reference tab; the sample is annotated again once it is there.")
    if _DAMAGED.search(text) and "prepared copy" in text:
        return FailureAdvice(REFERENCE_DAMAGED, reason,
                             "The program's faster copy of a reference file is damaged. Delete "
                             "the file named above and try again: it is rebuilt from the "
                             "downloaded file.")
    if _DAMAGED.search(text):
        return FailureAdvice(REFERENCE_DAMAGED, reason,
                             "A reference file is damaged (cut short or changed on disk). In the "
                             "Reference tab, Verify finds it and Download fetches it again; then "
                             "try again.")
    if _NOT_WRITTEN.search(text):
        return FailureAdvice(OUTPUT_NOT_WRITTEN, reason,
                             "The result could not be saved (the reason is above); nothing half "
                             "written was left. Free some space or make the folder writable, "
                             "then try again.")
    if _MEMORY.search(text):
        return FailureAdvice(OUT_OF_MEMORY, reason,
                             "The computer ran out of memory. Close other programs and try "
                             "again; nothing was written.")
    if _UNREADABLE.search(text):
        return FailureAdvice(UNREADABLE_FILE, reason,
                             "The file could not be read as it is. Open it to look at the line "
                             "named above, or ask whoever made it for a fresh copy; replacing the "
                             "file in its folder makes the program try again.")
    return FailureAdvice(OTHER, reason, "Try again; if it fails the same way, the run's log "
                                        "below says what happened last.")


def explain_problem(path: object, problem: str) -> FailureAdvice:
    """A file in a person's folder whose content is neither a VCF nor a genotyping file."""
    return FailureAdvice(NOT_A_SAMPLE, f"{path}: {without_terminal_advice(problem)}",
                         "This file is not one the program can read, so it was not annotated. "
                         "Put the file in its place as your testing service gave it (their "
                         "raw-data download, zipped or not); the program tries again as soon as "
                         "the file changes.")
