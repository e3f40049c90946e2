#!/usr/bin/env bash
# The system packages the tests need: installed where this machine allows it (root and apt-get),
# otherwise named with the command that installs them. `make test` (and so .ci/run) runs this first.
# It never stops the tests: those that need a missing package fail with their own clear message.
# Fast when everything is there: each package is looked up by the command it provides.
set -uo pipefail

# The one list: a Debian package, then the command that shows it is installed.
PACKAGES="
bubblewrap bwrap
chromium chromium
chromium-driver chromedriver
coq coqc
default-jre-headless java
"

missing=()
while read -r package command; do
  if [ -n "$package" ] && ! command -v "$command" >/dev/null 2>&1; then
    missing+=("$package")
  fi
done <<<"$PACKAGES"
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing the system packages the tests need: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    exit 0
  fi
  echo "apt-get could not install them (its error is above)." >&2
fi
echo "Some tests need system packages that are missing: ${missing[*]}." >&2
if command -v apt-get >/dev/null 2>&1; then
  echo "Install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
else
  echo "Install them with this system's package manager (Debian names above), then run make test again." >&2
fi
exit 0
