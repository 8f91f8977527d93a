"""Samples in a known state for the window tests, without waiting for child processes: the file is
copied into the input folder, annotated in this process (when it should have succeeded) and its run
recorded in the window's history, as the runner would."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtGui import Qt, QTextDocument

from just_dna_desktop.core.engine.annotate import annotate_vcf
from just_dna_desktop.core.workspace.samples import Fingerprint


def add_sample(window, key: str, source: Path, *, error: str | None = None,
               reference_dir: Path | None = None, events: tuple[str, ...] = ()) -> Path:
    """`key` ("user/sample") from `source`: annotated, or failed with `error`."""
    user, _, sample = key.partition("/")
    target = window.settings.input_dir / user / f"{sample}.vcf"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    config = {"vcf": str(target), "input_fingerprint": Fingerprint.of(target, with_hash=True).to_dict()}
    history = window.history
    run = history.record(partition_key=key, user=user, sample=sample, status="running", config=config)
    for message in events:
        history.add_event(run, message)
    if error is not None:
        history.update(run, status="failed", error=error)
        return target
    output = window.workspace.output_file(user, sample)
    metadata = annotate_vcf(target, reference_dir or window.reference_dir, output, user=user,
                            sample=sample)
    history.update(run, status="succeeded", metadata=metadata)
    return target


def rescan(qtbot, window) -> None:
    """A scan that starts now and has ended (not one that was already under way)."""
    qtbot.waitUntil(lambda: not window._scanning, timeout=10_000)
    with qtbot.waitSignal(window.samples_refreshed, timeout=10_000):
        window.refresh_samples()


def select(window, key: str) -> None:
    index = window.samples.index_of(key)
    assert index.isValid(), key
    window.tree.setCurrentIndex(index)


def activate(qtbot, window) -> None:
    """Show the window and make it the active one, so keyboard focus works (also offscreen)."""
    from PySide6.QtWidgets import QApplication

    window.show()
    qtbot.waitExposed(window)
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)


def as_shown(text: str) -> str:
    """What Qt shows for a tooltip's or label's text: rich text as drawn, plain text as it is."""
    if not Qt.mightBeRichText(text):
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def inside(window, widget) -> bool:
    """`widget` is shown whole within `window` (any ancestor of it): nothing of it cut off."""
    from PySide6.QtCore import QPoint

    top_left = widget.mapTo(window, QPoint(0, 0))
    return widget.isVisible() and window.rect().contains(top_left) \
        and window.rect().contains(top_left + QPoint(widget.width() - 1, widget.height() - 1))
