#!/usr/bin/env bash
# Install the Debian packages praktijktest needs, when they are missing.
#   scripts/system-deps.sh run    what serving the app needs (WeasyPrint's Pango, fonts)
#   scripts/system-deps.sh test   also what the tests need (Chromium, poppler-utils, Dovecot for the IMAP tests)
# As root it installs them with apt-get; otherwise it prints the command to run.
set -euo pipefail

run_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation)
test_packages=(chromium poppler-utils dovecot-imapd openssl)

packages=("${run_packages[@]}")
if [ "${1:-run}" = "test" ]; then
  packages+=("${test_packages[@]}")
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "praktijktest needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
