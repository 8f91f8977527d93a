# Sourced by scripts/test.sh and packaging/build.sh: sets the array `uv` to a uv command.
# uv is taken from PATH or from where its installers put it; when there is none, it is installed
# from PyPI into a virtual environment of its own, which works where `pip install uv` is refused
# (PEP 668: Debian 12, Ubuntu 23.04 and newer). The README lists the other ways to get uv.
uv_home="${XDG_DATA_HOME:-$HOME/.local/share}/just-dna-desktop/uv"
if command -v uv >/dev/null 2>&1; then
  uv=(uv)
elif [ -x "$HOME/.local/bin/uv" ]; then  # the standalone installer's and pipx's place
  uv=("$HOME/.local/bin/uv")
elif [ -x "$uv_home/bin/uv" ]; then
  uv=("$uv_home/bin/uv")
else
  echo "uv is not installed: installing it from PyPI into $uv_home"
  bash scripts/install-system-packages.sh uv  # Debian's python3 makes venvs with python3-venv
  if ! { python3 -m venv "$uv_home" && "$uv_home/bin/python" -m pip install --quiet uv; }; then
    rm -rf "$uv_home"
    echo "error: could not install uv from PyPI; other ways: see 'Set-up' in README.md" >&2
    exit 1
  fi
  uv=("$uv_home/bin/uv")
fi
