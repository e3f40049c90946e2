#!/usr/bin/env bash
# Start a Docker engine for the docker sandbox tests: install Debian's docker.io where this machine
# allows it (root and apt-get), then start dockerd unless an engine already answers. With no
# registry and a machine of its own, the engine leaves the host's firewall and network alone.
# Prints why when it cannot; never fails: the docker tests then skip with the reason (or fail,
# where PALAESTRA_REQUIRE_SANDBOXES asks for docker).
set -uo pipefail

docker info >/dev/null 2>&1 && exit 0
if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing docker.io for the docker sandbox tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  fi
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "No Docker engine: the docker sandbox tests will skip (apt-get install docker.io, then run dockerd)" >&2
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "No Docker engine answers, and only root starts one here: the docker sandbox tests will skip" >&2
  exit 0
fi
log="${TMPDIR:-/tmp}/palaestra-dockerd.log"
nohup dockerd --iptables=false --bridge=none >"$log" 2>&1 &
for _ in $(seq 60); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 0.5
done
echo "dockerd did not answer within 30 s; its log: $log" >&2
tail -n 20 "$log" >&2
exit 0
