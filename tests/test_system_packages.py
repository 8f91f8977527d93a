"""The system packages Qt needs: the shared list, and what a machine without them is told.

A library is "hidden" from a child process by a stand-in of the same name that the dynamic loader
finds first (LD_LIBRARY_PATH) and cannot load: the loader itself fails on it, exactly where it
fails on a machine that lacks the library, so these tests reproduce the problem, not a message.
"""

import json
import os
import resource
import struct
import subprocess
import sys
from pathlib import Path

import PySide6
import pytest

from just_dna_desktop import system_packages
from just_dna_desktop.system_packages import qt_platform, requirements, window_problem

ROOT = Path(__file__).resolve().parent.parent
QT_DIR = Path(PySide6.__file__).parent / "Qt"
# On every glibc system (Debian's essential packages and apt's own dependencies).
BASE_SYSTEM = {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
               "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libstdc++.so.6",
               "libgcc_s.so.1", "libz.so.1", "libzstd.so.1"}

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="Qt brings its own libraries off Linux")


def hide(tmp_path: Path, *libraries: str) -> dict[str, str]:
    """An environment in which the dynamic loader cannot load these libraries."""
    stand_ins = tmp_path / "hidden-libraries"
    stand_ins.mkdir(exist_ok=True)
    for name in libraries:
        (stand_ins / name).write_bytes(b"")  # the loader stops at it: "file too short"
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [str(stand_ins),
                                                           env.get("LD_LIBRARY_PATH")]))
    return env


def no_core_dump() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def needed_libraries(path: Path) -> set[str]:
    """The DT_NEEDED entries of a 64-bit little-endian ELF file: what the loader will look for."""
    data = path.read_bytes()
    assert data[:6] == b"\x7fELF\x02\x01", f"{path}: not a 64-bit little-endian ELF file"
    (section_table,) = struct.unpack_from("<Q", data, 0x28)
    entry_size, count = struct.unpack_from("<HH", data, 0x3A)
    # (name, type, flags, addr, offset, size, link, info, addralign, entsize)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, section_table + i * entry_size)
                for i in range(count)]
    dynamic = next(s for s in sections if s[1] == 6)  # SHT_DYNAMIC
    strings = sections[dynamic[6]][4]  # its string table's offset
    names = set()
    for offset in range(dynamic[4], dynamic[4] + dynamic[5], 16):
        tag, value = struct.unpack_from("<qQ", data, offset)
        if tag == 0:
            break
        if tag == 1:  # DT_NEEDED
            start = strings + value
            names.add(data[start:data.index(b"\0", start)].decode())
    return names


def test_the_list_is_one_package_and_one_library_or_command_a_line():
    rows = requirements()
    assert {r.group for r in rows} == {"qt", "xcb", "tests", "browser", "bundle", "uv"}
    for row in rows:
        assert row.package.islower() and " " not in row.package, row
        assert row.why, row
    assert ("libxcb-cursor0", "libxcb-cursor.so.0", "xcb") in [
        (r.package, r.provides, r.group) for r in rows]
    assert [r.package for r in requirements(["bundle"])] == ["binutils", "libpython3-dev",
                                                             "xvfb", "xauth"]
    python = system_packages.Requirement("libpython3-dev", "libpython{python}.so.1.0", "", "")
    assert python.target == "libpython%d.%d.so.1.0" % sys.version_info[:2]
    # each kind of check answers for something this machine has
    assert all(r.present() for r in requirements(["qt", "tests"]))
    assert system_packages.Requirement("x", "py:json", "uv", "").present()
    assert not system_packages.Requirement("x", "py:no_such_module", "uv", "").present()
    assert not system_packages.Requirement("x", "no-such-command", "tests", "").present()
    assert not system_packages.Requirement("x", "libno-such.so.1", "qt", "").present()


@linux_only
@pytest.mark.parametrize("group, files", [
    ("qt", ["lib/libQt6Core.so.6", "lib/libQt6Gui.so.6", "lib/libQt6Widgets.so.6",
            "lib/libQt6DBus.so.6", "plugins/platforms/libqoffscreen.so"]),
    ("xcb", ["lib/libQt6XcbQpa.so.6", "plugins/platforms/libqxcb.so"]),
])
def test_the_list_names_every_system_library_qt_links(group, files):
    bundled = {path.name for path in QT_DIR.rglob("*.so*")}
    listed = {r.provides for r in requirements(["qt", group])}
    needed = set().union(*(needed_libraries(QT_DIR / name) for name in files))
    assert "libglib-2.0.so.0" in needed  # the reader reads what the loader reads
    assert needed - bundled - BASE_SYSTEM - listed == set()


@linux_only
def test_pytest_without_qt_libraries_says_which_and_how_to_install_them(tmp_path):
    env = hide(tmp_path, "libglib-2.0.so.0", "libGL.so.1")
    # The stand-ins reproduce the fresh machine: PySide6 itself cannot load ...
    qt = subprocess.run([sys.executable, "-c", "import PySide6.QtWidgets"], env=env,
                        capture_output=True, text=True, timeout=120)
    assert qt.returncode == 1 and "ImportError: " in qt.stderr
    assert "hidden-libraries/lib" in qt.stderr
    # ... and pytest stops before pytest-qt imports it, with one line instead of INTERNALERROR.
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/test_names.py"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    lines = (run.stdout + run.stderr).strip().splitlines()
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, lines
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("Exit: Qt cannot start: the system libraries ")
    for name in ("libglib-2.0.so.0", "libGL.so.1", "bash scripts/test.sh",
                 "sudo apt-get install libglib2.0-0 libgl1"):
        assert name in line


@linux_only
def test_the_window_on_x11_without_libxcb_cursor_says_what_to_install(tmp_path):
    env = hide(tmp_path, "libxcb-cursor.so.0")
    env.update(QT_QPA_PLATFORM="xcb", DISPLAY=":9")
    # Without the check, Qt aborts the whole process (SIGABRT) with its own advice.
    qt = subprocess.run([sys.executable, "-c",
                         "from PySide6.QtWidgets import QApplication; QApplication([])"],
                        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                        preexec_fn=no_core_dump)
    assert qt.returncode < 0 and "libxcb-cursor0 is needed" in qt.stderr
    # With it, `just-dna-desktop` (no command: the window) exits 1 with one line.
    run = subprocess.run([sys.executable, "-m", "just_dna_desktop"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, preexec_fn=no_core_dump)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.count("\n") == 1
    # (the exact words where only this library is missing; scripts/test.sh installs the others)
    assert run.stderr.startswith("error: the window cannot start on X11: libxcb-cursor.so.0")
    assert "sudo apt-get install libxcb-cursor0" in run.stderr
    assert "QT_QPA_PLATFORM=wayland" in run.stderr
    if system_packages.missing(["xcb"]) == []:
        assert run.stderr.startswith(
            "error: the window cannot start on X11: libxcb-cursor.so.0 is missing (Qt 6.5 and "
            "newer need it for X11 windows). Install: sudo apt-get install libxcb-cursor0. ")


@linux_only
def test_the_smoke_test_reports_a_missing_library_instead_of_aborting(tmp_path):
    env = hide(tmp_path, "libxcb-cursor.so.0")
    env.update(QT_QPA_PLATFORM="xcb", DISPLAY=":9")
    report_path = tmp_path / "report.json"
    run = subprocess.run([sys.executable, "-m", "just_dna_desktop", "--smoke-test",
                          str(report_path)], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120, preexec_fn=no_core_dump)
    report = json.loads(report_path.read_text())
    assert run.returncode == 1 and report["ok"] is False
    assert "sudo apt-get install libxcb-cursor0" in report["error"]


@linux_only
def test_elsewhere_than_x11_the_xcb_libraries_are_not_asked_for(monkeypatch):
    lacking = system_packages.Requirement("libxcb-cursor0", "libxcb-cursor.so.0", "xcb", "why")
    monkeypatch.setattr(system_packages, "missing",
                        lambda groups: [lacking] if "xcb" in groups else [])
    assert window_problem([], {"QT_QPA_PLATFORM": "wayland"}) is None
    assert window_problem([], {"QT_QPA_PLATFORM": "offscreen"}) is None
    assert "libxcb-cursor0" in window_problem([], {"DISPLAY": ":0"})


@pytest.mark.parametrize("argv, environ, platform", [
    ([], {}, "xcb"),
    ([], {"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}, "xcb"),
    ([], {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "wayland"),
    ([], {"XDG_SESSION_TYPE": "wayland", "QT_QPA_PLATFORM": "xcb"}, "xcb"),
    ([], {"QT_QPA_PLATFORM": "offscreen"}, "offscreen"),
    ([], {"QT_QPA_PLATFORM": "xcb;wayland"}, "xcb"),
    ([], {"QT_QPA_PLATFORM": "wayland-egl"}, "wayland-egl"),
    (["--demo", "-platform", "offscreen"], {"QT_QPA_PLATFORM": "xcb"}, "offscreen"),
    (["--platform=wayland"], {}, "wayland"),
])
def test_the_platform_qt_will_load(argv, environ, platform):
    assert qt_platform(argv, environ) == platform
