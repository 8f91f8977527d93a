#!/usr/bin/env bash
# CI, after the test suite: build the bundle, then run its smoke test (start the app, build the
# main window, annotate the bundled demo in a spawned child, write a report) twice: offscreen
# with stdout/stderr closed (as a windowed app has them), and on a real X server under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."

uv=(uv)
command -v uv >/dev/null 2>&1 || uv=(python3 -m uv)

bash packaging/build.sh
app=dist/just-dna-desktop/just-dna-desktop
echo "bundle size: $(du -sh dist/just-dna-desktop | cut -f1) ($(du -sb dist/just-dna-desktop | cut -f1) bytes)"

reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT

check() {  # check REPORT.json EXPECTED_QPA: the report says the frozen app annotated the demo
  "${uv[@]}" run --no-sync python - "$1" "$2" <<'PY'
import json, sys
path, qpa = sys.argv[1], sys.argv[2]
report = json.load(open(path))
print(f"{path}: ok={report['ok']} frozen={report['frozen']} qt={report['qt']} "
      f"qpa={report['qpa']} matched={report['matched']} via={report.get('annotation_via')} "
      f"in {report.get('elapsed_sec')} s")
problems = [name for name, good in [
    ("ok", report["ok"] is True), ("frozen", report["frozen"] is True),
    ("matched == 132", report["matched"] == 132), (f"qpa == {qpa}", report["qpa"] == qpa)]
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
check "$reports/offscreen.json" offscreen

echo "smoke test: Xvfb"
env -u QT_QPA_PLATFORM timeout 600 xvfb-run -a "$app" --smoke-test "$reports/xvfb.json"
check "$reports/xvfb.json" xcb
