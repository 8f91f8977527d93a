"""The installed modules and their record (core/modules/store.py): added from a folder, replaced,
checked before each use, removed; unverified modules only when the person allows them."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from just_dna_desktop.core.errors import UserError
from just_dna_desktop.core.modules.sources import ModuleSource
from just_dna_desktop.core.modules.store import ModuleStore, UnverifiedModuleError
from just_dna_desktop.core.modules.verify import ModuleRefused

from module_factory import flip_byte, row, write_hub_module, write_module

EXAMPLE = Path(__file__).parent / "data" / "module_example"
DIGEST = "sha256:69d309df2b6bf13d8573c79f0b8b1e62b24891f8abc1bdd26b353e89e8793efe"


@pytest.fixture
def store(tmp_path) -> ModuleStore:
    return ModuleStore(tmp_path / "cache")


@pytest.fixture
def example(tmp_path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "mine" / "example_pgx_traits"))


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def leftovers(root: Path) -> list[str]:
    """Temporary names (ours all carry '.tmp' or '.old') anywhere under `root`."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if ".tmp" in p.name or ".old" in p.name or p.name.endswith(".incomplete"))


def module_v(folder: Path, version: str, weight: float, extra: bool = False) -> Path:
    rows = [row("rs1", "1", 100, "A", "G", "A/G", weight, "risk")]
    if extra:
        rows.append(row("rs2", "1", 200, "C", "T", "C/T", 1.0, "protective"))
    if folder.exists():
        shutil.rmtree(folder)
    return write_module(folder, rows, name="mine", version=version)


def test_add_a_folder_copies_it_and_never_touches_the_original(store, example, tmp_path):
    before = snapshot(example)
    module = store.add_folder(example)
    assert snapshot(example) == before
    assert module.folder == store.added_folder() / "example_pgx_traits"
    assert module.folder.is_dir() and module.folder != example
    for name in ("weights.parquet", "annotations.parquet", "studies.parquet", "manifest.json"):
        assert (module.folder / name).read_bytes() == (example / name).read_bytes()
    assert (module.name, module.version, module.license, module.digest, module.verified,
            module.allowed_unverified, module.usable, module.source, module.rows) == (
        "example_pgx_traits", "0.1.0", "CC0-1.0", DIGEST, True, False, True, str(example), 12)
    assert sorted(module.files) == ["annotations.parquet", "studies.parquet", "weights.parquet"]
    assert module.summary() == {
        "name": "example_pgx_traits", "title": "Example PGx and Traits", "version": "0.1.0",
        "digest": DIGEST, "verified": True, "license": "CC0-1.0",
        "curator": "just-dna-desktop-notes", "source": example.name, "revision": None}
    # What travels with a result names the folder, never its full path (an account name).
    assert leftovers(tmp_path / "cache") == []
    use, refused = store.usable()
    assert [m.name for m in use] == ["example_pgx_traits"] and refused == []


def test_the_record_survives_another_store_instance(store, example, tmp_path):
    added = store.add_folder(example)
    again = ModuleStore(tmp_path / "cache")
    assert [m.to_dict() for m in again.installed()] == [added.to_dict()]
    assert again.get("example_pgx_traits").folder == added.folder
    assert again.get("nothing") is None
    record = json.loads(store.record_file.read_text())
    assert record["version"] == 1 and list(record["modules"]) == ["example_pgx_traits"]


def test_a_tampered_folder_is_refused_and_nothing_is_installed(store, example, tmp_path):
    flip_byte(example / "studies.parquet")
    with pytest.raises(ModuleRefused) as caught:
        store.add_folder(example)
    # the message names the person's own file, not a temporary copy of it
    assert str(caught.value).startswith(f"{example / 'studies.parquet'}: its sha256 does not "
                                        f"match the manifest")
    assert store.installed() == []
    assert not (store.added_folder() / "example_pgx_traits").exists()
    assert leftovers(tmp_path / "cache") == []


def test_an_unverified_module_needs_the_persons_word(store, tmp_path):
    folder = write_hub_module(tmp_path / "old" / "longevitymap",
                              [row("rs1", "1", 100, "A", "G", "A/G", 1, "risk")])
    with pytest.raises(UnverifiedModuleError, match=r"^longevitymap: the module has no "
                                                    r"manifest.json.*--allow-unverified"):
        store.add_folder(folder)
    assert store.installed() == [] and leftovers(tmp_path / "cache") == []

    module = store.add_folder(folder, allow_unverified=True)
    assert (module.verified, module.allowed_unverified, module.usable, module.version) == (
        False, True, True, None)
    assert module.digest.startswith("sha256:") and len(module.digest) == 71
    assert [m.name for m in store.usable()[0]] == ["longevitymap"]

    store.allow_unverified("longevitymap", False)
    use, refused = store.usable()
    assert use == []
    assert [(m.name, why) for m, why in refused] == [
        ("longevitymap", "unverified (it has no manifest) and not allowed")]
    assert ModuleStore(tmp_path / "cache").get("longevitymap").allowed_unverified is False
    store.allow_unverified("longevitymap")
    assert [m.name for m in store.usable()[0]] == ["longevitymap"]
    with pytest.raises(UserError, match="^nothing: no such installed module"):
        store.allow_unverified("nothing")


def test_install_replaces_an_older_copy_in_one_step(store, tmp_path):
    source = tmp_path / "src" / "mine"
    first = store.add_folder(module_v(source, "1.0.0", -1.0, extra=True))
    (first.folder / "stray.txt").write_text("a file of the old copy")
    second = store.add_folder(module_v(source, "2.0.0", -2.0))
    assert second.folder == first.folder
    assert (second.version, store.get("mine").version) == ("2.0.0", "2.0.0")
    assert second.digest != first.digest
    assert not (second.folder / "stray.txt").exists()   # the old folder went as a whole
    assert (second.folder / "weights.parquet").read_bytes() == (source / "weights.parquet").read_bytes()
    assert leftovers(tmp_path / "cache") == []
    assert [m.name for m in store.usable()[0]] == ["mine"]


def test_a_refused_update_leaves_the_installed_copy_as_it_was(store, tmp_path):
    source = tmp_path / "src" / "mine"
    first = store.add_folder(module_v(source, "1.0.0", -1.0))
    before = snapshot(first.folder)
    module_v(source, "2.0.0", -2.0)
    flip_byte(source / "annotations.parquet")
    with pytest.raises(ModuleRefused):
        store.add_folder(source)
    assert snapshot(first.folder) == before
    assert store.get("mine").version == "1.0.0"
    assert [m.name for m in store.usable()[0]] == ["mine"]
    assert leftovers(tmp_path / "cache") == []


@pytest.mark.parametrize("how", ["flipped", "truncated", "deleted", "grown"])
def test_a_file_changed_after_install_is_refused_before_use(store, example, how):
    module = store.add_folder(example)
    path = module.folder / "annotations.parquet"
    data = path.read_bytes()
    if how == "flipped":
        flip_byte(path)
        # an edit always moves the mtime; set it apart so a coarse clock cannot hide it
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 2_000_000_000))
    elif how == "truncated":
        path.write_bytes(data[:-1])
    elif how == "deleted":
        path.unlink()
    else:
        path.write_bytes(data + b"\0")
    use, refused = store.usable()
    assert use == []
    [(refused_module, why)] = refused
    assert refused_module.name == "example_pgx_traits"
    assert why.startswith(f"{path}: ") and "\n" not in why
    [(name, problem)] = store.verify_all()
    assert name == "example_pgx_traits" and problem.startswith(f"{path}")


def test_touching_a_file_without_changing_it_keeps_the_module(store, example):
    module = store.add_folder(example)
    path = module.folder / "weights.parquet"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    assert [m.name for m in store.usable()[0]] == ["example_pgx_traits"]


def test_verify_all_finds_a_change_the_quick_check_trusts(store, example):
    """usable() trusts an unchanged size and mtime; verify_all hashes every byte again."""
    module = store.add_folder(example)
    path = module.folder / "weights.parquet"
    stat = path.stat()
    flip_byte(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    [(name, problem)] = store.verify_all()
    assert name == "example_pgx_traits"
    assert problem.startswith(f"{path}: its sha256 does not match the manifest")


def test_verify_all_of_good_modules(store, example, tmp_path):
    store.add_folder(example)
    store.add_folder(write_hub_module(tmp_path / "old" / "hubmod",
                                      [row("rs1", "1", 1, "A", "G", "A/G", 1, "risk")]),
                     allow_unverified=True)
    seen = []
    assert store.verify_all(on_bytes=seen.append) == [("example_pgx_traits", None),
                                                      ("hubmod", None)]
    assert sum(seen) > 0


def test_remove(store, example, tmp_path):
    module = store.add_folder(example)
    removed = store.remove("example_pgx_traits")
    assert removed.name == "example_pgx_traits" and removed.digest == DIGEST
    assert not module.folder.exists()
    assert store.installed() == [] and ModuleStore(tmp_path / "cache").installed() == []
    assert leftovers(tmp_path / "cache") == []
    with pytest.raises(UserError, match=r"^example_pgx_traits: no such installed module "
                                        r"\(installed: none\)"):
        store.remove("example_pgx_traits")
    assert (example / "weights.parquet").is_file()   # the folder it was added from stays


def test_a_second_module_of_the_same_name_from_another_source_is_refused(store, example, tmp_path):
    hub = ModuleSource("hub", "just-dna-seq/annotators")
    staged = Path(shutil.copytree(example, tmp_path / "staged" / "example_pgx_traits"))
    target = hub.store_folder(store.cache_dir) / "data" / "example_pgx_traits"
    installed = store.install(staged, target, source=hub.label, revision="abc123")
    assert (installed.source, installed.revision, installed.folder) == (
        "just-dna-seq/annotators", "abc123", target)

    with pytest.raises(UserError, match=r"^example_pgx_traits: a module of that name is already "
                                        r"installed from just-dna-seq/annotators; remove it first"):
        store.add_folder(example)
    assert store.get("example_pgx_traits").folder == target
    assert not (store.added_folder() / "example_pgx_traits").exists()

    other = ModuleSource("folder", str(tmp_path / "lab"))
    staged = Path(shutil.copytree(example, tmp_path / "staged2" / "example_pgx_traits"))
    with pytest.raises(UserError, match="already installed from just-dna-seq/annotators"):
        store.install(staged, other.store_folder(store.cache_dir) / "example_pgx_traits",
                      source=other.label)
    assert staged.is_dir()   # left as it was
    store.remove("example_pgx_traits")
    assert store.add_folder(example).source == str(example)


def test_a_module_for_another_build_is_never_installed(store, example):
    manifest = json.loads((example / "manifest.json").read_text())
    manifest["genome_build"] = "GRCh37"
    (example / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModuleRefused, match=rf"^{example / 'manifest.json'}: the module is for "
                                            rf"GRCh37"):
        store.add_folder(example)
    assert store.installed() == []


def test_adding_what_is_no_module(store, tmp_path):
    with pytest.raises(UserError, match=rf"^{tmp_path / 'nothing'}: not a folder"):
        store.add_folder(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match=rf"^{tmp_path / 'empty'}: not a module"):
        store.add_folder(tmp_path / "empty")
    assert store.installed() == []


def test_a_damaged_record_is_one_line_naming_it(store, example):
    store.add_folder(example)
    store.record_file.write_text("{broken")
    with pytest.raises(UserError) as caught:
        store.installed()
    assert str(caught.value).startswith(f"{store.record_file}: the record of installed modules "
                                        f"cannot be read")
    assert "\n" not in str(caught.value)


def test_a_record_entry_this_version_cannot_read_is_skipped(store, example):
    store.add_folder(example)
    record = json.loads(store.record_file.read_text())
    record["modules"]["future"] = {"something": "else"}
    store.record_file.write_text(json.dumps(record))
    assert [m.name for m in store.installed()] == ["example_pgx_traits"]


def test_an_unreadable_lead_table_is_named_in_the_persons_folder(store, example, tmp_path):
    (example / "weights.parquet").write_bytes(b"not parquet")
    with pytest.raises(UserError) as caught:
        store.add_folder(example)
    assert str(caught.value).startswith(f"{example / 'weights.parquet'}: ")
    assert store.installed() == [] and leftovers(tmp_path / "cache") == []


@pytest.mark.parametrize("added", ["weights.parquet", "annotations.parquet", "frequencies.parquet"])
def test_a_table_added_to_an_installed_module_is_refused_before_use(store, tmp_path, added):
    """A drug table leads only while there is no weights.parquet: a table dropped in beside it
    after the install would be read (as the lead, or for genes) without ever being verified."""
    from module_factory import write_pharm_module

    module = store.add_folder(write_pharm_module(tmp_path / "src" / "drugs", [
        {"rsid": "rs1", "chrom": "1", "start": 5, "ref": "C", "alts": "T", "genotype": "C/T",
         "drug": "x", "conclusion": "c"}]))
    other = write_module(tmp_path / "other", [row("rs1", "1", 5, "C", "T", "C/T", 1, "risk")])
    shutil.copyfile(other / ("weights.parquet" if added == "frequencies.parquet" else added),
                    module.folder / added)
    use, refused = store.usable()
    assert use == []
    [(_, why)] = refused
    assert why.startswith(f"{module.folder / added}: ")
    [(_, problem)] = store.verify_all()
    assert problem.startswith(f"{module.folder / added}: ")


def test_a_hostile_name_in_a_manifest_is_refused(store, example, tmp_path):
    manifest = json.loads((example / "manifest.json").read_text())
    manifest["identity"]["name"] = "../../../escaped"
    (example / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match="is not allowed"):
        store.add_folder(example)
    assert not list(tmp_path.rglob("escaped"))
    assert store.installed() == []


def test_a_full_disk_while_copying_is_one_line(tmp_path, example):
    from workspace_helpers import mounted

    with mounted(tmp_path / "small", "-t", "tmpfs", "-o", "size=16k", "tmpfs") as small:
        store = ModuleStore(small / "cache")
        with pytest.raises(UserError) as caught:
            store.add_folder(example)
        message = str(caught.value)
        assert message == (f"{store.added_folder()}: cannot copy the module example_pgx_traits "
                           f"here (the disk is full); nothing was installed")
        assert store.installed() == [] and leftovers(small / "cache") == []
