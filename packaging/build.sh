#!/usr/bin/env bash
# Build the double-clickable app with PyInstaller (one folder, see just-dna-desktop.spec):
#   Linux:   dist/just-dna-desktop/just-dna-desktop
#   macOS:   dist/just-dna-desktop.app
#   Windows: dist/just-dna-desktop/just-dna-desktop.exe (run this script from Git Bash)
# PyInstaller and Pillow come from the `build` dependency group; the app's own dependencies
# (PySide6 included) only exist in this build environment, never on the person's computer.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/ensure-uv.sh

started=$SECONDS
# A build environment of its own: the app's dependencies + the `build` group, without the dev
# tools (pytest never ends up in the bundle), and untouched by `uv run` in the dev environment.
export UV_PROJECT_ENVIRONMENT="$PWD/build/venv"
"${uv[@]}" sync --quiet --no-dev --group build
# Icons are rendered from the SVG without a display; files are rewritten only if they changed.
# CI sets ICONS_CHECK_ONLY=1: a committed icon that does not match the SVG fails the build.
QT_QPA_PLATFORM=offscreen "${uv[@]}" run --no-sync python packaging/make_icons.py \
  ${ICONS_CHECK_ONLY:+--check}
"${uv[@]}" run --no-sync pyinstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/just-dna-desktop.spec

app=dist/just-dna-desktop
echo "built $app in $((SECONDS - started)) s: $(du -sh "$app" | cut -f1)" \
     "($(find "$app" -type f | wc -l) files)"
