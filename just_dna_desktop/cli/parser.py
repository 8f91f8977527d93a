"""The parser of `just-dna-desktop`: the main command's flags, then one sub-parser per registered
command, in the registry's order (the order `--help` lists them in).

A command's own arguments are added by its module the first time its parser is used, to parse or to
show its help: naming a command imports that command's module and no other, and `--help` none.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Iterable

from .. import __version__
from .common import add_path_flags
from .window import add_window_arguments

if TYPE_CHECKING:
    from . import Command


class CommandParser(argparse.ArgumentParser):
    """A command's parser, which asks the command's module for its arguments when first used."""

    def __init__(self, *args, command: Command | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pending = command  # None once its arguments are in, and for a command's sub-commands

    def _add_pending_arguments(self) -> None:
        if self._pending is not None:
            command, self._pending = self._pending, None
            command.add_arguments(self)

    def parse_known_args(self, args=None, namespace=None):
        self._add_pending_arguments()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._add_pending_arguments()
        return super().format_usage()

    def format_help(self) -> str:
        self._add_pending_arguments()
        return super().format_help()


def build_parser(commands: Iterable[Command]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="just-dna-desktop",
        description="Annotate your own genome (VCF) against the Ensembl variation reference. "
                    "Everything runs on this computer; only the reference download uses the network.")
    parser.add_argument("--version", action="version", version=f"just-dna-desktop {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    add_window_arguments(parser)
    add_path_flags(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    for command in commands:
        sub.add_parser(command.name, help=command.summary, command=command)
    return parser
