"""The reference actions alone, over the real Reference tab and first-run guide: what the window
says after the reference's state changes, and which reference a person's run uses."""

import shutil

import pytest
from PySide6.QtWidgets import QLabel, QWidget

from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR, DEMO_USER
from just_dna_desktop.gui.jobs import JobManager
from just_dna_desktop.gui.reference_actions import ReferenceActions
from just_dna_desktop.gui.reference_panel import ReferencePanel
from just_dna_desktop.gui.welcome import WelcomePage

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def make(qtbot):
    parents = []  # kept alive for the test: they own every part

    def make(reference_dir):
        parent = QWidget()
        qtbot.addWidget(parent)
        parents.append(parent)
        panel = ReferencePanel(JobManager(parent=parent), reference_dir, parent=parent)
        banner, banner_text = QWidget(parent), QLabel(parent)
        banner.hide()
        actions = ReferenceActions(panel, banner, banner_text, WelcomePage(parent), QLabel(parent),
                                   parent=parent)
        panel.changed.connect(actions.status_changed)  # as the window wires it
        panel.refresh()
        return actions

    yield make


def guide_step(actions):
    step = actions.welcome.reference_step
    return step.label.text(), step.button.isEnabled()


def test_a_missing_reference_shows_the_banner_and_the_demo_falls_back_to_the_slice(make, tmp_path):
    folder = tmp_path / "cache" / "ensembl_variations"
    actions = make(folder)
    assert not actions.banner.isHidden()
    assert actions.banner_text.text().startswith("The Ensembl reference is not on this computer yet")
    assert actions.status_label.text() == "Reference: missing"
    text, button = guide_step(actions)
    assert "About 14 GB from Hugging Face" in text and "✓" not in text and button
    assert actions.reference_missing()
    assert actions.reference_for(DEMO_USER) == DEMO_REFERENCE_DIR
    assert actions.reference_for("alice") == folder


def test_an_incomplete_cache_hides_the_banner_but_the_demo_still_uses_the_slice(make, tmp_path):
    folder = tmp_path / "cache" / "ensembl_variations"
    shutil.copytree(DEMO_REFERENCE_DIR, folder)  # chromosome 21 only
    actions = make(folder)
    assert actions.banner.isHidden() and not actions.reference_missing()
    text, button = guide_step(actions)
    assert f"1 file, 1 MB in {folder}" in text and button  # not ready: incomplete
    assert actions.reference_for(DEMO_USER) == DEMO_REFERENCE_DIR
    assert actions.reference_for("alice") == folder
    # What follows a change: the files go away, the banner comes back.
    shutil.rmtree(folder)
    actions.panel.refresh()
    assert not actions.banner.isHidden() and actions.status_label.text() == "Reference: missing"


def test_the_demo_slice_is_never_downloaded_into(make):
    actions = make(DEMO_REFERENCE_DIR)
    panel = actions.panel
    assert not panel.download_button.isEnabled() and not panel.verify_button.isEnabled()
    assert panel.download_button.toolTip() == "This demo window uses the bundled reference slice"
    assert actions.status_label.text() == "Reference: the bundled demo slice"
    assert actions.banner.isHidden() and not actions.reference_missing()
    text, button = guide_step(actions)
    assert "✓" in text and "bundled with the program" in text and not button
    assert actions.reference_for("alice") == DEMO_REFERENCE_DIR
