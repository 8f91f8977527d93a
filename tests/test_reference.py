"""The local reference cache: status from names, sizes and times only; verify re-hashes everything."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from just_dna_desktop.core.reference import cache as reference
from just_dna_desktop.core.cancel import CancelToken
from just_dna_desktop.core.errors import Cancelled

CHR21, CHR22 = "data/homo_sapiens-chr21.parquet", "data/homo_sapiens-chr22.parquet"


def put(ref: Path, rel: str, data: bytes) -> Path:
    path = ref / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def verified_cache(ref: Path, files: dict[str, bytes]) -> None:
    """A cache as the downloader leaves it: files plus a manifest vouching for each."""
    entries = {rel: reference.manifest_entry(put(ref, rel, data), hashlib.sha256(data).hexdigest())
               for rel, data in files.items()}
    reference.write_manifest(ref, {"repo_id": "org/ds", "revision": "c0ffee", "expected": list(files),
                                   "files": entries})


@pytest.fixture
def ref(tmp_path) -> Path:
    return tmp_path / "ensembl_variations"


def test_status_of_an_empty_folder_is_missing(ref):
    info = reference.status(ref)
    assert info.status == "missing" and info.num_files == 0
    assert len(info.missing) == 25


def test_status_cached_only_when_every_expected_file_is_vouched_for(ref):
    verified_cache(ref, {CHR21: b"a" * 100, CHR22: b"b" * 50})
    info = reference.status(ref)
    assert info.status == "cached"
    assert info.revision == "c0ffee" and info.repo_id == "org/ds"
    assert info.chromosomes == ["21", "22"] and info.num_files == 2
    assert info.unverified == [] and info.missing == [] and info.partial == []


def test_a_file_rewritten_after_verification_is_unverified(ref):
    verified_cache(ref, {CHR21: b"a" * 100, CHR22: b"b" * 50})
    path = ref / CHR21
    path.write_bytes(b"c" * 100)  # same size, new mtime
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    info = reference.status(ref)
    assert info.status == "unverified" and info.unverified == [CHR21]


def test_a_truncated_file_is_unverified(ref):
    verified_cache(ref, {CHR21: b"a" * 100})
    info = (ref / CHR21).stat()
    (ref / CHR21).write_bytes(b"a" * 99)
    os.utime(ref / CHR21, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert reference.status(ref).status == "unverified"


def test_files_without_a_manifest_are_never_cached(ref):
    for chrom in reference.CHROMOSOMES:
        put(ref, f"data/homo_sapiens-chr{chrom}.parquet", b"x")
    info = reference.status(ref)
    assert info.status == "unverified" and len(info.unverified) == 25 and info.missing == []


def test_a_missing_or_partial_file_makes_it_incomplete(ref):
    verified_cache(ref, {CHR21: b"a" * 100, CHR22: b"b" * 50})
    (ref / CHR22).unlink()
    assert reference.status(ref).missing == [CHR22]
    assert reference.status(ref).status == "incomplete"
    put(ref, CHR22 + reference.PARTIAL_SUFFIX, b"b" * 10)
    info = reference.status(ref)
    assert info.status == "incomplete" and info.partial == [CHR22 + reference.PARTIAL_SUFFIX]


def test_only_a_partial_file_is_incomplete_not_missing(ref):
    put(ref, CHR21 + reference.PARTIAL_SUFFIX, b"a")
    assert reference.status(ref).status == "incomplete"


def test_verify_rehashes_and_keeps_saying_corrupt_until_the_file_is_fetched_again(ref):
    verified_cache(ref, {CHR21: b"a" * 100, CHR22: b"b" * 50})
    path = ref / CHR22
    info = path.stat()
    path.write_bytes(b"B" + b"b" * 49)  # same size and mtime: status cannot tell
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert reference.status(ref).status == "cached"

    seen = []
    report = reference.verify(ref, on_progress=lambda *a: seen.append(a))
    assert report.ok == [CHR21] and report.corrupt == [CHR22] and not report.passed
    assert report.bytes_hashed == 150
    assert (CHR21, 100, 100) in seen and (CHR22, 50, 50) in seen
    assert reference.read_manifest(ref)["files"][CHR22]["corrupt"] is True
    info = reference.status(ref)
    assert info.status == "incomplete" and info.corrupt == [CHR22] and CHR22 in info.unverified
    # The second verify (and the third) still knows what the file should be.
    for _ in range(2):
        again = reference.verify(ref)
        assert again.corrupt == [CHR22] and again.unknown == [] and not again.passed
    # Put right (as a download does): ok again, and the mark is gone.
    path.write_bytes(b"b" * 50)
    assert reference.verify(ref).passed
    assert "corrupt" not in reference.read_manifest(ref)["files"][CHR22]
    assert reference.status(ref).status == "cached"


def test_verify_refreshes_a_good_file_that_was_only_touched(ref):
    verified_cache(ref, {CHR21: b"a" * 100})
    os.utime(ref / CHR21, (1_000_000, 1_000_000))
    assert reference.status(ref).status == "unverified"
    report = reference.verify(ref)
    assert report.passed and report.ok == [CHR21]
    assert reference.status(ref).status == "cached"


def test_verify_reports_missing_and_unknown_files(ref):
    verified_cache(ref, {CHR21: b"a" * 100})
    (ref / CHR21).unlink()
    put(ref, CHR22, b"b")  # no checksum on record
    report = reference.verify(ref)
    assert report.missing == [CHR21] and report.unknown == [CHR22] and not report.passed


def test_verify_can_be_cancelled(ref):
    verified_cache(ref, {CHR21: b"a" * 100})
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        reference.verify(ref, cancel=token)


def test_sha256_of_continues_a_given_hasher(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"world")
    hasher = hashlib.sha256(b"hello ")
    assert reference.sha256_of(path, hasher=hasher) == hashlib.sha256(b"hello world").hexdigest()
