"""The settings dialog: paths, auto-annotation, variant type, the reference's revision and
chromosomes, and a token.

Save checks every value first (core.workspace.settings.check_values, plus folders that are files) and
writes nothing while one is wrong: the problem is shown in the dialog, beside the field, which
stays open. Values are written to the settings file (core.workspace.settings.write_settings); paths set by
an environment variable win over the file, and the dialog says so.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from ..core.workspace import settings as core_settings
from .plain_text import plain

PATH_ENV = {"cache_dir": core_settings.ENV_CACHE_DIR, "input_dir": core_settings.ENV_INPUT_DIR,
            "output_dir": core_settings.ENV_OUTPUT_DIR}


class SettingsDialog(QDialog):
    def __init__(self, settings: core_settings.Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        form = QFormLayout(self)
        self.paths: dict[str, QLineEdit] = {}
        for key, label in (("input_dir", "Input folder (users)"), ("output_dir", "Output folder"),
                           ("cache_dir", "Reference cache")):
            edit = QLineEdit(str(getattr(settings, key)))
            browse = QPushButton("…")
            browse.setFixedWidth(32)
            browse.clicked.connect(lambda _=False, e=edit: self._browse(e))
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(browse)
            if os.environ.get(PATH_ENV[key]):
                edit.setEnabled(False)
                browse.setEnabled(False)
                edit.setToolTip(f"Set by the environment variable {PATH_ENV[key]}")
            self.paths[key] = edit
            form.addRow(label, row)
        self.auto = QCheckBox("Annotate new and changed samples automatically")
        self.auto.setChecked(bool(settings.auto_annotate))
        self.interval = QSpinBox(minimum=0, maximum=86_400, suffix=" s")
        self.interval.setValue(int(settings.min_interval_seconds))
        self.variant_type = QComboBox()
        self.variant_type.addItems(list(core_settings.VARIANT_TYPES))
        self.variant_type.setCurrentText(settings.variant_type)
        self.revision = QLineEdit(str(settings.reference_revision))
        self.chromosomes = QLineEdit(_chromosomes_text(settings.reference_chromosomes))
        self.chromosomes.setPlaceholderText("all")
        self.chromosomes.setToolTip("Which chromosome files Download fetches: all (about 14 GB), "
                                    "or a list such as 21, 22, MT for a quick start")
        chromosomes_hint = QLabel("<small>all (about 14 GB), or a list such as 21, 22 for a "
                                  "quick start: samples' other chromosomes are then not looked "
                                  "up, and their results say partial.</small>")
        chromosomes_hint.setWordWrap(True)
        chromosomes_box = QVBoxLayout()
        chromosomes_box.setContentsMargins(0, 0, 0, 0)
        chromosomes_box.addWidget(self.chromosomes)
        chromosomes_box.addWidget(chromosomes_hint)
        self.token = QLineEdit(placeholderText="only for a private or gated mirror; kept in memory")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setText(os.environ.get("HF_TOKEN", ""))
        form.addRow("", self.auto)
        self.interval.setToolTip("A sample annotated less than this ago waits before its next "
                                 "automatic run; different samples run one after another")
        form.addRow("Minimum time between runs of a sample", self.interval)
        form.addRow("Variant types", self.variant_type)
        form.addRow("Reference revision", self.revision)
        form.addRow("Reference chromosomes", chromosomes_box)
        form.addRow("Hugging Face token", self.token)
        form.addRow(QLabel(f"<small>Settings file: {html.escape(str(settings.settings_file))}"
                           "</small>"))
        self.problems = plain(QLabel())
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c0392b;")
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems.hide()
        form.addRow(self.problems)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self, edit: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder", edit.text())
        if folder:
            edit.setText(folder)

    def values(self) -> dict[str, Any]:
        """What goes into the settings file (paths only when they differ from the resolved ones)."""
        values: dict[str, Any] = {
            "auto_annotate": self.auto.isChecked(),
            "min_interval_seconds": self.interval.value(),
            "variant_type": self.variant_type.currentText(),
            "reference_revision": self.revision.text().strip() or "main",
            "reference_chromosomes": _chromosomes_value(self.chromosomes.text()),
        }
        for key, edit in self.paths.items():
            if edit.isEnabled() and Path(edit.text()) != getattr(self.settings, key):
                values[key] = edit.text()
        return values

    def check(self) -> list[str]:
        """Every problem with the values on screen, one line each; [] when they can be saved."""
        values = self.values()
        problems = core_settings.check_values(values)
        for key, edit in self.paths.items():
            path = Path(edit.text()).expanduser()
            if key in values and path.exists() and not path.is_dir():
                problems.append(f"{key}: {path} is a file, not a folder")
        return problems

    def accept(self) -> None:
        """Save closes the dialog only when every value can be used; otherwise it says what is
        wrong and puts the cursor in the first field concerned."""
        problems = self.check()
        if not problems:
            self.problems.hide()
            super().accept()
            return
        self.problems.setText("Not saved:\n" + "\n".join(problems))
        self.problems.show()
        fields = {"reference_chromosomes": self.chromosomes, "reference_revision": self.revision,
                  **self.paths}
        first = next((fields[k] for k in fields if any(p.startswith(k) for p in problems)), None)
        if first is not None:
            first.setFocus()
            first.selectAll()

    def save(self) -> None:
        core_settings.write_settings(self.settings.settings_file, self.values())
        token = self.token.text().strip()
        if token:
            # The token stays in this process only: never written to disk by us.
            os.environ["HF_TOKEN"] = token


def _chromosomes_text(value: Any) -> str:
    """The setting as a person types it: 'all' or '21, 22'."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "all"
    return str(value or "all")


def _chromosomes_value(text: str) -> str | list[str]:
    """What was typed as the setting: "all", or the list (checked by core.workspace.settings)."""
    items = [item for item in re.split(r"[,\s]+", text.strip()) if item]
    return "all" if not items or [i.lower() for i in items] == ["all"] else items
