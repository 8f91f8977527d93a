"""The reference download, end to end through the real huggingface_hub client and a loopback Hub.

The dataset is a few tiny parquet files in the real reference schema; the server (tests/hub_server.py)
counts every byte it serves and logs every request, and injects the faults people meet on real lines.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import socket
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest

from just_dna_desktop import cli
from just_dna_desktop.core.reference import download, cache as reference
from just_dna_desktop.core import hub as hub_transfer
from just_dna_desktop.core.cancel import CancelToken
from just_dna_desktop.core.errors import Cancelled, UserError
from just_dna_desktop.core.reference.schema import CLINICAL_COLUMNS, EVIDENCE_COLUMNS

sys.path.insert(0, str(Path(__file__).parent))
from hub_server import HubServer

REPO = download.DEFAULT_REPO  # the CLI downloads the settings' default repo
CHR21, CHR22, CHRMT = (f"data/homo_sapiens-chr{c}.parquet" for c in ("21", "22", "MT"))



def reference_parquet(chrom: str, rows: int) -> bytes:
    """A small file in the real reference schema (see shared/data/README.md), sorted by start."""
    rng = random.Random(f"{chrom}-{rows}")
    starts = sorted(rng.randrange(1, 40_000_000) for _ in range(rows))
    refs = [rng.choice("ACGT") for _ in range(rows)]
    alts = [[rng.choice([b for b in "ACGT" if b != r])] for r in refs]
    flag = lambda: [rng.random() < 0.1 for _ in range(rows)]
    frame = pl.DataFrame({
        "chrom": [chrom] * rows,
        "start": pl.Series(starts, dtype=pl.UInt32),
        "end": pl.Series(starts, dtype=pl.UInt32),
        "id": [f"rs{rng.randrange(1, 10**9)}" for _ in range(rows)],
        "ref": refs,
        "alt": ["|".join(a) for a in alts],
        "alts": pl.Series(alts, dtype=pl.List(pl.String)),
        "qual": pl.Series([None] * rows, dtype=pl.Float64),
        "filter": [None] * rows,
        "cosmic_101": flag(), "clinvar_202502": flag(), "dbsnp_156": [True] * rows,
        "hgmd-public_20204": flag(),
        "tsa": ["SNV"] * rows,
        **{name: flag() for name in EVIDENCE_COLUMNS},
        **{name: flag() for name in CLINICAL_COLUMNS},
        "ma": refs,
        "maf": pl.Series([rng.random() / 2 for _ in range(rows)], dtype=pl.Float32),
        "mac": pl.Series([rng.randrange(0, 5000) for _ in range(rows)], dtype=pl.Int32),
        "aa": refs,
    }, schema_overrides={"filter": pl.String})
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="uncompressed")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def dataset() -> dict[str, bytes]:
    return {CHR21: reference_parquet("21", 6000), CHR22: reference_parquet("22", 2000),
            CHRMT: reference_parquet("MT", 300), "README.md": b"# ensembl_variations\n"}


@pytest.fixture
def hub(dataset, monkeypatch):
    server = HubServer().start()
    server.add_repo(REPO, dataset)
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    yield server
    server.stop()


@pytest.fixture
def ref_dir(tmp_path) -> Path:
    return tmp_path / "cache" / "ensembl_variations"  # where the settings put it (conftest)


def fetch(ref_dir: Path, **kwargs):
    kwargs.setdefault("retry_wait", 0.01)
    return download.download_reference(ref_dir, repo_id=REPO, **kwargs)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_gets(hub: HubServer, path: str):
    return hub.file_requests(path)


# --- the happy path -----------------------------------------------------------------------------

def test_full_download_lands_verified_in_the_cache_with_a_manifest(hub, dataset, ref_dir, tmp_path):
    seen: list[download.Progress] = []
    result = fetch(ref_dir, progress=seen.append)

    parquet = {p: d for p, d in dataset.items() if p.endswith(".parquet")}
    assert sorted(result.fetched) == sorted(parquet)
    assert result.revision == hub.repos[REPO].commit
    assert result.bytes_transferred == sum(map(len, parquet.values())) == hub.bytes_served
    for path, data in parquet.items():
        assert (ref_dir / path).read_bytes() == data
        assert pl.read_parquet(ref_dir / path).columns[:3] == ["chrom", "start", "end"]
    assert not (ref_dir / "README.md").exists()
    assert not list(ref_dir.rglob("*.incomplete"))
    # No second copy in the Hub's own blob cache.
    assert not list((tmp_path / "hf_home").rglob("*.parquet"))
    assert not any(p.is_file() and p.stat().st_size > 10_000 for p in (tmp_path / "hf_home").rglob("*"))

    manifest = reference.read_manifest(ref_dir)
    assert manifest["repo_id"] == REPO
    assert manifest["revision"] == hub.repos[REPO].commit
    assert manifest["requested_revision"] == "main"
    assert manifest["expected"] == [CHR21, CHR22, CHRMT]
    for path, data in parquet.items():
        assert manifest["files"][path]["size"] == len(data)
        assert manifest["files"][path]["sha256"] == sha(data)

    status = reference.status(ref_dir)
    assert status.status == "cached"
    assert status.revision == hub.repos[REPO].commit
    assert status.chromosomes == ["21", "22", "MT"]
    assert result.status.status == "cached"

    # Progress: per file and overall, ending complete.
    assert seen[-1].phase == "done"
    assert seen[-1].done == seen[-1].total == result.bytes_transferred
    assert seen[-1].files_done == seen[-1].files_total == 3
    dones = [p.done for p in seen]
    assert dones == sorted(dones)
    assert {p.file for p in seen if p.file} == set(parquet)
    assert all(0 <= p.file_done <= p.file_total for p in seen)


def test_rerun_transfers_nothing(hub, ref_dir):
    fetch(ref_dir)
    served, gets = hub.bytes_served, len(file_gets(hub, CHR21))
    result = fetch(ref_dir)
    assert result.fetched == [] and result.bytes_transferred == 0
    assert sorted(result.skipped) == sorted([CHR21, CHR22, CHRMT])
    assert hub.bytes_served == served
    assert len(file_gets(hub, CHR21)) == gets
    assert result.status.status == "cached"


def test_prepared_copies_are_built_after_the_download(hub, ref_dir, monkeypatch):
    from just_dna_desktop.core.reference import prepared

    monkeypatch.setattr(prepared, "MIN_SOURCE_BYTES", 0)  # the test files are tiny
    seen = []
    fetch(ref_dir, progress=seen.append)
    preparing = [p.file for p in seen if p.phase == "preparing"]
    assert sorted(set(preparing)) == sorted([CHR21, CHR22, CHRMT])
    for path in (CHR21, CHR22, CHRMT):
        source = ref_dir / path
        assert prepared.is_fresh(source, prepared.prepared_path(ref_dir, source))
    assert seen[-1].phase == "done"
    # The downloaded files themselves stay verifiable.
    assert reference.status(ref_dir).status == "cached"

    seen.clear()
    fetch(ref_dir, progress=seen.append)
    assert not [p for p in seen if p.phase == "preparing"]  # built once


def test_file_present_but_unrecorded_is_hashed_not_downloaded(hub, dataset, ref_dir):
    (ref_dir / "data").mkdir(parents=True)
    (ref_dir / CHR21).write_bytes(dataset[CHR21])  # e.g. copied from another machine
    result = fetch(ref_dir)
    assert CHR21 in result.skipped and CHR21 not in result.fetched
    assert file_gets(hub, CHR21) == []


# --- faults -----------------------------------------------------------------------------------

def test_dropped_connection_resumes_from_the_offset(hub, dataset, ref_dir):
    hub.drop(CHR21, after_bytes=100_000)
    result = fetch(ref_dir)

    gets = file_gets(hub, CHR21)
    assert [g.headers.get("range") for g in gets] == [None, "bytes=100000-"]
    assert (ref_dir / CHR21).read_bytes() == dataset[CHR21]
    assert result.bytes_transferred == sum(len(d) for p, d in dataset.items() if p.endswith(".parquet"))
    assert result.status.status == "cached"


def test_connection_dropping_again_and_again_gives_a_clear_error(hub, ref_dir):
    hub.drop(CHR21, after_bytes=50_000, times=100)
    with pytest.raises(download.ConnectionFailedError, match=r"homo_sapiens-chr21.*5 times in a row"):
        fetch(ref_dir)
    assert (ref_dir / (CHR21 + ".incomplete")).stat().st_size == 50_000  # kept for the next run
    assert reference.status(ref_dir).status == "incomplete"
    hub.drops_left.clear()
    fetch(ref_dir)
    assert file_gets(hub, CHR21)[-1].headers["range"] == "bytes=50000-"


def test_corrupted_bytes_are_rejected_and_never_cached(hub, ref_dir):
    hub.corrupt.add(CHR22)
    with pytest.raises(download.ChecksumError, match="homo_sapiens-chr22.parquet arrived corrupt twice"):
        fetch(ref_dir)
    assert len(file_gets(hub, CHR22)) == 2  # retried once
    assert not (ref_dir / CHR22).exists()
    assert not (ref_dir / (CHR22 + ".incomplete")).exists()
    status = reference.status(ref_dir)
    assert status.status == "incomplete" and CHR22 in status.missing
    assert CHR22 not in reference.read_manifest(ref_dir)["files"]


def test_a_cached_file_changed_on_disk_is_not_reported_cached(hub, dataset, ref_dir):
    fetch(ref_dir)
    path = ref_dir / CHR21
    data = bytearray(path.read_bytes())
    data[1000] ^= 0xFF
    path.write_bytes(bytes(data))
    assert reference.status(ref_dir).status == "unverified"

    result = fetch(ref_dir)  # re-hashes it, sees the damage, fetches it again
    assert result.fetched == [CHR21]
    assert path.read_bytes() == dataset[CHR21]
    assert reference.status(ref_dir).status == "cached"


def test_401_without_a_token_says_a_token_is_needed(hub, ref_dir):
    hub.token = "hf_secret_token_123"
    with pytest.raises(download.AuthError, match="needs a token.*HF_TOKEN") as err:
        fetch(ref_dir)
    assert "\n" not in str(err.value)


def test_401_with_a_wrong_token_says_it_was_refused_without_showing_it(hub, ref_dir, monkeypatch):
    hub.token = "hf_secret_token_123"
    monkeypatch.setenv("HF_TOKEN", "hf_wrong_token_456")
    with pytest.raises(download.AuthError, match="refused the token") as err:
        fetch(ref_dir)
    assert "hf_wrong_token_456" not in str(err.value)


def test_the_right_token_from_hf_token_is_sent_and_never_stored(hub, dataset, ref_dir, monkeypatch):
    hub.token = "hf_secret_token_123"
    monkeypatch.setenv("HF_TOKEN", "hf_secret_token_123")
    result = fetch(ref_dir)
    assert len(result.fetched) == 3
    assert "hf_secret_token_123" not in (ref_dir / reference.MANIFEST_NAME).read_text()
    # Sent through huggingface_hub's headers on every request to the Hub's resolve endpoint.
    assert all(r.headers.get("authorization") for r in hub.requests if "/resolve/" in r.path)


def test_404_for_a_wrong_repo_or_revision(hub, ref_dir):
    with pytest.raises(download.NotFoundError, match="dataset nobody/nothing not found.*404"):
        download.download_reference(ref_dir, repo_id="nobody/nothing")
    with pytest.raises(download.NotFoundError, match="revision 'v9' not found.*404"):
        fetch(ref_dir, revision="v9")
    assert hub.bytes_served == 0


def test_a_revision_pinned_to_a_commit(hub, ref_dir):
    commit = hub.repos[REPO].commit
    result = fetch(ref_dir, revision=commit, chromosomes="MT")
    assert result.revision == commit and result.fetched == [CHRMT]
    assert all(commit in r.path for r in hub.requests if "/resolve/" in r.path)


def test_slow_transfer_cancelled_within_2_seconds_keeps_the_partial(hub, dataset, ref_dir):
    hub.slow[CHR21] = 0.3  # 16 KB every 0.3 s: the file would take ~6 s
    cancel = CancelToken()
    outcome: list[BaseException] = []

    def run():
        try:
            fetch(ref_dir, cancel=cancel)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    partial = ref_dir / (CHR21 + ".incomplete")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not (partial.exists() and partial.stat().st_size >= 32 * 1024):
        time.sleep(0.02)
    time.sleep(0.1)  # cancel while the server is sleeping between chunks
    cancelled_at = time.monotonic()
    cancel.cancel()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert time.monotonic() - cancelled_at < 2.0
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
    kept = partial.stat().st_size
    assert 0 < kept < len(dataset[CHR21])
    assert not (ref_dir / CHR21).exists()

    hub.slow.clear()
    fetch(ref_dir)
    assert file_gets(hub, CHR21)[-1].headers["range"] == f"bytes={kept}-"
    assert (ref_dir / CHR21).read_bytes() == dataset[CHR21]


def test_offline_mode_status_needs_no_network_and_download_says_offline(hub, ref_dir, monkeypatch):
    fetch(ref_dir)
    requests_before = len(hub.requests)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def no_network(*args, **kwargs):
        raise AssertionError("network used in offline mode")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert reference.status(ref_dir).status == "cached"
    with pytest.raises(download.OfflineError, match="offline mode is on.*HF_HUB_OFFLINE.*cached"):
        fetch(ref_dir)
    assert len(hub.requests) == requests_before


def test_no_network_is_a_clear_error(ref_dir, monkeypatch):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    with pytest.raises(download.OfflineError, match=f"cannot reach http://127.0.0.1:{port}"):
        fetch(ref_dir)


def test_not_enough_disk_space_is_refused_before_starting(hub, dataset, ref_dir, monkeypatch):
    monkeypatch.setattr(download, "disk_free_bytes", lambda path: 50_000)
    needed = sum(len(d) for p, d in dataset.items() if p.endswith(".parquet"))
    with pytest.raises(download.DiskSpaceError,
                       match=rf"needs {download.format_bytes(needed)} more, only 50.0 KB is free"):
        fetch(ref_dir)
    assert hub.bytes_served == 0


def test_a_choice_of_chromosomes(hub, dataset, ref_dir):
    result = fetch(ref_dir, chromosomes="22,MT")
    assert result.fetched == [CHR22, CHRMT]
    assert not (ref_dir / CHR21).exists()
    assert reference.status(ref_dir).status == "cached"  # the chosen subset is complete
    fetch(ref_dir, chromosomes=["21"])
    assert reference.read_manifest(ref_dir)["expected"] == [CHR21, CHR22, CHRMT]
    with pytest.raises(download.NotFoundError, match="no file for chromosome.*X"):
        fetch(ref_dir, chromosomes="X")


def test_parse_chromosomes():
    assert reference.parse_chromosomes("all") is None
    assert reference.parse_chromosomes(None) is None
    assert reference.parse_chromosomes("MT, chr22,21") == ["21", "22", "MT"]
    assert reference.parse_chromosomes([1, "x", "M"]) == ["1", "X", "MT"]
    with pytest.raises(UserError, match="unknown chromosome '23'"):
        reference.parse_chromosomes("23")


# --- the command line -------------------------------------------------------------------------

def test_cli_download_status_verify_end_to_end(hub, dataset, ref_dir, capsys):
    assert cli.main(["reference", "download", "--chromosomes", "21,22"]) == 0
    out = capsys.readouterr().out
    assert "downloaded 2 file(s)" in out and "reference: cached" in out
    assert hub.repos[REPO].commit in out

    served = hub.bytes_served
    assert cli.main(["reference", "download", "--chromosomes", "21,22", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["fetched"] == [] and report["status"]["status"] == "cached"
    assert hub.bytes_served == served

    assert cli.main(["reference", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["status"] == "cached" and status["revision"] == hub.repos[REPO].commit
    assert status["cache_path"] == str(ref_dir)

    assert cli.main(["reference", "verify"]) == 0
    assert "verified 2 file(s)" in capsys.readouterr().out

    # Damage a file without changing its size or mtime: only `verify` can tell.
    path = ref_dir / CHR22
    info = path.stat()
    data = bytearray(path.read_bytes())
    data[-100] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert cli.main(["reference", "status", "--json"]) == 0
    assert cli.main(["reference", "verify", "--json"]) == 1
    captured = capsys.readouterr()
    verify_report = json.loads(captured.out.split("\n}\n")[1] + "\n}")
    assert verify_report["corrupt"] == [CHR22] and verify_report["passed"] is False
    assert captured.err.startswith("error: 1 reference file(s)") and captured.err.count("\n") == 1
    assert cli.main(["reference", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["status"] == "incomplete" and status["corrupt"] == [CHR22]
    # It keeps saying so until the file is fetched again.
    assert cli.main(["reference", "verify"]) == 1
    captured = capsys.readouterr()
    assert f"corrupt: {CHR22}" in captured.out and "no checksum" not in captured.out
    assert "1 corrupt" in captured.err

    assert cli.main(["reference", "download", "--chromosomes", "21,22"]) == 0
    assert path.read_bytes() == dataset[CHR22]
    assert cli.main(["reference", "verify"]) == 0
    capsys.readouterr()
    assert cli.main(["reference", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["status"] == "cached" and status["corrupt"] == []


def test_cli_errors_are_one_line_and_survive_a_missing_stderr(hub, ref_dir, capsys, monkeypatch):
    assert cli.main(["reference", "download", "--revision", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: revision 'nope' not found") and err.count("\n") == 1

    monkeypatch.setattr(sys, "stderr", None)  # a windowed bundle
    assert cli.main(["reference", "download", "--chromosomes", "MT"]) == 0
    assert cli.main(["reference", "download", "--revision", "nope"]) == 1


def test_cli_shows_a_progress_bar_only_on_a_terminal(hub, ref_dir, monkeypatch, capsys):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["reference", "download", "--chromosomes", "MT"]) == 0
    assert "100%" in terminal.getvalue() and "homo_sapiens-chrMT" in terminal.getvalue()
    assert "[" not in capsys.readouterr().out.split("\n")[0]


def test_one_download_per_cache_at_a_time(hub, ref_dir):
    hub.slow[CHR21] = 0.05
    cancel = CancelToken()
    worker = threading.Thread(target=lambda: pytest.raises(Cancelled, fetch, ref_dir, cancel=cancel))
    worker.start()
    partial = ref_dir / (CHR21 + ".incomplete")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not partial.exists():
        time.sleep(0.02)
    try:
        with pytest.raises(download.DownloadError, match="another download into .* is running"):
            fetch(ref_dir)
    finally:
        cancel.cancel()
        worker.join(timeout=5)
    hub.slow.clear()
    assert fetch(ref_dir).status.status == "cached"  # the lock was released


def test_a_new_revision_fetches_only_the_files_that_changed(hub, dataset, ref_dir):
    fetch(ref_dir)
    changed = dict(dataset, **{CHR22: reference_parquet("22", 2100)})
    hub.add_repo(REPO, changed, commit="fedcba9876543210fedcba9876543210fedcba98")
    hub.corrupt.add(CHR22)  # so the file is still being fetched when we look at the status
    with pytest.raises(download.ChecksumError):
        fetch(ref_dir)
    status = reference.status(ref_dir)
    assert status.status != "cached"  # the old chr22 no longer counts for the new revision
    hub.corrupt.clear()
    result = fetch(ref_dir)
    assert result.fetched == [CHR22] and sorted(result.skipped) == [CHR21, CHRMT]
    assert result.revision == "fedcba9876543210fedcba9876543210fedcba98"
    assert (ref_dir / CHR22).read_bytes() == changed[CHR22]
    assert result.status.status == "cached"


def test_disk_full_while_writing_is_a_clear_error_and_keeps_the_bytes(hub, ref_dir, monkeypatch):
    real_open = open

    class FillsUp:
        """A partial file on a disk that fills up after 64 KB."""

        def __init__(self, path, mode):
            self.handle = real_open(path, mode)

        def write(self, data):
            if self.handle.tell() + len(data) > 64 * 1024:
                raise OSError(28, "No space left on device")
            return self.handle.write(data)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    monkeypatch.setattr(hub_transfer, "open", FillsUp, raising=False)
    with pytest.raises(download.DiskSpaceError, match="disk is full while writing .*chr21"):
        fetch(ref_dir)
    kept = (ref_dir / (CHR21 + ".incomplete")).stat().st_size
    assert 0 < kept <= 64 * 1024
    monkeypatch.delattr(hub_transfer, "open")
    fetch(ref_dir)
    assert file_gets(hub, CHR21)[-1].headers["range"] == f"bytes={kept}-"
