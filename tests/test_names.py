"""User and sample names are untrusted: a corpus of hostile names, each refused with a safe form."""

from pathlib import Path

import pytest

from just_dna_desktop.core.errors import UserError
from just_dna_desktop.core.workspace.names import (MAX_NAME_CHARS, InvalidNameError, check_name,
                                                   is_valid_name, name_problem, safe_name)

HOSTILE = [
    "", ".", "..", "../alice", "..\\alice", "a/b", "a\\b", "/etc/passwd", "C:\\Windows",
    "alice/../../etc", "....", ".hidden", ". ", "alice ", " alice", "alice.", "a\x00b",
    "nul\x00", "tab\there", "new\nline", "carriage\rreturn", "bell\x07", "del\x7f",
    "escape\x1b[31mred", "right\u202eto-left", "zero\u200bwidth", "bom\ufeff",
    "surrogate\udcff", "private\ue000use", "CON", "con", "Con.vcf", "PRN", "AUX", "NUL",
    "nul.txt", "COM1", "com9", "LPT1", "lpt9.tar.gz", "COM\u00b9", "CONIN$", "CON ",
    "a<b", "a>b", 'a"b', "a:b", "a|b", "a?b", "a*b", "x" * (MAX_NAME_CHARS + 1),
    "é" * 101, "\U0001F9EC" * 60, "a...b",
]

GOOD = ["alice", "Anna-Maria", "sample 1", "HG00096_chr21", "Ñandú", "张伟", "a.b", "x" * 100,
        "console", "COM10", "nullable", "_CON", "rs-2024.03"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_refused_with_a_safe_suggestion(name, tmp_path):
    assert name_problem(name) is not None
    with pytest.raises(InvalidNameError) as info:
        check_name(name, "user")
    error = info.value
    assert isinstance(error, UserError) and error.kind == "user" and error.reason in str(error)
    suggestion = error.suggestion
    assert suggestion is not None and is_valid_name(suggestion), suggestion
    assert suggestion == safe_name(name, fallback="user")
    # The suggestion is one plain entry of the folder it lands in: nothing escapes.
    assert (tmp_path / suggestion).resolve().parent == tmp_path.resolve()
    assert "/" not in suggestion and "\\" not in suggestion and "\x00" not in suggestion


@pytest.mark.parametrize("name", GOOD)
def test_ordinary_names_pass_unchanged(name):
    assert name_problem(name) is None
    assert check_name(name) == name
    assert safe_name(name) == name


def test_suggestions_stay_close_to_what_was_typed():
    assert safe_name("../alice") == "_alice"
    assert safe_name("a/b") == "a_b"
    assert safe_name("alice/../../etc") == "alice_etc"
    assert safe_name("C:\\Windows") == "C_Windows"
    assert safe_name("CON") == "_CON"
    assert safe_name("alice.") == "alice"
    assert safe_name("take...two") == "take.two"
    assert safe_name(" .hidden") == "hidden"
    assert safe_name("", fallback="sample") == "sample"
    assert safe_name("..", fallback="user") == "user"
    assert len(safe_name("x" * 500)) == MAX_NAME_CHARS


def test_non_text_is_refused():
    assert name_problem(None) is not None
    with pytest.raises(InvalidNameError):
        check_name(Path("alice"))  # type: ignore[arg-type]


def test_message_names_the_problem():
    with pytest.raises(InvalidNameError, match=r"sample name 'COM1' is not allowed: .*reserved.*"
                                               r"try '_COM1'"):
        check_name("COM1", "sample")


def test_printable_escapes_what_a_terminal_would_obey():
    from just_dna_desktop.core.workspace.names import printable

    assert printable("plain ålice/génome.vcf") == "plain ålice/génome.vcf"
    assert printable("a\x1b]0;x\x07b") == "a\\x1b]0;x\\x07b"
    assert printable("rev\u202eerse\u200b") == "rev\\u202eerse\\u200b"
    assert printable("line\nbreak\ttab") == "line\\nbreak\\ttab"
    assert printable("byte\udcff") == "byte\\xff"  # an undecodable byte of a file name
    printable("x\ud800").encode("utf-8")  # never unprintable itself


def test_normal_form_is_nfc():
    from just_dna_desktop.core.workspace.names import normal_form

    assert normal_form("a\u030alice") == "\u00e5lice" == normal_form("\u00e5lice")
