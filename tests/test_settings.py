"""Paths and options: flag > environment > settings file > default, and the first-run file."""

import pytest

from just_dna_desktop.core.errors import UserError
from just_dna_desktop.core.settings import load_settings, read_settings_file, write_settings


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
