"""Modules from a Hub dataset in the published layout (`data/<module>/`), through the real
huggingface_hub client and the loopback Hub (tests/hub_server.py), into the store
(core/modules/sources.py, download.py, store.py)."""

from __future__ import annotations

import json
import random
import shutil
import socket
import sys
from pathlib import Path

import pytest

from just_dna_desktop.core import hub as hub_transfer

from just_dna_desktop.core import hub as transfer
from just_dna_desktop.core.cancel import CancelToken
from just_dna_desktop.core.errors import Cancelled, UserError
from just_dna_desktop.core.modules import download
from just_dna_desktop.core.modules.sources import (DEFAULT_SOURCE, ModuleSource, list_available,
                                                   parse_source, sources_from)
from just_dna_desktop.core.modules.store import ModuleStore

from module_factory import (flip_byte, row, write_hub_module, write_manifest, write_module,
                            write_pharm_module)

sys.path.insert(0, str(Path(__file__).parent))
from hub_server import HubServer, Repo  # noqa: E402

EXAMPLE = Path(__file__).parent / "data" / "module_example"
HUB = ModuleSource("hub", DEFAULT_SOURCE)
VERIFIED = ("example_pgx_traits", "lipids", "pharmgkb")
BIG = "data/bigpanel/weights.parquet"


def folder_files(folder: Path, prefix: str) -> dict[str, bytes]:
    return {f"{prefix}/{p.name}": p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> dict[str, bytes]:
    """The annotators dataset: modules under data/ in every layout, and folders that are none."""
    root = tmp_path_factory.mktemp("hub")
    files = {"README.md": b"# annotators\n", ".gitattributes": b"*.parquet filter=lfs\n"}
    example = root / "example_pgx_traits"
    shutil.copytree(EXAMPLE, example, ignore=shutil.ignore_patterns("NOTICE"))
    files |= folder_files(example, "data/example_pgx_traits")

    # lipids: re-published without studies; the old upload's studies.parquet is still there
    lipids = write_module(root / "lipids", [
        row("rs429358", "19", 44908684, "T", "C", "C/T", -0.5, "risk", gene="APOE"),
        row("rs7412", "19", 44908822, "C", "T", "C/T", 0.5, "protective", gene="APOE")],
        pmids={"rs7412": ["8346443"]}, version="2.0.0")
    old_studies = (lipids / "studies.parquet").read_bytes()
    (lipids / "studies.parquet").unlink()
    write_manifest(lipids, "lipids", ["weights.parquet", "annotations.parquet"], version="2.0.0")
    files |= folder_files(lipids, "data/lipids")
    files["data/lipids/studies.parquet"] = old_studies
    files["data/lipids/logo.png"] = b"\x89PNG not listed either"

    files |= folder_files(write_hub_module(root / "longevitymap", [
        row("rs2802292", "6", 108587315, "T", "G", "G/T", 0.5, "protective", gene="FOXO3")]),
        "data/longevitymap")
    files["data/longevitymap/README.md"] = b"# longevitymap\n"
    files |= folder_files(write_pharm_module(root / "pharmgkb", [
        {"rsid": "rs4244285", "chrom": "10", "start": 94781859, "ref": "G", "alts": "A",
         "genotype": "A/G", "drug": "clopidogrel", "gene": "CYP2C19", "conclusion": "c"}]),
        "data/pharmgkb")

    lead = (example / "weights.parquet").read_bytes()
    files["data/notes/readme.md"] = b"no lead table: not a module"
    files["data/bad name/weights.parquet"] = lead
    files["data/.hidden/weights.parquet"] = lead
    files["data/" + "x" * 65 + "/weights.parquet"] = lead
    files["data/deep/er/weights.parquet"] = lead
    files["weights.parquet"] = lead
    files["other/example/weights.parquet"] = lead
    return files


@pytest.fixture
def hub(collection, monkeypatch):
    server = HubServer().start()
    server.add_repo(DEFAULT_SOURCE, collection)
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    yield server
    server.stop()


@pytest.fixture
def store(tmp_path) -> ModuleStore:
    return ModuleStore(tmp_path / "cache")


def available(names=None, source: ModuleSource = HUB):
    found = {m.name: m for m in list_available(source)}
    return [found[n] for n in names] if names else list(found.values())


def get(store, modules, **kwargs):
    kwargs.setdefault("retry_wait", 0.01)
    return {r.name: r for r in download.get_modules(store, modules, **kwargs)}


def served(hub: HubServer, path: str) -> list:
    """Requests for a file's bytes: an LFS object after the redirect, or a git file at resolve."""
    if Repo.in_lfs(path):
        return hub.file_requests(path)
    return [r for r in hub.requests if r.method == "GET" and r.path.startswith("/datasets/")
            and r.path.split("?")[0].endswith("/" + path)]


# --- sources ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("just-dna-seq/annotators", ("hub", "just-dna-seq/annotators", "main")),
    (" lab/mods@v1.2 ", ("hub", "lab/mods", "v1.2")),
    ("lab/mods@0123456789abcdef", ("hub", "lab/mods", "0123456789abcdef")),
    ("/srv/modules", ("folder", "/srv/modules", "main")),
])
def test_parse_source(text, expected):
    source = parse_source(text)
    assert (source.kind, source.location, source.revision) == expected


def test_a_home_folder_source_is_expanded(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert parse_source("~/mods").location == str(tmp_path / "mods")


@pytest.mark.parametrize("text", ["", "   ", None, 5, "annotators", "a/b/c", "lab/mods@",
                                  "https://huggingface.co/datasets/a/b", "a b/c"])
def test_sources_that_are_neither_are_one_line(text):
    with pytest.raises(UserError, match="module_sources") as caught:
        parse_source(text)
    assert "\n" not in str(caught.value)


def test_sources_from_settings():
    assert sources_from(None) == [HUB]
    assert sources_from(["lab/x", "lab/x", DEFAULT_SOURCE]) == [
        ModuleSource("hub", "lab/x"), HUB]
    assert sources_from([]) == []


def test_each_source_has_its_own_store_folder(tmp_path):
    cache = tmp_path / "cache"
    assert HUB.store_folder(cache) == cache / "annotators"
    assert ModuleSource("hub", "lab/x", "v1").store_folder(cache) == \
        cache / "annotators-sources" / "lab--x"
    a = ModuleSource("folder", "/srv/a/mods").store_folder(cache)
    b = ModuleSource("folder", "/srv/b/mods").store_folder(cache)
    assert a != b and a.parent == b.parent == cache / "annotators-sources"
    assert ModuleSource("hub", "lab/x", "v1").label == "lab/x@v1" and HUB.label == DEFAULT_SOURCE


# --- listing ---------------------------------------------------------------------------------------

def test_the_collection_lists_its_modules_and_skips_everything_else(hub, collection):
    modules = available()
    assert [m.name for m in modules] == ["example_pgx_traits", "lipids", "longevitymap",
                                         "pharmgkb"]
    by_name = {m.name: m for m in modules}
    assert {n: m.has_manifest for n, m in by_name.items()} == {
        "example_pgx_traits": True, "lipids": True, "longevitymap": False, "pharmgkb": True}
    for m in modules:
        assert m.path == f"data/{m.name}"
        assert m.commit == hub.repos[DEFAULT_SOURCE].commit
        assert m.size == sum(len(d) for p, d in collection.items()
                             if p.startswith(f"data/{m.name}/"))
        assert m.to_dict()["source"] == DEFAULT_SOURCE
    assert len([r for r in hub.requests if r.path.startswith("/api/datasets/")]) == 1
    assert hub.bytes_served == 0


def test_a_listing_offline_says_so_and_asks_nothing(hub, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(transfer.OfflineError, match="offline mode is on") as caught:
        list_available(HUB)
    assert "\n" not in str(caught.value)
    assert hub.requests == []


def test_no_network_is_one_line(monkeypatch):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    with pytest.raises(transfer.OfflineError, match=f"cannot reach http://127.0.0.1:{port}"):
        list_available(HUB)


def test_an_unknown_dataset_names_the_setting(hub):
    with pytest.raises(transfer.NotFoundError, match="nobody/nothing.*module_sources"):
        list_available(ModuleSource("hub", "nobody/nothing"))
    with pytest.raises(transfer.NotFoundError, match="revision 'v9'.*module_sources"):
        list_available(ModuleSource("hub", DEFAULT_SOURCE, "v9"))


# --- getting ---------------------------------------------------------------------------------------

def test_get_verified_modules_into_the_cache(hub, store, collection, tmp_path):
    seen: list[transfer.Progress] = []
    results = get(store, available(VERIFIED), progress=seen.append)
    commit = hub.repos[DEFAULT_SOURCE].commit
    assert {n: r.error for n, r in results.items()} == {n: None for n in VERIFIED}
    for name in VERIFIED:
        module = results[name].module
        assert module.folder == tmp_path / "cache" / "annotators" / "data" / name
        assert (module.source, module.revision, module.verified) == (DEFAULT_SOURCE, commit, True)
        for path in module.folder.iterdir():
            assert path.read_bytes() == collection[f"data/{name}/{path.name}"]
    assert results["example_pgx_traits"].module.digest == \
        "sha256:69d309df2b6bf13d8573c79f0b8b1e62b24891f8abc1bdd26b353e89e8793efe"
    # only what the manifest lists: the older studies.parquet and the logo stay on the Hub
    assert sorted(p.name for p in (store.root / "data" / "lipids").iterdir()) == [
        "annotations.parquet", "manifest.json", "weights.parquet"]
    assert served(hub, "data/lipids/studies.parquet") == []
    assert served(hub, "data/lipids/logo.png") == []
    fetched = sum(len(collection[f"data/{n}/{p.name}"])
                  for n in VERIFIED for p in (store.root / "data" / n).iterdir())
    assert sum(r.bytes_transferred for r in results.values()) == fetched == hub.bytes_served
    # pinned to the commit the listing resolved to, never the moving branch
    resolves = [r.path for r in hub.requests if "/resolve/" in r.path]
    assert resolves and all(f"/resolve/{commit}/" in p for p in resolves)
    assert [m.name for m in store.usable()[0]] == sorted(VERIFIED)
    assert not (store.root / download.INCOMING / "lipids").exists()
    # progress ends complete
    assert seen[-1].phase == "done"
    assert seen[-1].done == seen[-1].total == fetched
    assert seen[-1].files_done == seen[-1].files_total
    assert [p.done for p in seen] == sorted(p.done for p in seen)


def test_a_module_without_manifest_needs_the_persons_word(hub, store, collection):
    [longevity] = available(["longevitymap"])
    seen: list[transfer.Progress] = []
    result = get(store, [longevity], progress=seen.append)["longevitymap"]
    assert seen[-1].done == seen[-1].total and seen[-1].files_done == seen[-1].files_total == 2
    assert served(hub, "data/longevitymap/README.md") == []
    assert result.module is None
    assert result.error.startswith("longevitymap: the module has no manifest.json")
    assert store.installed() == []

    before = hub.bytes_served
    result = get(store, [longevity], allow_unverified=True)["longevitymap"]
    module = result.module
    assert (module.verified, module.allowed_unverified, module.usable) == (False, True, True)
    assert (module.folder / "weights.parquet").read_bytes() == \
        collection["data/longevitymap/weights.parquet"]
    assert hub.bytes_served == before   # the first attempt's verified files were kept
    assert [m.name for m in store.usable()[0]] == ["longevitymap"]


def test_getting_again_replaces_the_installed_copy(hub, store, collection):
    [example] = available(["example_pgx_traits"])
    first = get(store, [example])["example_pgx_traits"].module
    (first.folder / "stray").write_text("x")
    second = get(store, [example])["example_pgx_traits"].module
    assert second.folder == first.folder and not (second.folder / "stray").exists()
    assert [m.name for m in store.usable()[0]] == ["example_pgx_traits"]


def test_a_dropped_connection_is_resumed(hub, store, collection):
    weights = "data/example_pgx_traits/weights.parquet"
    manifest = "data/example_pgx_traits/manifest.json"
    hub.drop(weights, after_bytes=5000)
    hub.drop(manifest, after_bytes=1000)   # a small file kept in git, checked by its blob id
    module = get(store, available(["example_pgx_traits"]))["example_pgx_traits"].module
    assert module is not None and module.verified
    assert [r.headers.get("range") for r in served(hub, weights)] == [None, "bytes=5000-"]
    assert [r.headers.get("range") for r in served(hub, manifest)] == [None, "bytes=1000-"]
    assert (module.folder / "weights.parquet").read_bytes() == collection[weights]
    assert (module.folder / "manifest.json").read_bytes() == collection[manifest]


def test_a_download_given_up_resumes_on_the_next_get(hub, store, collection):
    weights = "data/example_pgx_traits/weights.parquet"
    hub.drop(weights, after_bytes=4000, times=100)
    [example] = available(["example_pgx_traits"])
    with pytest.raises(transfer.ConnectionFailedError, match="weights.parquet failed 2 times") \
            as caught:
        get(store, [example], max_attempts=2)
    assert "\n" not in str(caught.value)
    partial = download.incoming_folder(store, example) / "weights.parquet.incomplete"
    assert partial.stat().st_size == 4000
    assert store.installed() == []
    hub.drops_left.clear()
    module = get(store, [example])["example_pgx_traits"].module
    assert served(hub, weights)[-1].headers["range"] == "bytes=4000-"
    assert (module.folder / "weights.parquet").read_bytes() == collection[weights]
    # the manifest fetched by the first attempt was checked by its blob id, not fetched again
    assert len(served(hub, "data/example_pgx_traits/manifest.json")) == 1


def test_a_small_git_file_given_up_resumes_checked_by_its_blob_id(hub, store, collection):
    manifest = "data/example_pgx_traits/manifest.json"
    hub.drop(manifest, after_bytes=1000, times=100)
    [example] = available(["example_pgx_traits"])
    with pytest.raises(transfer.ConnectionFailedError, match="manifest.json failed 2 times"):
        get(store, [example], max_attempts=2)
    partial = download.incoming_folder(store, example) / "manifest.json.incomplete"
    assert partial.read_bytes() == collection[manifest][:1000]
    hub.drops_left.clear()
    module = get(store, [example])["example_pgx_traits"].module
    assert served(hub, manifest)[-1].headers["range"] == "bytes=1000-"
    assert (module.folder / "manifest.json").read_bytes() == collection[manifest]

    # a partial whose bytes are not the file's: the blob id refuses it, and it is fetched anew
    store.remove("example_pgx_traits")
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"x" * 1000)
    module = get(store, [example])["example_pgx_traits"].module
    assert (module.folder / "manifest.json").read_bytes() == collection[manifest]
    assert [r.headers.get("range") for r in served(hub, manifest)[-2:]] == ["bytes=1000-", None]


@pytest.mark.parametrize("name", ["weights.parquet", "manifest.json"])
def test_bytes_corrupted_on_the_way_are_refused(hub, store, name):
    path = f"data/example_pgx_traits/{name}"
    hub.corrupt.add(path)
    [example] = available(["example_pgx_traits"])
    with pytest.raises(transfer.ChecksumError, match=f"{path} arrived corrupt twice") as caught:
        get(store, [example])
    assert "\n" not in str(caught.value)
    assert len(served(hub, path)) == 2
    assert store.installed() == []
    staging = download.incoming_folder(store, example)
    assert not (staging / name).exists() and not (staging / f"{name}.incomplete").exists()


def test_a_module_whose_hub_bytes_do_not_match_its_manifest_is_refused(hub, store, collection):
    """The Hub's own checksum vouches for the transfer; the manifest for the module."""
    path = "data/example_pgx_traits/studies.parquet"
    data = bytearray(collection[path])
    data[len(data) // 2] ^= 0xFF
    hub.repos[DEFAULT_SOURCE].files[path] = bytes(data)
    results = get(store, available(["example_pgx_traits", "pharmgkb"]))
    assert results["pharmgkb"].module is not None
    failed = results["example_pgx_traits"]
    assert failed.module is None
    assert failed.error.endswith("studies.parquet: its sha256 does not match the manifest: the "
                                 "file was changed after the module was compiled")
    assert "\n" not in failed.error
    assert [m.name for m in store.installed()] == ["pharmgkb"]


@pytest.mark.parametrize("listed", ["missing.parquet", "../../escape.parquet"])
def test_a_manifest_naming_what_is_not_there_refuses_that_module_only(hub, store, collection,
                                                                      listed):
    path = "data/example_pgx_traits/manifest.json"
    manifest = json.loads(collection[path])
    manifest["artifact"]["files"].append({"name": listed, "sha256": "sha256:" + "0" * 64,
                                          "size": 1})
    hub.repos[DEFAULT_SOURCE].files[path] = json.dumps(manifest).encode()
    results = get(store, available(["example_pgx_traits", "pharmgkb"]))
    assert results["example_pgx_traits"].module is None
    assert listed in results["example_pgx_traits"].error
    assert "\n" not in results["example_pgx_traits"].error
    assert results["pharmgkb"].module is not None
    assert not list(store.cache_dir.rglob("escape.parquet"))


def test_not_enough_disk_space_is_refused_before_any_byte(hub, store, monkeypatch):
    monkeypatch.setattr(download, "disk_free_bytes", lambda path: 10_000)
    modules = available(VERIFIED)
    needed = sum(m.size for m in modules)
    with pytest.raises(transfer.DiskSpaceError,
                       match=rf"^not enough free disk space in {store.root}: the modules need "
                             rf"{transfer.format_bytes(needed)} more, only 10.0 KB is free$"):
        get(store, modules)
    assert hub.bytes_served == 0 and store.installed() == []


def test_cancel_keeps_the_partial_and_the_next_get_resumes(hub, store, tmp_path, monkeypatch):
    rng = random.Random(7)  # conclusions that do not compress: a file of several chunks
    rows = [row(f"rs{i}", "1", 1000 + i, "A", "G", "A/G", i / 7, "risk", rng.randbytes(24).hex())
            for i in range(3000)]
    big = write_module(tmp_path / "bigpanel", rows)
    for path in big.iterdir():
        hub.repos[DEFAULT_SOURCE].files[f"data/bigpanel/{path.name}"] = path.read_bytes()
    size = len(hub.repos[DEFAULT_SOURCE].files[BIG])
    assert size > 4 * 16 * 1024
    hub.slow[BIG] = 0.05
    cancel = CancelToken()

    def on_progress(progress):
        if progress.file == BIG and progress.file_done >= 2 * 16 * 1024:
            cancel.cancel()

    [module] = available(["bigpanel"])
    with pytest.raises(Cancelled):
        get(store, [module], cancel=cancel, progress=on_progress)
    partial = download.incoming_folder(store, module) / "weights.parquet.incomplete"
    kept = partial.stat().st_size
    assert 0 < kept < size
    assert store.installed() == []

    hub.slow.clear()
    installed = get(store, [module])["bigpanel"].module
    assert served(hub, BIG)[-1].headers["range"] == f"bytes={kept}-"
    assert installed.verified and installed.rows == 3000


def test_a_cancel_before_starting_installs_nothing(hub, store):
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        get(store, available(VERIFIED), cancel=cancel)
    assert hub.bytes_served == 0 and store.installed() == []


def test_offline_get_says_so_and_the_installed_modules_stay_usable(hub, store, monkeypatch):
    modules = available(["example_pgx_traits", "pharmgkb"])
    get(store, modules[:1])
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    before = len(hub.requests)
    with pytest.raises(transfer.OfflineError, match="offline mode is on") as caught:
        get(store, modules[1:])
    assert "\n" not in str(caught.value)
    assert len(hub.requests) == before
    assert [m.name for m in store.usable()[0]] == ["example_pgx_traits"]


def test_one_download_at_a_time(hub, store):
    from filelock import FileLock

    store.root.mkdir(parents=True)
    with FileLock(str(store.root / hub_transfer.LOCK_NAME)):
        with pytest.raises(transfer.DownloadError, match="another module download"):
            get(store, available(["pharmgkb"]))
    assert get(store, available(["pharmgkb"]))["pharmgkb"].module is not None


def test_a_hostile_name_is_refused_before_anything(hub, store):
    [module] = available(["pharmgkb"])
    from dataclasses import replace

    with pytest.raises(UserError, match="is not allowed"):
        get(store, [replace(module, name="../../etc")])
    assert hub.bytes_served == 0


def test_another_hub_source_pinned_to_a_revision(hub, store, collection):
    hub.add_repo("lab/mods", {k: v for k, v in collection.items() if "/pharmgkb/" in k},
                 commit="f" * 40, branches=("main", "v1"))
    source = parse_source("lab/mods@v1")
    [module] = available(source=source)
    installed = get(store, [module])["pharmgkb"].module
    assert installed.folder == store.cache_dir / "annotators-sources" / "lab--mods" / "data" / \
        "pharmgkb"
    assert (installed.source, installed.revision) == ("lab/mods@v1", "f" * 40)
    # the same name from the default dataset is another module: refused, the first kept
    result = get(store, available(["pharmgkb"]))["pharmgkb"]
    assert result.module is None and "already installed from lab/mods@v1" in result.error
    assert store.get("pharmgkb").source == "lab/mods@v1"


# --- a local folder source -----------------------------------------------------------------------

def test_a_local_folder_source(store, tmp_path):
    lab = tmp_path / "lab"
    shutil.copytree(EXAMPLE, lab / "example_pgx_traits")
    write_hub_module(lab / "oldmod", [row("rs1", "1", 5, "A", "G", "A/G", 1, "risk")])
    (lab / "not_a_module").mkdir()
    source = parse_source(str(lab))
    modules = list_available(source)
    assert [(m.name, m.has_manifest, m.path) for m in modules] == [
        ("example_pgx_traits", True, str(lab / "example_pgx_traits")),
        ("oldmod", False, str(lab / "oldmod"))]
    before = {p: p.read_bytes() for p in lab.rglob("*") if p.is_file()}
    results = get(store, modules)
    assert results["oldmod"].module is None and "no manifest" in results["oldmod"].error
    module = results["example_pgx_traits"].module
    assert module.folder == source.store_folder(store.cache_dir) / "example_pgx_traits"
    assert (module.source, module.revision, module.verified) == (str(lab), None, True)
    assert {p: p.read_bytes() for p in lab.rglob("*") if p.is_file()} == before
    # a folder that is itself a module is a source of one
    assert [m.name for m in list_available(parse_source(str(lab / "oldmod")))] == ["oldmod"]
    with pytest.raises(UserError, match="does not exist"):
        list_available(parse_source(str(tmp_path / "nowhere")))


def test_a_tampered_local_source_names_its_file(store, tmp_path):
    lab = tmp_path / "lab"
    shutil.copytree(EXAMPLE, lab / "example_pgx_traits")
    flip_byte(lab / "example_pgx_traits" / "annotations.parquet")
    result = get(store, list_available(parse_source(str(lab))))["example_pgx_traits"]
    assert result.module is None
    assert result.error.startswith(f"{lab / 'example_pgx_traits' / 'annotations.parquet'}: its "
                                   f"sha256 does not match")
    assert not [p for p in store.cache_dir.rglob("*") if p.suffix == ".parquet"]


def test_a_local_folder_source_skips_names_that_could_not_be_ours(store, tmp_path):
    lab = tmp_path / "lab"
    shutil.copytree(EXAMPLE, lab / "example_pgx_traits")
    shutil.copytree(EXAMPLE, lab / "my module")
    shutil.copytree(EXAMPLE, lab / ".hidden")
    modules = list_available(parse_source(str(lab)))
    assert [m.name for m in modules] == ["example_pgx_traits"]
    assert get(store, modules)["example_pgx_traits"].module.verified


def test_the_listing_gives_each_file_the_checksum_the_hub_keeps(hub, collection):
    """LFS files (parquet) by their sha256; small files kept in git itself by their blob id."""
    import hashlib

    listing = transfer.list_dataset(DEFAULT_SOURCE)
    by_path = {f.path: f for f in listing.files}
    weights = by_path["data/example_pgx_traits/weights.parquet"]
    manifest = by_path["data/example_pgx_traits/manifest.json"]
    data = collection[manifest.path]
    assert (weights.sha256, weights.blob_id, weights.size) == (
        hashlib.sha256(collection[weights.path]).hexdigest(), None, len(collection[weights.path]))
    assert (manifest.sha256, manifest.blob_id, manifest.size) == (
        None, hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest(), len(data))
    assert all(f.verifiable() for f in listing.files)
    assert listing.commit == hub.repos[DEFAULT_SOURCE].commit
