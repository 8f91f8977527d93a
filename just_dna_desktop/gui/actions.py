"""Every command of the window in one table: its menu, text, keys and what it does.

The menus, the results table's keys and Help -> Keyboard shortcuts are all built from these
tables, so a key is defined once and the list a person reads is the list that works.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenuBar, QWidget

Key = str | QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    id: str
    menu: str            # the menu bar's menu ("" = not in a menu, e.g. the table's own keys)
    text: str            # with its & mnemonic
    keys: tuple[Key, ...] = ()
    tip: str = ""
    separator_before: bool = False


StandardKey = QKeySequence.StandardKey
MENUS = ("&File", "&View", "&Sample", "&Help")

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("add_sample", "&File", "&Add a genome file…", (StandardKey.Open,),
               "Copy a VCF or a genotyping service's raw data into a person's folder; it is "
               "annotated on its own"),
    ActionSpec("open_demo", "&File", "Open the &demo", (),
               "132 real variants with a bundled slice of the reference, in a window of its own "
               "on a throw-away workspace: nothing is added to yours, no download"),
    ActionSpec("add_demo", "&File", "Add the demo to &my workspace", (),
               "The demo person and its two samples, annotated in your own workspace"),
    ActionSpec("open_data_folder", "&File", "Open the &data folder", (),
               "The folder that holds everyone's samples and results"),
    ActionSpec("export_view", "&File", "&Export the table…", ("Ctrl+E",),
               "Write the rows and columns the table shows to CSV, TSV or parquet",
               separator_before=True),
    ActionSpec("export_report", "&File", "Export the &report…", ("Ctrl+Shift+E",),
               "Save the selected sample's summary as one HTML file that loads nothing from "
               "the network"),
    ActionSpec("settings", "&File", "&Settings…", (StandardKey.Preferences, "Ctrl+,"),
               "Folders, automatic annotation, reference chromosomes", separator_before=True),
    ActionSpec("quit", "&File", "&Quit", (StandardKey.Quit,), "", separator_before=True),

    ActionSpec("tab_summary", "&View", "S&ummary", ("Ctrl+1",),
               "What the selected sample holds: what the modules say, numbers, charts, flagged "
               "variants"),
    ActionSpec("tab_results", "&View", "&Results", ("Ctrl+2",), "The selected sample's table"),
    ActionSpec("tab_runs", "&View", "Ru&ns", ("Ctrl+3",), "Every run, with its figures and log"),
    ActionSpec("tab_reference", "&View", "Re&ference", ("Ctrl+4",),
               "The local Ensembl reference and where it comes from"),
    ActionSpec("tab_modules", "&View", "&Modules", ("Ctrl+5",),
               "The annotation modules: installed, offered, get, verify, remove"),
    ActionSpec("next_tab", "&View", "&Next tab", ("Ctrl+Tab",), "", separator_before=True),
    ActionSpec("previous_tab", "&View", "&Previous tab", ("Ctrl+Shift+Tab",), ""),
    ActionSpec("focus_samples", "&View", "&Samples list", ("Ctrl+0",),
               "Move the keyboard focus to the people and samples"),
    ActionSpec("find", "&View", "&Filter the table", (StandardKey.Find,),
               "Type text, an rsID or a position such as chr21:25000000-25100000"),
    ActionSpec("rescan", "&View", "Re&scan the input folder", (StandardKey.Refresh,),
               "Look for new, changed and removed sample files now"),
    ActionSpec("toggle_jobs", "&View", "&Jobs and metrics", ("Ctrl+J",),
               "Show or hide the panel of running jobs and their CPU and memory",
               separator_before=True),

    ActionSpec("annotate", "&Sample", "&Annotate now", ("Ctrl+R",),
               "Annotate the selected sample now, whatever the automatic schedule says"),
    ActionSpec("cancel", "&Sample", "&Cancel", (), "Stop the selected sample's annotation"),
    ActionSpec("update_findings", "&Sample", "Update &findings", (),
               "Run the installed annotation modules over the selected sample's result again "
               "(the reference join is not redone)"),
    ActionSpec("show_results", "&Sample", "Show &results", (),
               "Open the selected sample's table (Enter in the list does the same)",
               separator_before=True),
    ActionSpec("open_output_folder", "&Sample", "Open &output folder", (), ""),
    ActionSpec("reveal_input", "&Sample", "Reveal &input file", (), ""),
    ActionSpec("show_history", "&Sample", "Show &history", (), ""),
    ActionSpec("remove", "&Sample", "Re&move…", (),
               "Remove the selected sample, or person and all their samples, from the workspace: "
               "it says what is deleted and what is kept, and asks first",
               separator_before=True),

    ActionSpec("getting_started", "&Help", "&Getting started", (), "The first-run page"),
    ActionSpec("shortcuts", "&Help", "&Keyboard shortcuts", (StandardKey.HelpContents,), ""),
    ActionSpec("about", "&Help", "&About just-dna-desktop", (), ""),
)

# The results table's own keys (active while the table has the focus).
TABLE_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("copy_row", "", "Copy row", (StandardKey.Copy,),
               "Copy the selected rows (the visible columns) as tab-separated text"),
    ActionSpec("copy_rsid", "", "Copy rsID", ("Ctrl+Shift+C",), "Copy the row's rsID"),
    ActionSpec("sort_ascending", "", "Sort by this column, ascending", ("Alt+Up",), ""),
    ActionSpec("sort_descending", "", "Sort by this column, descending", ("Alt+Down",), ""),
)

# Keys that are not commands of their own but work everywhere they make sense.
OTHER_KEYS: tuple[tuple[str, str], ...] = (
    ("Enter", "Open the selected sample: its results, or what went wrong and what to do"),
    ("Shift+F10, Menu", "The context menu of the selected sample or table row"),
    ("Tab, Shift+Tab", "Move between the parts of the window"),
    ("Esc", "Clear the table's filter (in the filter box)"),
)


def key_sequences(spec: ActionSpec) -> list[QKeySequence]:
    """The spec's keys as sequences, standard keys expanded for this platform, without repeats."""
    sequences: list[QKeySequence] = []
    for key in spec.keys:
        found = QKeySequence.keyBindings(key) if isinstance(key, StandardKey) else [QKeySequence(key)]
        for sequence in found:
            if not sequence.isEmpty() and sequence not in sequences:
                sequences.append(sequence)
    return sequences


def key_text(spec: ActionSpec) -> str:
    """The keys as a person reads them; a dedicated key named by a word ("Find", "Refresh", on
    some keyboards) works but is not listed: beside Ctrl+F it reads like a description."""
    texts = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in key_sequences(spec)]
    return ", ".join(t for t in texts if not (t.isalpha() and len(t) > 1))


def create_actions(parent: QWidget, specs: Iterable[ActionSpec],
                   handlers: dict[str, Callable[[], object]],
                   context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut) -> dict[str, QAction]:
    """One QAction per spec, connected to its handler, with its keys and tip; added to `parent`
    so the keys work even for actions that are in no visible menu."""
    actions: dict[str, QAction] = {}
    for spec in specs:
        action = QAction(spec.text, parent)
        action.setShortcuts(key_sequences(spec))
        action.setShortcutContext(context)
        if spec.tip:
            action.setToolTip(spec.tip)
            action.setStatusTip(spec.tip)
        handler = handlers.get(spec.id)
        if handler is not None:
            action.triggered.connect(lambda _=False, handler=handler: handler())
        parent.addAction(action)
        actions[spec.id] = action
    return actions


def build_menus(menubar: QMenuBar, actions: dict[str, QAction],
                specs: Iterable[ActionSpec] = ACTIONS) -> dict[str, object]:
    """The menu bar from the table, in its order; returns the menus by title."""
    menus: dict[str, object] = {}
    for title in MENUS:
        menus[title] = menubar.addMenu(title)
    for spec in specs:
        if not spec.menu or spec.id not in actions:
            continue
        if spec.menu not in menus:
            menus[spec.menu] = menubar.addMenu(spec.menu)
        menu = menus[spec.menu]
        if spec.separator_before and menu.actions():  # type: ignore[attr-defined]
            menu.addSeparator()  # type: ignore[attr-defined]
        menu.addAction(actions[spec.id])  # type: ignore[attr-defined]
    return menus


def shortcut_rows() -> list[tuple[str, str, str]]:
    """(where, keys, what) for Help -> Keyboard shortcuts: every command that has a key."""
    rows = []
    for spec in ACTIONS:
        keys = key_text(spec)
        if keys:
            rows.append((spec.menu.replace("&", ""), keys, _plain(spec.text, spec.tip)))
    for spec in TABLE_ACTIONS:
        keys = key_text(spec)
        if keys:
            rows.append(("Results table", keys, _plain(spec.text, spec.tip)))
    rows += [("Anywhere", keys, what) for keys, what in OTHER_KEYS]
    return rows


def _plain(text: str, tip: str) -> str:
    text = text.replace("&", "").rstrip("…")
    return f"{text}: {tip}" if tip else text
