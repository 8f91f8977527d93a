"""One run's details as labelled fields a person can read, grouped (what, when, input, how it was
matched, result, resources, program), then every other recorded value by its name, then the
event log. Never raw JSON: `run_fields` turns a run's config and metadata into (section, label,
value) rows (plain data, so tests read them), and `RunDetails` lays them out.
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from ..core.workspace.history import Event, Run

# key -> (section, label, unit); the sections' order is the order here
FIELDS: dict[str, tuple[str, str, str]] = {
    "partition_key": ("Run", "Sample", ""),
    "trigger": ("Run", "Started by", ""),
    "input_format": ("Input", "Format", ""),
    "source_vcf": ("Input", "File", ""),
    "vcf": ("Input", "File", ""),
    "vcf_sample": ("Input", "Sample column", ""),
    "genome_build": ("Input", "Genome build (header)", ""),
    "variant_type": ("Input", "Variant types looked up", ""),
    "match_by": ("Matching", "Matched by", ""),
    "match_by_reason": ("Matching", "Why", ""),
    "build_check": ("Matching", "Check of its rsIDs", ""),
    "ignore_build_mismatch": ("Matching", "Build mismatch ignored", ""),
    "haploid_x_y": ("Matching", "X and Y read as one allele (a male's file)", ""),
    "calls_read_as_haploid": ("Matching", "Calls read as one allele", ""),
    "rows_in": ("Result", "Records in", ""),
    "markers_in": ("Result", "Markers in", ""),
    "rows_out": ("Result", "Result rows", ""),
    "alleles_matched": ("Result", "Matched to an rsID", ""),
    "alleles_not_looked_up": ("Result", "Not looked up", ""),
    "reference_chromosomes_missing": ("Result", "Chromosomes the reference lacked", ""),
    "no_calls": ("Result", "No-calls", ""),
    "without_rsid": ("Result", "Without an rsID", ""),
    "strand_flipped": ("Result", "Strand-flipped", ""),
    "mismatched": ("Result", "Mismatched", ""),
    "findings": ("Result", "Findings", ""),
    "modules": ("Result", "Modules", ""),
    "modules_refused": ("Result", "Modules not used", ""),
    "output_file": ("Result", "Output file", ""),
    "output": ("Result", "Output file", ""),
    "file_size_mb": ("Result", "Output size", "MB"),
    "duration_sec": ("Resources", "Annotation time", "s"),
    "process_duration_sec": ("Resources", "Process wall time", "s"),
    "cpu_percent": ("Resources", "CPU", "%"),
    "peak_memory_mb": ("Resources", "Peak memory", "MB"),
    "reference_revision": ("Program", "Reference revision", ""),
    "reference_dir": ("Program", "Reference folder", ""),
    "program_version": ("Program", "Program version", ""),
}
SECTIONS = tuple(dict.fromkeys(section for section, _, _ in FIELDS.values()))
OTHER = "Other recorded values"
# Values that say the same as another field, or belong to the machinery
HIDDEN = {"user_name", "sample_name", "user", "sample", "reference_dir_ensembl", "samples",
          "process_peak_memory_mb", "process_cpu_percent"}


def when(timestamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp)) if timestamp else ""


def value_text(value: Any, unit: str = "") -> str:
    """A recorded value as a person reads it."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:,.2f}" if unit in ("s", "MB") else f"{value:,.0f}" if unit == "%" \
            else f"{value:,.4g}"
        return f"{text} {unit}".strip()
    if isinstance(value, int):
        return f"{value:,} {unit}".strip()
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return "; ".join(f"{_words(k)}: {value_text(v)}" for k, v in value.items())
    return str(value)


def _words(key: str) -> str:
    return key.replace("_", " ")


def run_fields(run: Run) -> list[tuple[str, str, str]]:
    """(section, label, value) rows of a run: its known values by section, then the rest."""
    values: dict[str, Any] = {"partition_key": sample_of(run), "trigger": run.trigger}
    values.update({k: v for k, v in (run.config or {}).items() if k != "trigger"})
    values.update(run.metadata or {})
    _modules_in_words(values)
    rows = [("Run", "Run", f"#{run.id}: {run.kind}, {run.status}"),
            ("Run", "Times", f"created {when(run.created_at)}, started {when(run.started_at)}, "
                             f"finished {when(run.finished_at)}")]
    if run.error:
        rows.append(("Run", "Error", run.error))
    seen: set[str] = set()
    for section in SECTIONS:
        for key, (where, label, unit) in FIELDS.items():
            if where != section or key not in values or label in seen:
                continue
            seen.add(label)
            rows.append((section, label, value_text(values[key], unit)))
    for key in sorted(values):
        if key in FIELDS or key in HIDDEN or key == "input_fingerprint":
            continue
        rows.append((OTHER, _words(key), value_text(values[key])))
    fingerprint = values.get("input_fingerprint")
    if isinstance(fingerprint, dict) and fingerprint.get("sha256"):
        rows.append(("Input", "SHA-256", str(fingerprint["sha256"])))
    order = {section: i for i, section in enumerate((*SECTIONS, OTHER))}
    return sorted(rows, key=lambda row: order[row[0]])


class RunDetails(QWidget):
    """The fields of the selected run beside its event log: a read-only page of labelled fields
    that wraps every value (a long path or reason never widens the window) and scrolls."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.fields = QTextBrowser()
        self.fields.setOpenLinks(False)
        self.fields.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.fields.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.fields.setPlaceholderText("Select a run to see how it was made, what it found and "
                                       "its event log.")
        self.log = QPlainTextEdit(readOnly=True)
        self.log.setPlaceholderText("The run's event log")
        self.log.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.log.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.fields)
        split.addWidget(self.log)
        split.setSizes([500, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split, 1)
        self.rows: list[tuple[str, str, str]] = []

    def clear(self) -> None:
        self.rows = []
        self.fields.clear()
        self.log.clear()

    def show_run(self, run: Run, events: list[Event]) -> None:
        self.rows = run_fields(run)
        self.fields.setHtml(fields_html(self.rows))
        self.log.setPlainText("\n".join(f"{when(e.time)}  {e.level:<7} {e.message}"
                                        for e in events))

    def text(self) -> str:
        """Everything shown, as text (for tests and copying)."""
        return "\n".join(f"{label}: {value}" for _, label, value in self.rows) + "\n" \
            + self.log.toPlainText()


def fields_html(rows: list[tuple[str, str, str]]) -> str:
    """The rows as a page: a heading per section, then label and value side by side."""
    parts, section = [], None
    for where, label, value in rows:
        if where != section:
            if section is not None:
                parts.append("</table>")
            section = where
            parts.append(f"<p style='margin: 6px 0 2px 0'><b>{html.escape(where)}</b></p>"
                         "<table cellspacing='0' cellpadding='1'>")
        parts.append(f"<tr><td style='padding-right: 10px; white-space: nowrap' valign='top'>"
                     f"<span style='color: palette(placeholder-text)'>{html.escape(label)}"
                     f"</span></td><td valign='top'>{html.escape(value)}</td></tr>")
    if section is not None:
        parts.append("</table>")
    return "".join(parts)


def _modules_in_words(values: dict[str, Any]) -> None:
    """A findings run's modules as a line each (its title, version and findings), not their
    whole record (digests, counts of every kind: the Summary says those)."""
    modules = values.get("modules")
    if isinstance(modules, list) and all(isinstance(m, dict) for m in modules):
        values["modules"] = [
            f"{m.get('title') or m.get('name')}"
            f"{' ' + str(m['version']) if m.get('version') else ''}"
            f"{'' if m.get('verified') else ' (unverified)'}: {m.get('findings', 0):,} findings"
            for m in modules]
    refused = values.get("modules_refused")
    if isinstance(refused, list) and all(isinstance(m, dict) for m in refused):
        values["modules_refused"] = [f"{m.get('title') or m.get('name')}: {m.get('why')}"
                                     for m in refused]


def output_of(run: Run) -> Path | None:
    """The annotated result a run wrote, or (a findings run) the one it read."""
    if run.kind == "findings":
        output = (run.config or {}).get("annotated")
    else:
        output = (run.metadata or {}).get("output_file") or (run.config or {}).get("output")
    return Path(str(output)) if output else None


def sample_of(run: Run) -> str:
    """Who a run was about: its partition, else (a findings run, which has none) its user and
    sample, else the file an ad hoc run read."""
    if run.partition_key:
        return run.partition_key
    if run.user and run.sample:
        return f"{run.user}/{run.sample}"
    return Path(str((run.config or {}).get("vcf", ""))).name or "(ad hoc)"
