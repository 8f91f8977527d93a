"""The main command takes the window's own flags (the README documents `--theme dark`)."""

import pytest

from just_dna_desktop import cli
from just_dna_desktop.cli.common import EXIT_USAGE


@pytest.mark.parametrize("argv", [["--theme", "dark"], ["--demo", "--theme", "light"]])
def test_the_main_command_passes_window_flags_to_the_window(monkeypatch, argv):
    seen = []
    monkeypatch.setattr(cli, "gui_main", lambda given: seen.append(given) or 0)
    assert cli.main(argv) == 0
    assert seen == [argv]


def test_a_wrong_theme_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--theme", "purple"])
    assert exit_.value.code == EXIT_USAGE
    assert "invalid choice: 'purple'" in capsys.readouterr().err


def test_the_window_reads_the_theme(qapp):
    from just_dna_desktop.gui.app import parse_args

    assert parse_args(["--theme", "dark", "--demo"]).theme == "dark"
