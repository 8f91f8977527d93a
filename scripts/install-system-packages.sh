#!/usr/bin/env bash
# Install the system packages of the given groups that this machine lacks, with apt-get (Debian,
# Ubuntu), as root or through sudo, saying what and why; refuses, naming them, when neither works.
#   bash scripts/install-system-packages.sh qt tests
# The list and its groups: just_dna_desktop/resources/system-packages.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

lacking() { python3 -m just_dna_desktop.system_packages "$@"; }
missing=$(lacking "$@")
[ -n "$missing" ] || exit 0

packages=$(cut -f1 <<<"$missing" | awk '!seen[$0]++' | tr '\n' ' ')
echo "This machine lacks system packages just-dna-desktop needs ($*; the list:" \
     "just_dna_desktop/resources/system-packages.txt):"
while IFS=$'\t' read -r package provides why; do
  printf '  %-20s %-24s %s\n' "$package" "$provides" "$why"
done <<<"$missing"

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: no apt-get on this system: install what provides the libraries and commands" \
       "above with its package manager (the package names above are Debian's)" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "error: installing them needs root, and sudo is not installed: run this as root, or" \
       "ask an administrator to run: apt-get install $packages" >&2
  exit 1
fi
echo "Installing them: ${as_root[*]:+${as_root[*]} }apt-get install $packages"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends $packages >/dev/null

still=$(lacking "$@")
if [ -n "$still" ]; then
  echo "error: still missing after apt-get: $(cut -f2 <<<"$still" | tr '\n' ' ')" >&2
  exit 1
fi
