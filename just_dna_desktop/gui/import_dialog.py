"""The import dialog: whose genome each dropped file (a VCF or a genotyping file) is, and under
which sample name.

Names are checked as they are typed (core.workspace.names), so nothing is copied under a name the
workspace would refuse; a taken name or an unusable one shows why, with a safe form to use.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.workspace.names import name_problem, safe_name
from ..core.workspace.samples import sample_name_of
from .plain_text import plain, tooltip

NEW_USER = "New person…"


class ImportDialog(QDialog):
    def __init__(self, files: list[Path], users: list[str], default_user: str | None = None,
                 taken: set[str] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Import genome files")
        self.files = [Path(f) for f in files]
        self.taken = {k.casefold() for k in (taken or set())}  # "user/sample" already present
        self.user_box = QComboBox()
        self.user_box.addItems(users)
        self.user_box.addItem(NEW_USER)
        self.new_user = QLineEdit(placeholderText="Name of the person, e.g. alice")
        if default_user and default_user in users:
            self.user_box.setCurrentText(default_user)
        elif default_user:
            self.user_box.setCurrentText(NEW_USER)
            self.new_user.setText(default_user)
        elif not users:
            self.user_box.setCurrentText(NEW_USER)
        self.table = QTableWidget(len(self.files), 2)
        self.table.setHorizontalHeaderLabels(["File", "Sample name (editable)"])
        self.table.horizontalHeader().setStretchLastSection(True)
        for row, path in enumerate(self.files):
            item = QTableWidgetItem(path.name)
            item.setToolTip(tooltip(path))
            item.setFlags(item.flags() & ~item.flags().ItemIsEditable)
            self.table.setItem(row, 0, item)
            self.table.setItem(row, 1, QTableWidgetItem(safe_name(sample_name_of(path.name))))
        self.table.resizeColumnToContents(0)
        self.problems = plain(QLabel())  # names and reasons from files
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c0392b")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Whose genome", self.user_box)
        form.addRow("", self.new_user)
        note = QLabel("The files are copied into your data folder; the originals stay where they are.")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.table)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self.resize(560, 200 + 30 * min(len(self.files), 8))

        self.user_box.currentTextChanged.connect(self.validate)
        self.new_user.textChanged.connect(self.validate)
        self.table.itemChanged.connect(self.validate)
        self.validate()

    def user(self) -> str:
        if self.user_box.currentText() == NEW_USER:
            return self.new_user.text().strip()
        return self.user_box.currentText()

    def choices(self) -> list[tuple[Path, str, str]]:
        """(file, user, sample) for each file."""
        user = self.user()
        return [(path, user, self.table.item(row, 1).text().strip())
                for row, path in enumerate(self.files)]

    def validate(self) -> list[str]:
        self.new_user.setVisible(self.user_box.currentText() == NEW_USER)
        problems = []
        user = self.user()
        if not user:
            problems.append("Type the person's name.")
        elif (reason := name_problem(user)) is not None:
            problems.append(f"Person {user!r}: {reason} (try {safe_name(user, 'user')!r}).")
        seen: set[str] = set()
        for path, _, sample in self.choices():
            if (reason := name_problem(sample)) is not None:
                problems.append(f"{path.name}: sample name {sample!r}: {reason} "
                                f"(try {safe_name(sample)!r}).")
            elif f"{user}/{sample}".casefold() in self.taken:
                problems.append(f"{path.name}: {user} already has a sample {sample!r}; rename it.")
            elif sample.casefold() in seen:
                problems.append(f"{path.name}: two files would both be {sample!r}.")
            seen.add(sample.casefold())
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)
        return problems
