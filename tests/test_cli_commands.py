"""The command registry (cli.COMMANDS) is the command line: every entry has a module with its two
functions, `--help` lists exactly its commands in its order, each command's help works, and a
command's module is imported only when that command is named, never with Qt."""

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys

import pytest

from just_dna_desktop import cli
from just_dna_desktop.cli.parser import build_parser
from test_core_is_qt_free import BLOCK_QT

# cli/'s modules that hold no command: the registry, the parser builder, the shared helpers, and the
# main command's window flags.
NOT_COMMANDS = {"parser", "common", "window"}
COMMAND_MODULES = sorted({command.module for command in cli.COMMANDS})


def test_names_are_unique_and_every_command_module_is_registered():
    names = [command.name for command in cli.COMMANDS]
    assert len(names) == len(set(names))
    in_package = {m.name for m in pkgutil.iter_modules(cli.__path__)} - NOT_COMMANDS
    assert in_package == set(COMMAND_MODULES)


@pytest.mark.parametrize("command", cli.COMMANDS, ids=lambda command: command.name)
def test_each_command_has_its_two_functions(command):
    module = importlib.import_module(f"just_dna_desktop.cli.{command.module}")
    for name in command.functions:
        function = getattr(module, name, None)
        assert callable(function), f"cli/{command.module}.py has no {name}"
        assert len(inspect.signature(function).parameters) == 1, name
    assert command.summary and "\n" not in command.summary


def test_every_run_function_is_a_registered_command():
    """A `run_x` in a command module that no registry line names would be a command nobody can
    run."""
    registered = {(command.module, command.functions[1]) for command in cli.COMMANDS}
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(f"just_dna_desktop.cli.{module_name}")
        runs = {(module_name, name) for name, value in vars(module).items()
                if name.startswith("run_") and inspect.isfunction(value)
                and value.__module__ == module.__name__}
        assert runs <= registered, runs - registered


def test_help_lists_the_registry_in_its_order(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    section = text.split("\n  COMMAND\n", 1)[1].split("\n\n", 1)[0]
    listed = re.findall(r"^    (\S+)", section, re.MULTILINE)
    assert listed == [command.name for command in cli.COMMANDS]
    flat = " ".join(section.split())
    for command in cli.COMMANDS:
        assert " ".join(command.summary.split()) in flat, command.name
    subparsers = next(action for action in build_parser(cli.COMMANDS)._actions
                      if action.dest == "command")
    assert list(subparsers.choices) == [command.name for command in cli.COMMANDS]


@pytest.mark.parametrize("command", cli.COMMANDS, ids=lambda command: command.name)
def test_each_command_help_works(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([command.name, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: just-dna-desktop {command.name} ")
    assert "show this help message and exit" in out


def test_a_command_module_is_imported_only_when_its_command_is_named():
    """`--help` imports no command module; each `X --help` adds X's module and no other; with Qt
    blocked, and polars never loaded along the way."""
    code = BLOCK_QT + (
        "import just_dna_desktop.cli as cli\n"
        "def loaded():\n"
        "    return {m.rpartition('.')[2] for m in sys.modules\n"
        "            if m.startswith('just_dna_desktop.cli.')} - {'parser', 'common', 'window'}\n"
        "def run(argv):\n"
        "    try: cli.main(argv)\n"
        "    except SystemExit: pass\n"
        "run(['--help'])\n"
        "assert loaded() == set(), loaded()\n"
        "expected = set()\n"
        "for command in cli.COMMANDS:\n"
        "    run([command.name, '--help'])\n"
        "    expected.add(command.module)\n"
        "    assert loaded() == expected, (command.name, loaded())\n"
        "assert not [m for m in ('polars', 'PySide6') if m in sys.modules]\n")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60)


def test_every_cli_module_imports_without_qt():
    modules = [f"just_dna_desktop.cli.{m.name}" for m in pkgutil.iter_modules(cli.__path__)]
    assert "just_dna_desktop.cli.annotate" in modules
    code = BLOCK_QT + "".join(f"import {m}\n" for m in modules)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
