#!/usr/bin/env bash
# Makes a fresh Debian machine ready for pitrctl, its tests and the drill. Idempotent; run as root
# (or it re-runs itself through sudo). Installs PostgreSQL 15 and its client programs, pgBackRest,
# Barman (with its cloud programs), promtool and node_exporter from Debian's packages, WAL-G with
# `go install` at its pinned commit where Go is present, starts the SeaweedFS build (the S3 server
# of the S3 tests and `drill --repo s3`) in the background, then the npm dependencies and the build.
#
#   PITRCTL_SEAWEEDFS=background (default) | now (build it before going on) | skip
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  exec sudo -E bash "$0" "$@"
fi

say() { printf 'setup: %s\n' "$*"; }

seaweed_mode=${PITRCTL_SEAWEEDFS:-background}
case "$seaweed_mode" in
  background | now | skip) ;;
  *) say "PITRCTL_SEAWEEDFS must be background, now or skip, not ${seaweed_mode}" >&2; exit 2 ;;
esac

# --- Debian packages --------------------------------------------------------------------------
# barman-cli-cloud + python3-boto3: Barman's barman-cloud-* programs, for an s3:// repo;
# openssl makes the S3 test server's certificate, curl is for poking at it by hand.
packages=(postgresql-15 postgresql-client-15 postgresql-contrib pgbackrest barman barman-cli-cloud python3-boto3 openssl curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "PostgreSQL 15, pgBackRest, Barman (and barman-cloud), openssl and curl are installed"
fi
# The packaged cluster on 5432 is not used by pitrctl's tests or drill: they make their own.

# --- Prometheus tools for the metrics tests ---------------------------------------------------
# promtool lints `pitrctl metrics`; the tests start their own node_exporter on a free loopback port.
# Installed as programs, not as services: a fresh install must not start (or enable) Prometheus
# on 9090 and node_exporter on 9100, so policy-rc.d refuses starts while apt runs. An existing
# installation is left exactly as its owner configured it.
prom_packages=(prometheus prometheus-node-exporter)
prom_missing=()
for p in "${prom_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || prom_missing+=("$p")
done
if [ ${#prom_missing[@]} -gt 0 ]; then
  say "installing ${prom_missing[*]} (not started)"
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${prom_missing[@]}" >/dev/null
  if trap -p EXIT | grep -q policy-rc.d; then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
  if [ -d /run/systemd/system ]; then # systemd runs here: the packages enabled their units
    for p in "${prom_missing[@]}"; do systemctl disable --now "$p" >/dev/null 2>&1 || true; done
  fi
else
  say "promtool and prometheus-node-exporter are installed"
fi

# --- WAL-G (Go module, pinned to v3.0.9) ------------------------------------------------------
WALG_COMMIT=3e493188db28335fb93a45bd680c6ff8fc3028c1
if command -v wal-g >/dev/null 2>&1; then
  say "wal-g is installed ($(wal-g --version 2>/dev/null | head -n1))"
elif command -v go >/dev/null 2>&1; then
  say "installing WAL-G ${WALG_COMMIT:0:10} with go install"
  gobin=$(mktemp -d)
  # WAL-G's code imports encoding/json/v2, which needs this experiment (its Makefile sets it).
  if GOBIN="$gobin" GOEXPERIMENT=jsonv2 GOFLAGS=-mod=mod timeout 1200 \
      go install "github.com/wal-g/wal-g/main/pg@${WALG_COMMIT}" 2>"$gobin/err.log"; then
    install -m 0755 "$gobin/pg" /usr/local/bin/wal-g
    say "wal-g installed in /usr/local/bin"
  else
    say "WAL-G could not be installed here, carrying on without it (its tests and drill row will say skipped):"
    sed 's/^/setup:   /' "$gobin/err.log" | tail -n 5
  fi
  rm -rf "$gobin"
else
  say "go is not installed: carrying on without WAL-G (its tests and drill row will say skipped)"
fi

# --- SeaweedFS (the S3 server of the S3 tests and `drill --repo s3`) ----------------------------
# A Go build of a large program (see README for its cost): by default it runs detached so the
# drill on disk is ready without waiting; the S3 tests wait for it (install-seaweedfs.sh --wait).
seaweed_log=/var/log/pitrctl-seaweedfs-build.log
if command -v weed >/dev/null 2>&1 && weed version 2>/dev/null | grep -qw 4.53; then
  say "SeaweedFS 4.53 (weed) is installed"
elif [ "$seaweed_mode" = skip ]; then
  say "PITRCTL_SEAWEEDFS=skip: not building SeaweedFS (the S3 tests and drill --repo s3 will say skipped)"
elif ! command -v go >/dev/null 2>&1; then
  say "go is not installed: carrying on without SeaweedFS (the S3 tests and drill --repo s3 will say skipped)"
elif [ "$seaweed_mode" = now ]; then
  say "building SeaweedFS 4.53 now (PITRCTL_SEAWEEDFS=now)"
  scripts/install-seaweedfs.sh
else
  say "building SeaweedFS 4.53 in the background; log: $seaweed_log"
  setsid nohup nice -n 10 scripts/install-seaweedfs.sh </dev/null >>"$seaweed_log" 2>&1 &
fi

# --- pitrctl itself -----------------------------------------------------------------------------
# `npm install` (from the lock file) rather than `npm ci`: the registry these machines reach lists
# only some of rollup's optional per-platform packages, so `npm ci` calls the lock file out of sync.
say "npm install (from package-lock.json)"
npm install --no-audit --no-fund --loglevel=error
say "build"
npm run --silent build

# PostgreSQL runs pitrctl as its archive_command, as the postgres user: it must be able to read it.
if ! runuser -u postgres -- test -r bin/run.js 2>/dev/null || ! runuser -u postgres -- test -r dist/commands/wal-push.js 2>/dev/null; then
  say "WARNING: the postgres user cannot read $(pwd); archiving through pitrctl will fail. Install it somewhere readable (e.g. /opt/pitrctl)."
fi
say "ready"
