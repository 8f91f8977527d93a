"""Where everything lives, and the person's options, resolved once.

Precedence, strongest first: explicit flag > environment variable > settings file > platformdirs
default. The data dir and the app-state dir cannot come from the settings file, because the
settings file lives inside them.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ... import RESOURCES_DIR
from ..errors import UserError
from ..layout import OUTPUT_FILE_NAME

APP_NAME = "just-dna-desktop"
PIPELINE_CACHE_NAME = "just-dna-pipelines"
SETTINGS_FILE_NAME = "settings.toml"
HISTORY_FILE_NAME = "history.sqlite"

ENV_CACHE_DIR = "JUST_DNA_PIPELINES_CACHE_DIR"
ENV_INPUT_DIR = "JUST_DNA_PIPELINES_INPUT_DIR"
ENV_OUTPUT_DIR = "JUST_DNA_PIPELINES_OUTPUT_DIR"
ENV_HOME = "JUST_DNA_DESKTOP_HOME"
ENV_DATA_DIR = "JUST_DNA_DESKTOP_DATA_DIR"

SETTINGS_TEMPLATE = RESOURCES_DIR / "settings.template.toml"

VARIANT_TYPES = ("all", "SNV")
COMPRESSIONS = ("zstd", "lz4", "snappy", "uncompressed")

# Options the settings file may hold, with their defaults and types.
OPTION_DEFAULTS: dict[str, Any] = {
    "auto_annotate": True,
    "min_interval_seconds": 60,
    "reference_repo": "just-dna-seq/ensembl_variations",
    "reference_revision": "main",
    "reference_chromosomes": "all",
    "variant_type": "all",
    "compression": "zstd",
    # Where annotation modules come from (core/modules/sources.py): Hub datasets (org/name, or
    # org/name@revision) and local folders, strongest first.
    "module_sources": ["just-dna-seq/annotators"],
}
PATH_OPTIONS = ("cache_dir", "input_dir", "output_dir")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    state_dir: Path
    cache_dir: Path
    input_dir: Path
    output_dir: Path
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def settings_file(self) -> Path:
        return self.state_dir / SETTINGS_FILE_NAME

    @property
    def history_file(self) -> Path:
        return self.state_dir / HISTORY_FILE_NAME

    @property
    def reference_dir(self) -> Path:
        return self.cache_dir / "ensembl_variations"

    def output_file(self, user: str, sample: str) -> Path:
        return self.output_dir / user / sample / OUTPUT_FILE_NAME

    def __getattr__(self, name: str) -> Any:
        # Options read as attributes: settings.auto_annotate, settings.variant_type, ...
        options = object.__getattribute__(self, "options")
        if name in options:
            return options[name]
        raise AttributeError(name)


def _default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_documents_dir()) / "just-dna" / "data"


def _default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir(PIPELINE_CACHE_NAME))


def _path(value: str | os.PathLike[str]) -> Path:
    return Path(os.path.expandvars(os.path.expanduser(str(value)))).absolute()


def _pick(name: str, flags: Mapping[str, Any], env: Mapping[str, str], env_name: str | None,
          file_values: Mapping[str, Any], default: Any) -> Any:
    if flags.get(name) is not None:
        return flags[name]
    if env_name and env.get(env_name):
        return env[env_name]
    if name in file_values:
        return file_values[name]
    return default


def read_settings_file(path: Path) -> dict[str, Any]:
    """The settings file's values as written; a file that does not parse is a clear error naming
    it. Values are checked by `check_values` (load_settings does)."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: the settings file is not valid TOML ({exc})") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read the settings file ({exc.strerror or exc})") from None


def check_values(values: Mapping[str, Any]) -> list[str]:
    """What is wrong with these settings (options and folder keys), one line per key; [] when all
    can be used. The settings file is checked with it when read, and the settings dialog can call
    it before writing anything."""
    problems = []
    for key, value in values.items():
        problem = _value_problem(key, value)
        if problem:
            problems.append(f"{key}: {problem}" if not problem.startswith(key) else problem)
    return problems


def _value_problem(key: str, value: Any) -> str | None:
    if key in PATH_OPTIONS:
        if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
            return f"{key} must be a folder path in quotes, such as \"~/genomes\", not {value!r}"
        return None
    if key not in OPTION_DEFAULTS:
        return f"unknown setting {key} (known: {', '.join([*OPTION_DEFAULTS, *PATH_OPTIONS])})"
    if key == "variant_type" and value not in VARIANT_TYPES:
        return f"variant_type must be one of {', '.join(VARIANT_TYPES)}, not {value!r}"
    if key == "compression" and value not in COMPRESSIONS:
        return f"compression must be one of {', '.join(COMPRESSIONS)}, not {value!r}"
    if key == "min_interval_seconds":
        if not isinstance(value, (int, float)) or isinstance(value, bool) \
                or not math.isfinite(value) or value < 0:
            return f"min_interval_seconds must be a number of seconds >= 0, not {value!r}"
    if key == "auto_annotate" and not isinstance(value, bool):
        return f"auto_annotate must be true or false, not {value!r}"
    if key in ("reference_repo", "reference_revision") and (not isinstance(value, str)
                                                            or not value.strip()):
        return f"{key} must be text in quotes, not {value!r}"
    if key == "module_sources":
        from ..modules.sources import parse_source

        if not isinstance(value, list):
            return (f"module_sources must be a list such as [\"just-dna-seq/annotators\", "
                    f"\"~/lab-modules\"], not {value!r}")
        for item in value:
            try:
                parse_source(item)
            except UserError as exc:
                return str(exc).removeprefix("module_sources: ")
    if key == "reference_chromosomes":
        from ..reference.cache import parse_chromosomes

        try:
            parse_chromosomes(value)
        except (UserError, AttributeError, TypeError) as exc:
            return (f"reference_chromosomes must be \"all\" or a list such as [\"21\", \"22\"] "
                    f"({exc})")
    return None


def ensure_settings_file(path: Path, template: Path = SETTINGS_TEMPLATE) -> None:
    """Create the settings file (or another commented file, e.g. dagster.yaml) on first use."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(template.read_text(encoding="utf-8"), encoding="utf-8")
    os.replace(tmp, path)


def write_settings(path: Path, values: Mapping[str, Any]) -> None:
    """Write the given options over the file (the template's comments are kept above them).

    A value `check_values` refuses is never written (UserError with the first problem)."""
    problems = check_values({k: v for k, v in values.items() if v is not None})
    if problems:
        raise UserError(f"{path}: not saved: {problems[0]}")
    current = read_settings_file(path)
    current.update({k: v for k, v in values.items() if v is not None})
    lines = [SETTINGS_TEMPLATE.read_text(encoding="utf-8").rstrip(), "", "# --- Your values ---"]
    for key, value in current.items():
        lines.append(f"{key} = {_toml_value(value)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _require_folders(**folders: Path) -> None:
    """A folder setting (a flag, a variable, the settings file) that names a file, or lies
    inside one, is said so at once: later it would surface as an OS error in some other
    file's name (`Not a directory: …/ensembl_variations/.just-dna-manifest.json`)."""
    for label, folder in folders.items():
        existing = next((p for p in (folder, *folder.parents) if os.path.lexists(p)), None)
        if existing is not None and not existing.is_dir():
            what = "is a file" if existing == folder else f"lies inside a file ({existing})"
            raise UserError(f"{folder}: {what}, not a folder; give a folder as the "
                            f"{label.replace('_', ' ').replace('app state', 'app-state')}")


def folders_inside(data_dir: Path) -> dict[str, Path]:
    """Folder flags that put a whole workspace (input, output, settings, history, modules) in
    `data_dir`, whatever the environment says: a throw-away demo workspace must not reach into
    the person's own through JUST_DNA_DESKTOP_HOME or JUST_DNA_PIPELINES_INPUT_DIR."""
    data_dir = Path(data_dir)
    return {"data_dir": data_dir, "state_dir": data_dir / "interim",
            "input_dir": data_dir / "input" / "users", "output_dir": data_dir / "output" / "users",
            "cache_dir": data_dir / "cache"}  # its modules too (the reference: the bundled slice)


def load_settings(flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None,
                  create: bool = True, problems: list[str] | None = None) -> Settings:
    """Resolve every path and option. `flags` holds explicit values (None = not given).

    Strict by default: anything wrong in the settings file is a UserError naming the file and
    the key. Pass a list as `problems` to be lenient instead (the window at start-up): each
    problem is added to it as one line and its key falls back to the default; the file itself
    is left as it is, so the person can open it and fix it.
    """
    flags = dict(flags or {})
    env = os.environ if env is None else env

    data_dir = _path(_pick("data_dir", flags, env, ENV_DATA_DIR, {}, None) or _default_data_dir())
    state_dir = _path(_pick("state_dir", flags, env, ENV_HOME, {}, None) or data_dir / "interim")
    _require_folders(data_folder=data_dir, app_state_folder=state_dir)
    settings_file = state_dir / SETTINGS_FILE_NAME
    try:
        if create:
            try:
                ensure_settings_file(settings_file)
            except OSError as exc:
                raise UserError(f"{settings_file}: cannot create the settings file "
                                f"({exc.strerror or exc})") from None
        file_values = read_settings_file(settings_file)
    except UserError as exc:
        if problems is None:
            raise
        problems.append(str(exc))
        file_values = {}
    for key in list(file_values):
        problem = _value_problem(key, file_values[key])
        if problem is None:
            continue
        if problems is None:
            raise UserError(f"{settings_file}: {problem}")
        problems.append(f"{settings_file}: {problem}")
        del file_values[key]  # the default this time

    cache_dir = _path(_pick("cache_dir", flags, env, ENV_CACHE_DIR, file_values, None)
                      or _default_cache_dir())
    input_dir = _path(_pick("input_dir", flags, env, ENV_INPUT_DIR, file_values, None)
                      or data_dir / "input" / "users")
    output_dir = _path(_pick("output_dir", flags, env, ENV_OUTPUT_DIR, file_values, None)
                       or data_dir / "output" / "users")

    _require_folders(reference_cache=cache_dir, input_folder=input_dir, output_folder=output_dir)

    options = {name: _pick(name, flags, {}, None, file_values, default)
               for name, default in OPTION_DEFAULTS.items()}
    flagged = check_values({k: v for k, v in flags.items()
                            if k in OPTION_DEFAULTS and v is not None})
    if flagged:
        raise UserError(flagged[0])
    return Settings(data_dir=data_dir, state_dir=state_dir, cache_dir=cache_dir,
                    input_dir=input_dir, output_dir=output_dir, options=options)
