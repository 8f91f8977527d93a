"""User and sample names: untrusted text that becomes folder and file names.

A name is refused when it could escape the workspace (path separators, `..`), hide itself (a
leading dot), confuse a terminal or a reader (control, NUL, bidi and zero-width characters), or
not survive on another system (Windows-reserved names like `CON` or `COM1`, characters Windows
forbids, a trailing dot or space, more than fits in a file name). `safe_name` offers a form that
passes, so an import can suggest it instead of just saying no.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import UserError

MAX_NAME_CHARS = 100
# Room below the usual 255-byte file-name limit for `.vcf.gz` and our temporary-file decorations.
MAX_NAME_BYTES = 200
WINDOWS_FORBIDDEN = set('<>:"|?*')
PATH_SEPARATORS = {"/", "\\"}
_WINDOWS_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³]|CONIN\$|CONOUT\$)$", re.I)
# Control (Cc), format (Cf: bidi overrides, zero-width), surrogate (Cs: undecodable bytes),
# private-use (Co) and unassigned (Cn) characters.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


class InvalidNameError(UserError):
    """A user or sample name that cannot be used; carries a safe form to suggest."""

    def __init__(self, kind: str, name: str, reason: str, suggestion: str | None):
        self.kind = kind
        self.name = name
        self.reason = reason
        self.suggestion = suggestion
        hint = f" (try {suggestion!r})" if suggestion else ""
        super().__init__(f"{kind} name {name!r} is not allowed: {reason}{hint}")


def name_problem(name: object) -> str | None:
    """Why `name` cannot be a user or sample name, or None when it can."""
    if not isinstance(name, str):
        return "it is not text"
    if not name:
        return "it is empty"
    if "\x00" in name:
        return "it contains a NUL character"
    if any(ch in PATH_SEPARATORS for ch in name):
        return "it contains a path separator"
    if name in (".", ".."):
        return "it names a folder above or this one"
    if "..." in name:
        # `{user}/{sample}` is also a Dagster partition key (pipelines/), and Dagster refuses "...".
        return "it contains three dots in a row"
    bad = next((ch for ch in name if unicodedata.category(ch) in _REFUSED_CATEGORIES), None)
    if bad is not None:
        return f"it contains the invisible or control character U+{ord(bad):04X}"
    forbidden = sorted({ch for ch in name if ch in WINDOWS_FORBIDDEN})
    if forbidden:
        return f"it contains {' '.join(forbidden)}, which Windows does not allow in file names"
    if name.startswith("."):
        return "it starts with a dot (a hidden file)"
    if name != name.strip():
        return "it starts or ends with a space"
    if name.endswith("."):
        return "it ends with a dot"
    if _WINDOWS_RESERVED.match(name.split(".")[0].rstrip(" ")):
        return "it is a reserved device name on Windows"
    if len(name) > MAX_NAME_CHARS or len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"it is longer than {MAX_NAME_CHARS} characters"
    return None


def normal_form(name: str) -> str:
    """The form names are stored and compared in: Unicode NFC, so `å` typed as one character and
    `a` + combining ring (as macOS file names spell it) are one name, not two people who look
    identical."""
    return unicodedata.normalize("NFC", name)


def printable(text: object) -> str:
    """`text` safe to print to a terminal: control, format (bidi) and undecodable characters are
    shown escaped (`\x1b`, `\u202e`, `\xff` for a byte that was not UTF-8), so a file name
    cannot move the cursor, retitle the window or reorder what is shown."""
    out = []
    for ch in str(text):
        category = unicodedata.category(ch)
        if category == "Cs" and 0xDC80 <= ord(ch) <= 0xDCFF:  # a raw byte (surrogateescape)
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif category in _REFUSED_CATEGORIES - {"Cn", "Co"}:
            out.append(ch.encode("unicode_escape").decode("ascii") if ord(ch) < 0x10000
                       else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return "".join(out)


def is_valid_name(name: object) -> bool:
    return name_problem(name) is None


def check_name(name: object, kind: str = "sample") -> str:
    """Return `name` unchanged when it is usable; raise InvalidNameError (with a suggestion) if not."""
    problem = name_problem(name)
    if problem is not None:
        text = name if isinstance(name, str) else repr(name)
        suggestion = safe_name(text, fallback=kind) if isinstance(name, str) else None
        raise InvalidNameError(kind, text, problem, suggestion)
    return name  # type: ignore[return-value]


def safe_name(name: str, fallback: str = "sample") -> str:
    """A usable name as close to `name` as possible (always passes `check_name`)."""
    text = unicodedata.normalize("NFC", name)
    # A separator with the dots around it (`../`, `/./`) is one step of a path: one `_`.
    text = re.sub(r"[.]*[/\\]+[./\\]*", "_", text)
    out = []
    for ch in text:
        if (ch in PATH_SEPARATORS or ch in WINDOWS_FORBIDDEN
                or unicodedata.category(ch) in _REFUSED_CATEGORIES):
            out.append("_")
        elif ch.isspace():
            out.append(" ")
        else:
            out.append(ch)
    text = re.sub(r"_{2,}", "_", "".join(out))
    text = re.sub(r"\.{3,}", ".", text)
    text = text.lstrip(". ").rstrip(". ")
    while len(text) > MAX_NAME_CHARS or len(text.encode("utf-8")) > MAX_NAME_BYTES:
        text = text[:-1].rstrip(". ")
    if not text.strip("_"):
        text = fallback
    if _WINDOWS_RESERVED.match(text.split(".")[0].rstrip(" ")):
        text = "_" + text
    return text if is_valid_name(text) else fallback
