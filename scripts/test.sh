#!/usr/bin/env bash
# The README's test command; works on a fresh machine too:
#   bash scripts/test.sh [PYTEST OPTIONS]            e.g. bash scripts/test.sh -x -q
# 1. installs Qt's runtime libraries (X11's too: a test starts the window there, and so can you
#    afterwards) and the test tools when they are missing (apt-get, as root or through sudo;
#    the list: just_dna_desktop/resources/system-packages.txt), and Chromium where apt has it,
# 2. finds uv, or installs it from PyPI (scripts/ensure-uv.sh),
# 3. runs the whole suite offscreen, the optional `pipelines` extra (Dagster) included.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-packages.sh qt xcb tests
# One test renders the HTML report in Chromium: a Debian package, only a snap on Ubuntu (there
# that test says it is skipped and why).
if apt-cache show chromium >/dev/null 2>&1; then
  bash scripts/install-system-packages.sh browser
fi
source scripts/ensure-uv.sh
export QT_QPA_PLATFORM=offscreen
# The `pipelines` extra (Dagster) so tests/pipelines run too; without it they are left out.
"${uv[@]}" run --extra pipelines pytest "$@"
