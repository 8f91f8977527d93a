"""The command line: `just-dna-desktop …`, `python -m just_dna_desktop`, and the GUI launcher.

COMMANDS below names every command with its module (one per command group) and its line in
`--help`, in the order `--help` lists them. The module holds `add_<command>_arguments(parser)` and
`run_<command>(args) -> int` (a `-` in the name becomes `_`) and is imported only when that command
is given, so `--version` and `--help` start fast and `annotate` never loads Qt. A new command is a
module (or two functions in its group's module) and one line here.

Expected failures (`UserError`) print one `error: …` line and exit 1; `--debug` shows the
traceback.
"""

from __future__ import annotations

import argparse
import importlib
from types import ModuleType
from typing import NamedTuple, Sequence

from .common import run_command
from .parser import build_parser
from .window import open_window


class Command(NamedTuple):
    name: str
    module: str  # in this package
    summary: str  # its line in --help

    @property
    def functions(self) -> tuple[str, str]:
        """The names of its two functions in its module: one adds its arguments, one runs it."""
        stem = self.name.replace("-", "_")
        return f"add_{stem}_arguments", f"run_{stem}"

    def load(self) -> ModuleType:
        return importlib.import_module(f"{__name__}.{self.module}")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        getattr(self.load(), self.functions[0])(parser)

    def run(self, args: argparse.Namespace) -> int:
        return getattr(self.load(), self.functions[1])(args)


COMMANDS = (
    Command("annotate", "annotate", "annotate one VCF or genotyping file (23andMe, AncestryDNA, "
                                    "MyHeritage, FTDNA, Living DNA, ...)"),
    Command("demo", "annotate",
            "annotate the bundled demo sample (no network) and show a summary"),
    Command("reference", "reference", "the Ensembl reference cache"),
    Command("install-desktop-entry", "install_desktop_entry",
            "add just-dna-desktop to this user's application menu (Linux)"),
    Command("import", "workspace", "copy a VCF or a genotyping file (23andMe, AncestryDNA, ...) "
                                   "into a user's input folder as a new sample"),
    Command("samples", "workspace", "list the users' samples and their states"),
    Command("runs", "workspace", "the run history, newest first"),
    Command("watch", "workspace",
            "discover samples and annotate them automatically until interrupted (headless)"),
    Command("report", "report",
            "what an annotated sample holds: the numbers, or a self-contained HTML report"),
    Command("modules", "modules", "annotation modules (drug response, traits, ClinVar panels): "
                                  "list, get, add, verify, remove"),
    Command("findings", "findings", "what the installed annotation modules say about an annotated "
                                    "sample"),
    Command("pipelines", "pipelines", "the Dagster UI (the seed's pipeline) over the same "
                                      "folders; needs the `pipelines` extra"),
)


def main(argv: Sequence[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()
    args = build_parser(COMMANDS).parse_args(argv)
    if args.smoke_test is not None:
        from ..smoke import run_smoke_test

        return run_smoke_test(args.smoke_test)
    if args.command is None:
        return gui_main(argv)
    command = next(command for command in COMMANDS if command.name == args.command)
    return run_command(command.run, args)


def gui_main(argv: Sequence[str] | None = None) -> int:
    """Open the window (the gui-script entry point lands here too)."""
    return open_window(argv)
