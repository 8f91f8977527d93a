"""The users -> samples tree model: Qt's model checker, and in-place live updates."""

import pytest
from just_dna_desktop.gui.samples_model import KEY_ROLE, SampleEntry, SamplesModel

# Qt warnings fail the tests; the offscreen platform's note about size hints is not ours.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_tree_model_passes_qtmodeltester(qtmodeltester):
    model = SamplesModel()
    model.set_entries([SampleEntry("alice", "genome"), SampleEntry("alice", "exome", "annotated"),
                       SampleEntry("bob", "wgs", "failed", detail="bad line 3")], users=["carol"])
    qtmodeltester.check(model, force_py=True)
    assert model.users == ["alice", "bob", "carol"]
    assert model.rowCount(model.index(0, 0)) == 2
    assert model.rowCount(model.index(2, 0)) == 0


def test_live_updates_insert_and_remove_without_reset(qtbot, qtmodeltester):
    model = SamplesModel()
    qtmodeltester.check(model, force_py=True)  # the tester keeps watching the model's signals
    model.set_entries([SampleEntry("bob", "b1")])
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(model.rowsInserted):
        model.set_entries([SampleEntry("bob", "b1"), SampleEntry("alice", "a1")])
    assert model.users == ["alice", "bob"]
    with qtbot.waitSignal(model.dataChanged):
        model.set_entries([SampleEntry("bob", "b1", "annotated"), SampleEntry("alice", "a1")])
    index = model.index_of("bob/b1")
    assert model.entry(index).state == "annotated"
    assert model.data(index, KEY_ROLE) == "bob/b1"
    model.update_entry("bob/b1", state="running", progress=0.4)
    assert "40%" in model.data(index)
    with qtbot.waitSignal(model.rowsRemoved):
        model.set_entries([SampleEntry("alice", "a1")])
    assert model.users == ["alice"] and not resets
