"""Packaging: the .desktop entry and its per-user install, the icons, the PyInstaller spec and scripts.

The bundle itself is built and smoke-tested by packaging/ci_bundle.sh (minutes, not a unit test).
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from just_dna_desktop import cli
from just_dna_desktop import desktop_entry
from just_dna_desktop.core.errors import UserError
from just_dna_desktop import RESOURCES_DIR

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "just-dna-desktop.spec"
VALIDATOR = shutil.which("desktop-file-validate")
needs_validator = pytest.mark.skipif(VALIDATOR is None,
                                     reason="desktop-file-validate (desktop-file-utils) not installed")


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def validate(path: Path) -> str:
    result = subprocess.run([VALIDATOR, str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


# -- the committed .desktop file ------------------------------------------------------------------

def test_desktop_entry_describes_a_gui_app_without_claiming_vcard():
    entry = read_entry(desktop_entry.DESKTOP_FILE)
    assert entry["Type"] == "Application"
    assert entry["Terminal"] == "false"
    assert entry["Exec"] == "just-dna-desktop"  # the CLI takes no file arguments: no %f/%F
    assert entry["Icon"] == desktop_entry.APP_ID
    assert "Science" in entry["Categories"].split(";")
    # .vcf is also vCard: claiming it would offer this program for every address-book file.
    mime = entry.get("MimeType", "").lower()
    assert "vcard" not in mime and "directory" not in mime


@needs_validator
def test_desktop_entry_is_valid():
    assert validate(desktop_entry.DESKTOP_FILE).strip() == ""  # not even a warning


# -- icons ----------------------------------------------------------------------------------------

def test_png_icons_have_the_size_their_name_says():
    pngs = desktop_entry.icon_pngs()
    assert set(pngs) >= {16, 32, 48, 64, 128, 256, 512}
    for size, path in pngs.items():
        assert png_size(path) == (size, size)


def test_windows_and_macos_icons_are_real_files():
    ico = (desktop_entry.ICONS_DIR / "just-dna-desktop.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 5
    widths = {ico[6 + 16 * i] or 256 for i in range(count)}  # 0 in the directory means 256
    assert {16, 32, 48, 256} <= widths
    icns = (desktop_entry.ICONS_DIR / "just-dna-desktop.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)


def test_svg_source_is_well_formed():
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.parse(desktop_entry.ICON_SVG).getroot()
    assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 256 256"


def test_rendered_icons_match_the_svg():
    result = subprocess.run([sys.executable, str(PACKAGING / "make_icons.py"), "--check"],
                            capture_output=True, text=True,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, f"run packaging/make_icons.py: {result.stdout}{result.stderr}"


# -- installing the entry for the current user ----------------------------------------------------

def test_install_writes_entry_and_hicolor_icons(tmp_path):
    command = ["/opt/just dna/just-dna-desktop"]
    installed = desktop_entry.install(tmp_path, command=command)

    assert installed.desktop_file == tmp_path / "applications" / "just-dna-desktop.desktop"
    entry = read_entry(installed.desktop_file)
    assert entry["Exec"] == '"/opt/just dna/just-dna-desktop"'
    assert entry["TryExec"] == "/opt/just dna/just-dna-desktop"
    assert entry["Icon"] == "just-dna-desktop"
    for size, source in desktop_entry.icon_pngs().items():
        target = tmp_path / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "just-dna-desktop.png"
        assert target.read_bytes() == source.read_bytes()
    scalable = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "just-dna-desktop.svg"
    assert scalable.read_bytes() == desktop_entry.ICON_SVG.read_bytes()
    assert len(installed.icons) == len(desktop_entry.icon_pngs()) + 1
    assert not list(tmp_path.rglob("*.tmp"))


@needs_validator
def test_installed_entry_is_valid_even_with_awkward_paths(tmp_path):
    awkward = ["/home/a b/$weird\\dir/just-dna-desktop", "-m", "100%"]
    installed = desktop_entry.install(tmp_path, command=awkward)
    assert validate(installed.desktop_file).strip() == ""


def test_exec_quoting_follows_the_desktop_entry_spec():
    quote = desktop_entry.quote_exec_argument
    assert quote("/usr/bin/just-dna-desktop") == "/usr/bin/just-dna-desktop"
    assert quote("/opt/my apps/x") == '"/opt/my apps/x"'
    # $ and \ get a quoting backslash; every backslash is then doubled by the string escape.
    assert quote("a$b\\c") == '"a\\\\$b\\\\\\\\c"'
    assert quote('say "hi"') == '"say \\\\"hi\\\\""'
    assert quote("50%") == "50%%"


def test_reinstall_overwrites_and_uninstall_removes_everything(tmp_path):
    desktop_entry.install(tmp_path, command=["/old/path"])
    installed = desktop_entry.install(tmp_path, command=["/new/path"])
    assert read_entry(installed.desktop_file)["Exec"] == "/new/path"

    removed = desktop_entry.uninstall(tmp_path)
    assert set(removed) == {installed.desktop_file, *installed.icons}
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and "just-dna" in p.name]
    assert desktop_entry.uninstall(tmp_path) == []


def test_data_home_follows_xdg_and_ignores_relative_values(tmp_path):
    assert desktop_entry.data_home({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path
    assert desktop_entry.data_home({"XDG_DATA_HOME": "relative/dir"}) == \
        Path.home() / ".local" / "share"
    assert desktop_entry.data_home({}) == Path.home() / ".local" / "share"


def test_launcher_is_the_bundle_binary_when_frozen(monkeypatch, tmp_path):
    binary = tmp_path / "just-dna-desktop"
    binary.write_text("")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(binary))
    assert desktop_entry.launcher_command() == [str(binary.resolve())]


def test_launcher_prefers_the_environment_gui_script(monkeypatch, tmp_path):
    monkeypatch.delattr(sys, "frozen", raising=False)
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    python.write_text("")
    monkeypatch.setattr(sys, "executable", str(python))
    assert desktop_entry.launcher_command() == [str(python.resolve()), "-m", "just_dna_desktop"]
    (tmp_path / "bin" / "just-dna-desktop-gui").write_text("")
    assert desktop_entry.launcher_command() == [str(tmp_path / "bin" / "just-dna-desktop-gui")]


def test_other_platforms_get_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(UserError, match="only on Linux"):
        desktop_entry.install(tmp_path)
    assert not (tmp_path / "applications").exists()


def test_cli_installs_and_removes_the_entry(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert cli.main(["install-desktop-entry", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    desktop = Path(report["desktop_file"])
    assert desktop == tmp_path / "share" / "applications" / "just-dna-desktop.desktop"
    assert read_entry(desktop)["Exec"].split()[0].strip('"') == report["command"][0]
    assert all(Path(p).is_file() for p in report["icons"])

    assert cli.main(["install-desktop-entry", "--remove"]) == 0
    assert "removed" in capsys.readouterr().out
    assert not desktop.exists()


def test_cli_refuses_on_other_platforms_with_one_line(monkeypatch, capsys):
    monkeypatch.setattr(sys, "platform", "win32")
    assert cli.main(["install-desktop-entry"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


# -- the PyInstaller spec and the scripts ---------------------------------------------------------

def test_spec_is_python_and_names_what_the_bundle_needs():
    source = SPEC.read_text(encoding="utf-8")
    compile(source, str(SPEC), "exec")
    assert '"launcher.py"' in source and (PACKAGING / "launcher.py").is_file()
    # The bundle puts resources where core/workspace/settings.py looks for them at run time.
    package_parent = RESOURCES_DIR.parent.parent
    assert RESOURCES_DIR.relative_to(package_parent).as_posix() == "just_dna_desktop/resources"
    assert '"just_dna_desktop/resources"' in source
    for needed in ("BUNDLE(", "bundle_identifier=", "version=windows_version_file()",
                   "console=not (is_windows or is_macos)", "collect_submodules(\n        \"just_dna_desktop\"",
                   "\"QtWebEngineCore\"", "exclude_binaries=True"):
        assert needed in source, needed
    # The app bundle never carries the Dagster layer (extra `pipelines`) or Dagster itself.
    excludes = source.split("EXCLUDES = ", 1)[1].split("\n]\n", 1)[0]
    for excluded in ('"just_dna_desktop.pipelines"', '"dagster"', '"dagster_webserver"'):
        assert excluded in excludes, excluded
    assert 'not name.startswith("just_dna_desktop.pipelines")' in source


def test_spec_keeps_qtcharts_and_the_opengl_libraries_it_needs():
    """The Summary tab and the live metrics are QtCharts, which links libQt6OpenGL(Widgets): the
    spec may drop the Python modules QtOpenGL*, never QtCharts or those libraries."""
    import re

    source = SPEC.read_text(encoding="utf-8")
    unused = re.search(r"UNUSED_QT = \[(.*?)\]", source, re.S).group(1)
    assert '"QtCharts"' not in unused
    namespace: dict = {}
    exec(re.search(r'UNUSED_QT_FILES = re\.compile\(.*?r"\)"\)', source, re.S).group(0),
         {"re": re}, namespace)
    dropped = namespace["UNUSED_QT_FILES"]
    assert dropped.search("PySide6/Qt/lib/libQt6Quick.so.6")  # the spec's own pattern, read right
    for kept in ("PySide6/Qt/lib/libQt6Charts.so.6", "PySide6/Qt/lib/libQt6OpenGL.so.6",
                 "PySide6/Qt/lib/libQt6OpenGLWidgets.so.6", "PySide6/QtCharts.abi3.so"):
        assert not dropped.search(kept), kept


def test_launcher_runs_the_cli_main():
    result = subprocess.run([sys.executable, str(PACKAGING / "launcher.py"), "--version"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("just-dna-desktop ")


@pytest.mark.parametrize("script", ["build.sh", "ci_bundle.sh"])
def test_scripts_are_executable_bash(script):
    path = PACKAGING / script
    assert os.access(path, os.X_OK)
    assert subprocess.run(["bash", "-n", str(path)]).returncode == 0


def test_build_dependency_group_has_pyinstaller():
    import tomllib

    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    assert any(req.startswith("pyinstaller>=") for req in groups["build"])


def test_the_qt_binding_keeps_its_references_to_true():
    """PySide6 6.12.0 dropped a reference to True on every Signal.emit(); after a few thousand
    emits (a minute of the window's 50 ms responsiveness probe) Python aborts with
    "Fatal Python error: bool_dealloc". pyproject.toml excludes that release."""
    code = ("import sys\n"
            "from PySide6.QtCore import QCoreApplication, QObject, Signal\n"
            "class Emitter(QObject):\n"
            "    changed = Signal(float)\n"
            "app = QCoreApplication([])\n"
            "emitter = Emitter()\n"
            "emitter.changed.connect(lambda value: None)\n"
            "before = sys.getrefcount(True)\n"
            "for _ in range(200):\n"
            "    emitter.changed.emit(1.5)\n"
            "print(before - sys.getrefcount(True))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) < 50  # 200 with the broken release; ~0 otherwise
