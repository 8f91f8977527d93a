"""Paths and options: flag > environment > settings file > default, and the first-run file."""

import pytest

from just_dna_desktop.core.errors import UserError
from just_dna_desktop.core.workspace.settings import (check_values, load_settings, read_settings_file,
                                                      write_settings)


def test_defaults_live_under_the_data_dir_and_the_file_is_created(tmp_path):
    s = load_settings(env={"JUST_DNA_DESKTOP_DATA_DIR": str(tmp_path / "d")})
    assert s.input_dir == tmp_path / "d" / "input" / "users"
    assert s.output_dir == tmp_path / "d" / "output" / "users"
    assert s.state_dir == tmp_path / "d" / "interim"
    assert s.history_file.parent == s.state_dir
    assert s.output_file("alice", "genome") == (
        tmp_path / "d" / "output" / "users" / "alice" / "genome" / "user_annotated_vcf.parquet")
    assert s.cache_dir.name == "just-dna-pipelines"
    assert s.reference_dir == s.cache_dir / "ensembl_variations"
    text = s.settings_file.read_text()
    assert "# auto_annotate = true" in text and "min_interval_seconds" in text
    assert (s.auto_annotate, s.min_interval_seconds, s.variant_type) == (True, 60, "all")


def test_precedence_flag_over_env_over_file(tmp_path):
    env = {"JUST_DNA_DESKTOP_DATA_DIR": str(tmp_path / "d")}
    settings_file = load_settings(env=env).settings_file
    write_settings(settings_file, {"cache_dir": str(tmp_path / "from-file"), "auto_annotate": False,
                                   "min_interval_seconds": 5})
    s = load_settings(env=env)
    assert s.cache_dir == tmp_path / "from-file" and s.auto_annotate is False
    assert s.min_interval_seconds == 5
    env["JUST_DNA_PIPELINES_CACHE_DIR"] = str(tmp_path / "from-env")
    assert load_settings(env=env).cache_dir == tmp_path / "from-env"
    flagged = load_settings({"cache_dir": tmp_path / "from-flag"}, env=env)
    assert flagged.cache_dir == tmp_path / "from-flag"


def test_environment_names_of_the_pipeline(tmp_path):
    env = {"JUST_DNA_DESKTOP_DATA_DIR": str(tmp_path / "d"),
           "JUST_DNA_PIPELINES_INPUT_DIR": str(tmp_path / "in"),
           "JUST_DNA_PIPELINES_OUTPUT_DIR": str(tmp_path / "out"),
           "JUST_DNA_DESKTOP_HOME": str(tmp_path / "home")}
    s = load_settings(env=env)
    assert (s.input_dir, s.output_dir, s.state_dir) == (tmp_path / "in", tmp_path / "out",
                                                        tmp_path / "home")
    assert s.settings_file == tmp_path / "home" / "settings.toml"


def test_a_broken_settings_file_is_a_clear_error(tmp_path):
    env = {"JUST_DNA_DESKTOP_DATA_DIR": str(tmp_path / "d")}
    path = load_settings(env=env).settings_file
    path.write_text("auto_annotate = maybe\n")
    with pytest.raises(UserError, match="settings.toml.*not valid TOML"):
        load_settings(env=env)
    path.write_text('variant_type = "indels"\n')
    with pytest.raises(UserError, match="variant_type must be one of"):
        load_settings(env=env)
    path.write_text('colour = "blue"\n')
    with pytest.raises(UserError, match="unknown setting"):
        load_settings(env=env)


def test_written_values_round_trip(tmp_path):
    path = tmp_path / "s.toml"
    write_settings(path, {"reference_chromosomes": ["21", "MT"], "reference_revision": 'a"b'})
    assert read_settings_file(path) == {"reference_chromosomes": ["21", "MT"],
                                        "reference_revision": 'a"b'}


def test_reference_chromosomes_are_checked_when_read(tmp_path):
    env = {"JUST_DNA_DESKTOP_DATA_DIR": str(tmp_path / "d")}
    path = load_settings(env=env).settings_file
    path.write_text('reference_chromosomes = ["21", "23"]\n')
    with pytest.raises(UserError, match="reference_chromosomes.*unknown chromosome '23'"):
        load_settings(env=env)
    path.write_text('reference_chromosomes = ["chr21", "MT"]\n')
    assert load_settings(env=env).reference_chromosomes == ["chr21", "MT"]


@pytest.mark.parametrize("line, words", [
    ('input_dir = ["a"]', "input_dir must be a folder path in quotes"),
    ("output_dir = 3", "output_dir must be a folder path in quotes"),
    ("cache_dir = {a = 1}", "cache_dir must be a folder path"),
    ("min_interval_seconds = nan", "min_interval_seconds must be a number of seconds >= 0, not nan"),
    ("min_interval_seconds = inf", "not inf"),
    ("min_interval_seconds = -1", "not -1"),
    ('min_interval_seconds = "60"', "not '60'"),
    ("reference_revision = 3", "reference_revision must be text"),
])
def test_wrong_types_and_nan_or_inf_are_refused_in_one_line(tmp_path, line, words):
    env = {"JUST_DNA_DESKTOP_DATA_DIR": str(tmp_path / "d")}
    path = load_settings(env=env).settings_file
    path.write_text(line + "\n")
    with pytest.raises(UserError) as caught:
        load_settings(env=env)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and words in message and "\n" not in message
    assert not (tmp_path / "d" / "['a']").exists()  # nothing made of a list


def test_the_cli_says_it_in_one_line(tmp_path, capsys):
    from just_dna_desktop.cli import main

    path = load_settings().settings_file
    path.write_text('input_dir = ["a"]\n')
    assert main(["import", "whatever.vcf", "--user", "alice"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "input_dir must be a folder path in quotes" in err
    assert not list(tmp_path.glob("**/['a']"))
    path.write_text("")
    assert main(["watch", "--min-interval", "nan"]) == 1
    assert "min_interval_seconds must be a number of seconds >= 0, not nan" in \
        capsys.readouterr().err


def test_lenient_loading_lists_the_problems_and_uses_defaults_for_those_keys(tmp_path):
    env = {"JUST_DNA_DESKTOP_DATA_DIR": str(tmp_path / "d")}
    path = load_settings(env=env).settings_file
    path.write_text('input_dir = ["a"]\nmin_interval_seconds = inf\nvariant_type = "SNV"\n'
                    'colour = "blue"\n')
    problems = []
    s = load_settings(env=env, problems=problems)
    assert len(problems) == 3 and all(p.startswith(f"{path}: ") for p in problems)
    assert s.input_dir == tmp_path / "d" / "input" / "users" and s.min_interval_seconds == 60
    assert s.variant_type == "SNV"  # the good value is kept
    assert "colour" in path.read_text()  # the file is left for the person to fix

    path.write_text("auto_annotate = maybe\n")
    problems = []
    assert load_settings(env=env, problems=problems).auto_annotate is True
    assert len(problems) == 1 and "not valid TOML" in problems[0]


def test_check_values_before_writing(tmp_path):
    assert check_values({"min_interval_seconds": 30, "input_dir": "~/genomes"}) == []
    assert check_values({"min_interval_seconds": float("nan"), "compression": "zip",
                         "input_dir": ["a"]}) == [
        "min_interval_seconds must be a number of seconds >= 0, not nan",
        "compression must be one of zstd, lz4, snappy, uncompressed, not 'zip'",
        "input_dir must be a folder path in quotes, such as \"~/genomes\", not ['a']"]
    path = tmp_path / "s.toml"
    with pytest.raises(UserError, match="not saved: min_interval_seconds"):
        write_settings(path, {"min_interval_seconds": float("inf")})
    assert not path.exists()


@pytest.mark.parametrize("flag, label", [
    ("--cache-dir", "reference cache"), ("--input-dir", "input folder"),
    ("--output-dir", "output folder"), ("--home", "app-state folder"),
    ("--data-dir", "data folder")])
def test_a_folder_flag_naming_a_file_is_one_clear_line(tmp_path, capsys, flag, label):
    """`reference status --cache-dir FILE` said `unexpected NotADirectoryError` about a file
    inside it; the others said nothing, or "cannot create the settings file (File exists)"."""
    from just_dna_desktop.cli import main

    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    for command in (["reference", "status"], ["samples"]):
        assert main([*command, flag, str(a_file)]) == 1
        assert capsys.readouterr().err == (f"error: {a_file}: is a file, not a folder; give a "
                                           f"folder as the {label}\n")
    assert a_file.read_text() == "not a folder"


def test_a_folder_inside_a_file_is_named_with_the_file(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(UserError, match=f"{a_file / 'users'}: lies inside a file \\({a_file}\\)"):
        load_settings({"data_dir": tmp_path / "data", "input_dir": a_file / "users"})
