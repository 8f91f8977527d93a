"""The settings dialog: paths, auto-annotation, variant type, reference revision and token.

Values are written to the settings file (core.settings.write_settings); paths set by an
environment variable win over the file, and the dialog says so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QWidget)

from ..core import settings as core_settings

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
        self.token = QLineEdit(placeholderText="only for a private or gated mirror; kept in memory")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setText(os.environ.get("HF_TOKEN", ""))
        form.addRow("", self.auto)
        form.addRow("Minimum time between automatic runs", self.interval)
        form.addRow("Variant types", self.variant_type)
        form.addRow("Reference revision", self.revision)
        form.addRow("Hugging Face token", self.token)
        form.addRow(QLabel(f"<small>Settings file: {settings.settings_file}</small>"))
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
        }
        for key, edit in self.paths.items():
            if edit.isEnabled() and Path(edit.text()) != getattr(self.settings, key):
                values[key] = edit.text()
        return values

    def save(self) -> None:
        core_settings.write_settings(self.settings.settings_file, self.values())
        token = self.token.text().strip()
        if token:
            # The token stays in this process only: never written to disk by us.
            os.environ["HF_TOKEN"] = token
