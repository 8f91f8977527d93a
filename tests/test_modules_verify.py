"""A module's bytes against its manifest (core/modules/verify.py): the compiler's own digest
recomputed, and every way the bytes or the manifest can differ refused in one line naming the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from just_dna_desktop.core.cancel import CancelToken
from just_dna_desktop.core.errors import Cancelled
from just_dna_desktop.core.modules.verify import ModuleRefused, artifact_digest, verify_module

from module_factory import digest_of, file_entry, flip_byte, row, write_hub_module, write_module

EXAMPLE = Path(__file__).parent / "data" / "module_example"
COMPILER_DIGEST = "sha256:69d309df2b6bf13d8573c79f0b8b1e62b24891f8abc1bdd26b353e89e8793efe"
PARQUETS = ("weights.parquet", "annotations.parquet", "studies.parquet")


@pytest.fixture
def example(tmp_path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "example_pgx_traits"))


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def rewrite_manifest(folder: Path, manifest: dict) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))


def refused(folder: Path) -> str:
    with pytest.raises(ModuleRefused) as caught:
        verify_module(folder)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_compilers_digest_is_recomputed_from_the_files(example):
    result = verify_module(example)
    assert result.verified
    assert result.digest == COMPILER_DIGEST
    listed = manifest_of(example)["artifact"]["files"]
    assert {n: "sha256:" + f["sha256"] for n, f in result.files.items()} == \
        {e["name"]: e["sha256"] for e in listed}
    assert {n: f["size"] for n, f in result.files.items()} == {e["name"]: e["size"] for e in listed}
    # the digest recomputed from the hashes just taken, not copied from the manifest
    entries = [{"name": n, "sha256": "sha256:" + f["sha256"], "size": f["size"]}
               for n, f in result.files.items()]
    assert artifact_digest(entries) == COMPILER_DIGEST == digest_of(entries)


def test_the_digest_does_not_depend_on_the_listing_order():
    a = {"name": "a.parquet", "sha256": "sha256:" + "1" * 64, "size": 1}
    b = {"name": "b.parquet", "sha256": "sha256:" + "2" * 64, "size": 2}
    assert artifact_digest([a, b]) == artifact_digest([b, a]) == digest_of([a, b])
    assert artifact_digest([a, b]) != artifact_digest([a, {**b, "size": 3}])


def test_hashing_reports_bytes_and_can_be_cancelled(example):
    seen = []
    verify_module(example, on_bytes=seen.append)
    assert sum(seen) == sum((example / n).stat().st_size for n in PARQUETS)
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        verify_module(example, cancel=cancel)


@pytest.mark.parametrize("name", PARQUETS)
@pytest.mark.parametrize("offset", [0, None, -1])
def test_a_flipped_byte_in_any_parquet_is_refused_naming_it(example, name, offset):
    path = example / name
    flip_byte(path, offset if offset != -1 else path.stat().st_size - 1)
    message = refused(example)
    assert message.startswith(f"{path}: its sha256 does not match the manifest")


@pytest.mark.parametrize("name", PARQUETS)
def test_a_truncated_file_is_refused_naming_it(example, name):
    path = example / name
    path.write_bytes(path.read_bytes()[:-100])
    assert refused(example).startswith(f"{path}: {path.stat().st_size:,} bytes, the manifest says")


def test_a_missing_listed_file_is_refused_naming_it(example):
    (example / "studies.parquet").unlink()
    assert refused(example) == f"{example / 'studies.parquet'}: missing (the manifest lists it)"


def test_an_edited_digest_is_refused_naming_the_manifest(example):
    manifest = manifest_of(example)
    manifest["artifact"]["digest"] = "sha256:" + "0" * 64
    rewrite_manifest(example, manifest)
    assert refused(example).startswith(f"{example / 'manifest.json'}: the artifact digest does "
                                       f"not match")


@pytest.mark.parametrize("field", ["sha256", "size"])
def test_an_edited_file_entry_is_refused(example, field):
    manifest = manifest_of(example)
    entry = manifest["artifact"]["files"][1]
    entry[field] = "sha256:" + "f" * 64 if field == "sha256" else entry["size"] + 1
    rewrite_manifest(example, manifest)
    assert refused(example).startswith(f"{example / entry['name']}: ")


def test_a_file_replaced_with_its_entry_and_the_digest_is_still_refused_by_nothing_else(example):
    """Whoever rewrites a file, its entry and the digest together makes a consistent module: the
    manifest vouches for bytes, not for their author (the format signs for that). What must hold
    is that such a module verifies only with the new digest, so a result records which it was."""
    write_module(example.parent / "other", [row("rs1", "1", 10, "A", "G", "A/G", 1, "risk")])
    shutil.copyfile(example.parent / "other" / "weights.parquet", example / "weights.parquet")
    manifest = manifest_of(example)
    manifest["artifact"]["files"][0] = file_entry(example, "weights.parquet")
    manifest["artifact"]["digest"] = digest_of(manifest["artifact"]["files"])
    rewrite_manifest(example, manifest)
    assert verify_module(example).digest not in (COMPILER_DIGEST, None)


def test_a_dropped_entry_with_a_recomputed_digest_leaves_an_unlisted_file_refused(example):
    """The manifest no longer lists weights.parquet (and its digest was recomputed to match):
    the lead table is then vouched for by nothing."""
    manifest = manifest_of(example)
    manifest["artifact"]["files"] = [e for e in manifest["artifact"]["files"]
                                     if e["name"] != "weights.parquet"]
    manifest["artifact"]["digest"] = digest_of(manifest["artifact"]["files"])
    rewrite_manifest(example, manifest)
    assert refused(example) == (f"{example / 'weights.parquet'}: not listed in the manifest, so "
                                f"it cannot be trusted")


@pytest.mark.parametrize("name", ["annotations.parquet", "studies.parquet"])
def test_an_unlisted_table_the_findings_read_is_refused(example, name):
    """annotations.parquet gives a finding its gene and phenotype, studies.parquet its PubMed IDs:
    a copy the manifest does not list is as untrusted as an unlisted lead table."""
    manifest = manifest_of(example)
    manifest["artifact"]["files"] = [e for e in manifest["artifact"]["files"] if e["name"] != name]
    manifest["artifact"]["digest"] = digest_of(manifest["artifact"]["files"])
    rewrite_manifest(example, manifest)
    assert refused(example) == f"{example / name}: not listed in the manifest, so it cannot be trusted"


def test_files_beside_the_module_that_no_one_reads_do_not_matter(example):
    (example / "README.md").write_text("# notes\n")
    (example / "logo.png").write_bytes(b"\x89PNG")
    (example / "NOTICE").write_text("x")
    assert verify_module(example).digest == COMPILER_DIGEST


@pytest.mark.parametrize("build", ["GRCh37", "hg19", "T2T-CHM13"])
def test_a_module_for_another_build_is_refused_naming_the_manifest(example, build):
    manifest = manifest_of(example)
    manifest["genome_build"] = build
    rewrite_manifest(example, manifest)
    message = refused(example)
    assert message.startswith(f"{example / 'manifest.json'}: the module is for {build}")


@pytest.mark.parametrize("build", ["GRCh38", "grch38", "GRCh38.p14", "hg38", None])
def test_grch38_as_builds_are_written_is_the_reference_build(example, build):
    manifest = manifest_of(example)
    manifest["genome_build"] = build
    rewrite_manifest(example, manifest)
    assert verify_module(example).verified


@pytest.mark.parametrize("artifact", [None, {}, {"files": []}, {"files": "weights.parquet"}])
def test_a_manifest_that_lists_nothing_is_refused(example, artifact):
    manifest = manifest_of(example)
    manifest["artifact"] = artifact
    rewrite_manifest(example, manifest)
    assert refused(example).startswith(f"{example / 'manifest.json'}: lists no files to verify")


@pytest.mark.parametrize("entry", [
    "weights.parquet",
    {"name": "../weights.parquet", "sha256": "sha256:" + "0" * 64, "size": 1},
    {"name": "/etc/passwd", "sha256": "sha256:" + "0" * 64, "size": 1},
    {"name": ".hidden", "sha256": "sha256:" + "0" * 64, "size": 1},
    {"name": "weights.parquet", "sha256": "0" * 64, "size": 14236},
    {"name": "weights.parquet", "sha256": "sha256:" + "0" * 64, "size": "14236"},
    {"name": "weights.parquet", "sha256": "sha256:" + "0" * 64, "size": True},
    {"name": "weights.parquet", "sha256": "sha256:" + "0" * 64, "size": -1},
])
def test_unusable_file_entries_are_refused_naming_the_manifest(example, entry):
    manifest = manifest_of(example)
    manifest["artifact"]["files"][0] = entry
    rewrite_manifest(example, manifest)
    assert refused(example).startswith(f"{example / 'manifest.json'}: ")


def test_no_manifest_is_unverified_never_refused(tmp_path):
    folder = write_hub_module(tmp_path / "old", [row("rs1", "1", 10, "A", "G", "A/G", 1, "risk")])
    (folder / "README.md").write_text("x")
    result = verify_module(folder)
    assert not result.verified
    assert sorted(result.files) == ["annotations.parquet", "weights.parquet"]
    # a fingerprint of its parquet files, the format's way, so a change shows as another digest
    entries = [file_entry(folder, n) for n in ("weights.parquet", "annotations.parquet")]
    assert result.digest == digest_of(entries)
    flip_byte(folder / "annotations.parquet")
    assert verify_module(folder).digest != result.digest


def test_a_damaged_manifest_is_never_taken_for_no_manifest(example):
    (example / "manifest.json").write_text("{")
    with pytest.raises(Exception) as caught:  # refused, not "unverified"
        verify_module(example)
    assert str(caught.value).startswith(f"{example / 'manifest.json'}: ")
