"""A failed run, told to a person: what went wrong in plain words, and what they can do about it.

Run errors are written for the command line ("pass --ignore-build-mismatch", "run `just-dna-desktop
reference download`"). The window shows the same facts with its own actions instead of flags;
`explain_failure` finds the kind of failure and rewrites the terminal advice away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BUILD_MISMATCH = "build_mismatch"
REFERENCE_MISSING = "reference_missing"
UNREADABLE_FILE = "unreadable_file"
OUT_OF_MEMORY = "out_of_memory"
OTHER = "other"

# core.annotate.check_build's message (a test keeps the two in step).
_BUILD = re.compile(r"looks like (?P<build>[\w.-]+), but the reference is (?P<reference>[\w.-]+)")
_NO_REFERENCE = re.compile(r"no reference files here")
_MEMORY = re.compile(r"out of memory|killed by SIGKILL", re.I)
_UNREADABLE = re.compile(r"not a VCF|cannot be read|not a readable|line \d+|:\d+: ", re.I)
# Advice meant for a terminal: a parenthesised hint with a flag, or "run `...`".
_TERMINAL_HINT = re.compile(r"\s*\((?:[^()]*--[a-z][^()]*)\)|;?\s*run `[^`]+`")


@dataclass(frozen=True)
class FailureAdvice:
    kind: str
    reason: str   # the error, without advice that only works in a terminal
    advice: str   # what the person can do, in the window's words
    build: str | None = None  # the file's genome build, for a build mismatch


def explain_failure(error: str | None) -> FailureAdvice:
    text = (error or "").strip() or "the run failed without saying why"
    reason = _TERMINAL_HINT.sub("", text).strip()
    build = _BUILD.search(text)
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
