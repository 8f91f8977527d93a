#!/usr/bin/env bash
# Build the double-clickable app with PyInstaller (one folder, see just-dna-desktop.spec):
#   Linux:   dist/just-dna-desktop/just-dna-desktop
#   macOS:   dist/just-dna-desktop.app
#   Windows: dist/just-dna-desktop/just-dna-desktop.exe (run this script from Git Bash)
# PyInstaller and Pillow come from the `build` dependency group; the app's own dependencies
# (PySide6 included) only exist in this build environment, never on the person's computer.
set -euo pipefail
cd "$(dirname "$0")/.."

uv=(uv)
if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet uv
  command -v uv >/dev/null 2>&1 || uv=(python3 -m uv)
fi

started=$SECONDS
# Icons are rendered from the SVG without a display; files are rewritten only if they changed.
QT_QPA_PLATFORM=offscreen "${uv[@]}" run --group build python packaging/make_icons.py
"${uv[@]}" run --group build pyinstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/just-dna-desktop.spec

app=dist/just-dna-desktop
echo "built $app in $((SECONDS - started)) s: $(du -sh "$app" | cut -f1)" \
     "($(find "$app" -type f | wc -l) files)"
