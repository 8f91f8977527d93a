"""The run history: concurrent writers lose nothing, busy never reaches a person, crashes recover."""

import json
import multiprocessing
import os
import socket
import sqlite3
import threading
import time

import pytest

from just_dna_desktop.core.workspace import history as history_module
from just_dna_desktop.core.workspace.history import (SCHEMA_VERSION, History, HistoryError, set_aside,
                                                     PartitionBusyError, owner_alive, this_owner)


@pytest.fixture
def db(tmp_path):
    return tmp_path / "state" / "history.sqlite"


def test_schema_wal_and_version(db):
    with History(db):
        pass
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "events"} <= tables


def test_record_update_list_and_events(db):
    h = History(db)
    a = h.record(partition_key="alice/s1", user="alice", sample="s1", config={"vcf": "/x.vcf"})
    b = h.record(trigger="adhoc", user="adhoc", sample="me", status="running")
    h.add_event(a, "queued")
    assert h.claim(a)
    h.add_event(a, "reading", "info")
    h.update(a, status="succeeded", metadata={"rows_out": 3, "peak_memory_mb": 12.5},
             config={"input_fingerprint": {"size": 1, "mtime_ns": 2}})
    h.update(b, status="failed", error="bad file")

    run = h.get_run(a)
    assert run.status == "succeeded" and run.metadata["rows_out"] == 3
    assert run.config == {"vcf": "/x.vcf", "input_fingerprint": {"size": 1, "mtime_ns": 2}}
    assert run.started_at <= run.finished_at and run.duration_sec >= 0
    assert [e.message for e in h.events(a)] == ["queued", "reading"]
    assert [r.id for r in h.list_runs()] == [b, a]
    assert [r.id for r in h.list_runs(user="alice")] == [a]
    assert [r.id for r in h.list_runs(status=["failed"])] == [b]
    assert [r.id for r in h.list_runs(trigger="adhoc")] == [b]
    assert [r.id for r in h.list_runs(limit=1)] == [b]
    assert h.get_run(b).partition_key is None and h.get_run(b).error == "bad file"
    json.dumps([r.to_dict() for r in h.list_runs()])  # JSON-ready
    assert h.runs_by_partition() == {"alice/s1": [h.get_run(a)]}
    with pytest.raises(ValueError):
        h.update(a, status="exploded")


def test_one_run_per_partition_at_a_time(db):
    h = History(db)
    queued = h.record(partition_key="alice/s1", exclusive=True)
    with pytest.raises(PartitionBusyError, match="alice/s1 already has a queued run"):
        h.record(partition_key="alice/s1", exclusive=True)
    manual = h.record(partition_key="alice/s1", status="running", exclusive=True)
    with pytest.raises(PartitionBusyError, match="running"):
        h.record(partition_key="alice/s1", status="running", exclusive=True)
    assert not h.claim(queued)  # the manual run holds the partition
    h.update(manual, status="succeeded")
    assert h.claim(queued)
    assert not h.claim(queued)  # only a queued run can be claimed


def _write_runs(path: str, tag: str, count: int) -> None:
    h = History(path, recover=False)
    for i in range(count):
        run_id = h.record(trigger="auto", user=tag, sample=f"s{i}", status="running",
                          config={"i": i})
        h.update(run_id, status="succeeded", metadata={"tag": tag, "i": i})
    h.close()


def test_two_processes_writing_500_runs_each_lose_none(db):
    h = History(db)
    own = h.record(user="parent")
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_write_runs, args=(str(db), tag, 500)) for tag in ("p1", "p2")]
    for w in workers:
        w.start()
    # The test process writes at the same time, through its own threads.
    threads = [threading.Thread(target=lambda n=n: [h.add_event(own, f"t{n}-{i}")
                                                    for i in range(25)]) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    runs = h.list_runs(status="succeeded")
    assert len(runs) == 1000 and len({r.id for r in runs}) == 1000
    for tag in ("p1", "p2"):
        mine = [r for r in runs if r.user == tag]
        assert sorted(r.metadata["i"] for r in mine) == list(range(500))
        assert all(r.status == "succeeded" and r.finished_at for r in mine)
    assert len(h.events(own)) == 50


def test_a_busy_database_waits_instead_of_failing(db, monkeypatch):
    monkeypatch.setattr(history_module, "BUSY_TIMEOUT_MS", 50)
    h = History(db)
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    blocker.execute("INSERT INTO runs (kind, trigger, status, created_at) "
                    "VALUES ('annotate', 'manual', 'succeeded', 0)")
    result = {}

    def write():
        result["id"] = h.record(user="alice")  # its busy timeout (50 ms) runs out many times

    thread = threading.Thread(target=write)
    thread.start()
    time.sleep(1.0)
    assert thread.is_alive()  # still waiting, not failed
    blocker.execute("COMMIT")
    thread.join(10)
    assert result["id"] == 2 and len(h.list_runs()) == 2


def test_busy_for_too_long_is_a_clear_error(db, monkeypatch):
    monkeypatch.setattr(history_module, "BUSY_TIMEOUT_MS", 20)
    h = History(db, retry_for_seconds=0.3)
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    with pytest.raises(HistoryError, match="stayed busy"):
        h.record(user="alice")
    blocker.execute("ROLLBACK")


def _crash_while_running(path: str) -> None:
    h = History(path)
    run_id = h.record(partition_key="alice/s1", user="alice", sample="s1", status="running")
    h.add_event(run_id, "half way")
    os._exit(9)  # no clean-up, like a power cut or a kill -9


def test_runs_left_running_by_a_crash_become_interrupted(db):
    History(db).close()
    ctx = multiprocessing.get_context("spawn")
    crasher = ctx.Process(target=_crash_while_running, args=(str(db),))
    crasher.start()
    crasher.join(60)
    assert crasher.exitcode == 9

    h = History(db, recover=False)
    live = h.record(partition_key="bob/s1", status="running")  # owned by this live process
    stale = h.list_runs(user="alice")[0]
    assert stale.status == "running" and owner_alive(stale.owner) is False
    assert History(db).recovered == 1
    assert h.get_run(stale.id).status == "interrupted"
    assert h.get_run(stale.id).finished_at is not None
    assert "process is gone" in h.events(stale.id)[-1].message
    assert h.get_run(live).status == "running"
    assert History(db).recovered == 0


def test_owners_on_other_hosts_are_left_alone(db):
    h = History(db, recover=False)
    run_id = h.record(status="running")
    conn = sqlite3.connect(db)
    conn.execute("UPDATE runs SET owner = ? WHERE id = ?", ("another-host:1:1.0", run_id))
    conn.commit()
    assert owner_alive("another-host:1:1.0") is None
    assert owner_alive(this_owner()) is True
    assert owner_alive(f"{socket.gethostname()}:{os.getpid()}:1.0") is False  # pid reused
    assert h.recover_interrupted() == 0


def test_newer_schema_is_refused_and_migrations_go_forward(db, monkeypatch):
    h = History(db)
    run_id = h.record(user="alice")
    h.close()
    monkeypatch.setattr(history_module, "MIGRATIONS", history_module.MIGRATIONS + [
        "ALTER TABLE runs ADD COLUMN note TEXT; UPDATE runs SET note = 'migrated'"])
    monkeypatch.setattr(history_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    h = History(db)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    assert conn.execute("SELECT note FROM runs WHERE id = ?", (run_id,)).fetchone()[0] == "migrated"
    assert h.get_run(run_id).user == "alice"
    conn.close()
    h.close()

    monkeypatch.setattr(history_module, "SCHEMA_VERSION", SCHEMA_VERSION)
    with pytest.raises(HistoryError, match="newer version"):
        History(db)


def test_a_file_that_is_not_a_database_is_a_clear_error_of_kind_corrupt(db):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(HistoryError, match=str(db)) as caught:
        History(db)
    assert caught.value.kind == "corrupt" and caught.value.path == db
    assert "move it aside and start a new one" in str(caught.value)


def test_a_damaged_history_is_corrupt_and_can_be_set_aside_keeping_it(db):
    h = History(db)
    for i in range(200):
        h.record(user="alice", config={"n": "x" * 200})
    h.close()
    data = bytearray(db.read_bytes())
    data[4096 * 2: 4096 * 6] = b"\xff" * 4096 * 4  # garbage over four pages of the table
    db.write_bytes(bytes(data))
    with pytest.raises(HistoryError) as caught:
        History(db).list_runs()
    assert caught.value.kind == "corrupt", caught.value
    old = set_aside(db)
    assert old.read_bytes() == bytes(data) and old.name.startswith("history.broken-")
    assert History(db).list_runs() == []  # a new one starts


def test_the_newer_version_kind(db, monkeypatch):
    History(db).close()
    monkeypatch.setattr(history_module, "SCHEMA_VERSION", SCHEMA_VERSION - 1)
    with pytest.raises(HistoryError) as caught:
        History(db)
    assert caught.value.kind == "newer"


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_history_is_said_before_the_first_run_needs_it(db, what):
    from workspace_helpers import read_only

    h = History(db)
    h.record(user="alice")
    h.close()
    with read_only(db if what == "file" else db.parent):
        with pytest.raises(HistoryError) as caught:
            reader = History(db)
            if what == "file":  # reading works (SQLite opens it read-only), writing would not
                assert [r.user for r in reader.list_runs()] == ["alice"]
            reader.check_writable()
    assert caught.value.kind == "read-only", caught.value
    assert "no run can be recorded" in str(caught.value)
    History(db).check_writable()  # writable again: no error
