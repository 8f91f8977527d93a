#!/usr/bin/env bash
# CI, after the test suite: build the bundle, then run its smoke test (start the app, build the
# main window, annotate the bundled demo in a spawned child, write a report) twice: offscreen
# with stdout/stderr closed (as a windowed app has them), and on a real X server under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."

# PyInstaller reads shared-library dependencies with objdump, the .desktop check needs
# desktop-file-utils, the Xvfb smoke test xvfb, xauth and Qt's X11 libraries: the shared list.
bash scripts/install-system-packages.sh qt xcb tests bundle

desktop-file-validate just_dna_desktop/resources/just-dna-desktop.desktop
ICONS_CHECK_ONLY=1 bash packaging/build.sh
app=dist/just-dna-desktop/just-dna-desktop
echo "bundle size: $(du -sh dist/just-dna-desktop | cut -f1) ($(du -sb dist/just-dna-desktop | cut -f1) bytes)"

reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT

check() {  # check REPORT.json EXPECTED_QPA STREAMS_NONE: the frozen app annotated the demo
  build/venv/bin/python - "$1" "$2" "$3" <<'PY'
import json, sys
path, qpa, streams_none = sys.argv[1], sys.argv[2], sys.argv[3] == "yes"
report = json.load(open(path))
print(f"{path}: ok={report['ok']} frozen={report['frozen']} qt={report['qt']} "
      f"qpa={report['qpa']} matched={report['matched']} via={report.get('annotation_via')} "
      f"in {report.get('elapsed_sec')} s")
problems = [name for name, good in [
    ("ok", report["ok"] is True), ("frozen", report["frozen"] is True),
    ("matched == 132", report["matched"] == 132), (f"qpa == {qpa}", report["qpa"] == qpa),
    ("run recorded as succeeded", report.get("run_status") == "succeeded"),
    ("Summary tab drawn (QtCharts)", (report.get("summary_tab") or {}).get("rendered") is True
     and (report.get("summary") or {}).get("allele_rows") == 132),
    ("stdout/stderr were None" if streams_none else "stdout/stderr were open",
     (report.get("streams_were_none") == ["stdout", "stderr"]) == streams_none)]
    if not good]
if problems:
    print(json.dumps(report, indent=2))
    sys.exit(f"smoke test failed: {', '.join(problems)}")
PY
}

echo "smoke test: offscreen, no stdout/stderr"
status=0
QT_QPA_PLATFORM=offscreen timeout 600 "$app" --smoke-test "$reports/offscreen.json" >&- 2>&- \
  || status=$?
[ "$status" -eq 0 ] || echo "the bundle exited with $status"
check "$reports/offscreen.json" offscreen yes

echo "smoke test: Xvfb"
env -u QT_QPA_PLATFORM timeout 600 xvfb-run -a "$app" --smoke-test "$reports/xvfb.json"
check "$reports/xvfb.json" xcb no

# The bundle carries Qt's X11 libraries (libxcb-cursor included) but takes OpenGL from the system,
# like every PyInstaller build: a desktop without it gets one line naming the package, not Qt's
# abort. A stand-in libGL.so.1 the loader cannot load plays the desktop that lacks it.
echo "start-up check: the window without libGL.so.1"
: > "$reports/libGL.so.1"
status=0
said=$(LD_LIBRARY_PATH="$reports" QT_QPA_PLATFORM=xcb DISPLAY=:9 timeout 60 "$app" 2>&1) \
  || status=$?
echo "$said"
expected="^error: the window cannot start: libGL.so.1 is missing .*apt-get install libgl1$"
if [ "$status" -ne 1 ] || [ "$(wc -l <<<"$said")" -ne 1 ] || ! grep -q "$expected" <<<"$said"; then
  echo "start-up check failed: exit $status"
  exit 1
fi
