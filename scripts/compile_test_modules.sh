#!/usr/bin/env bash
# Rebuild the demo and test modules' compiled artifacts from their authored specs with the reference
# compiler:
#   bash scripts/compile_test_modules.sh [NAME...]        (default: every folder in src/)
# For each tests/data/modules/src/NAME: compile into just_dna_desktop/resources/demo/modules/NAME
# (replaced whole; the demo installs them in its throw-away workspace, the tests read them there), verify it against its manifest, and copy the NOTICE beside it. Nothing is fetched by the
# compiler itself (it never goes online); uv downloads the pinned compiler once into its cache.
# Edited a spec? Close it again first, or its compile warns that the module records no closure:
#   uv tool run --python PY --from just-dna-compiler==0.7.2 just-dna-compiler close SPEC --by "just-dna-desktop tests"
set -euo pipefail
cd "$(dirname "$0")/.."

compiler="just-dna-compiler==0.7.2"  # also named in tests/data/modules/README.md and each NOTICE
modules_dir=tests/data/modules
compiled_dir=just_dna_desktop/resources/demo/modules

# The compiler needs Python >= 3.13, which the project itself does not: find one that runs (a
# pyenv shim named python3.13 can exist and still fail when 3.13 is not the selected version).
python313=""
for candidate in "$(command -v python3.13 || true)" "$HOME"/.pyenv/versions/3.13*/bin/python; do
  if [ -x "$candidate" ] && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' \
       >/dev/null 2>&1; then
    python313=$candidate
    break
  fi
done
if [ -z "$python313" ]; then
  echo "error: no Python 3.13 found (looked for python3.13 on PATH and ~/.pyenv/versions/3.13*);" \
       "$compiler needs Python >= 3.13: install one (e.g. 'uv python install 3.13' or pyenv)" >&2
  exit 1
fi

source scripts/ensure-uv.sh  # sets the array `uv`
jdc=("${uv[@]}" tool run --python "$python313" --from "$compiler" just-dna-compiler)

if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for spec in "$modules_dir"/src/*/; do names+=("$(basename "$spec")"); done
fi

for name in "${names[@]}"; do
  spec="$modules_dir/src/$name"
  out="$compiled_dir/$name"
  if [ ! -f "$spec/module_spec.yaml" ]; then
    echo "error: $spec/module_spec.yaml: no such spec" >&2
    exit 1
  fi
  echo "== $name"
  # Compile into a fresh folder beside the old one, so a failed compile leaves the old artifact whole.
  staging="$compiled_dir/.$name.new"
  rm -rf "$staging"
  "${jdc[@]}" compile "$spec" "$staging"
  "${jdc[@]}" verify "$staging" --no-require-marketplace
  cp "$spec/NOTICE" "$staging/NOTICE"
  rm -rf "$out"
  mv "$staging" "$out"
done
