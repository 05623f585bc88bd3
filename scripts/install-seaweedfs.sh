#!/usr/bin/env bash
# Installs SeaweedFS's `weed` (pinned: 4.53) into /usr/local/bin: the S3 server pitrctl's S3 support
# is tested against and `pitrctl drill --repo s3` starts. Built from the Go module proxy because
# SeaweedFS is not packaged for Debian. Idempotent: does nothing when weed 4.53 is installed.
#
#   scripts/install-seaweedfs.sh          build and install (waits for another caller's build)
#   scripts/install-seaweedfs.sh --wait   build nothing: wait for a build in progress, then exit 0
#                                         when weed 4.53 is usable, 1 when it is not
#
# The build takes a long time on a small machine (see README), so a lock makes sure two callers
# (setup.sh in the background, a test run, CI) never build at once; the second one waits for it.
# Go's caches live under $CACHE (about 4 GB) so a second build after a failure reuses what was
# downloaded and compiled; a successful install removes them (PITRCTL_SEAWEEDFS_KEEP_CACHE=1 keeps
# them): nothing needs them once weed 4.53 is installed.
set -euo pipefail

MODULE=github.com/seaweedfs/seaweedfs
VERSION=v0.0.0-20261109003541-7506e5f91cd6 # SeaweedFS 4.53
WANT=4.53
DEST=${PITRCTL_WEED_DEST:-/usr/local/bin/weed}
CACHE=${PITRCTL_SEAWEEDFS_CACHE:-/var/cache/pitrctl-seaweedfs}
LOCK=${PITRCTL_SEAWEEDFS_LOCK:-/var/lock/pitrctl-seaweedfs.lock}

say() { printf 'install-seaweedfs: %s\n' "$*"; }

# `weed version` prints e.g. "version 30GB 4.53 7506e5f9... linux amd64".
installed() {
  [ -x "$DEST" ] && "$DEST" version 2>/dev/null | grep -qw -- "$WANT"
}

mode=build
case "${1:-}" in
  --wait) mode=wait ;;
  '') ;;
  *) say "usage: $0 [--wait]" >&2; exit 2 ;;
esac

if [ "$mode" = wait ]; then
  # A running build holds the lock exclusively; taking it shared waits for that build to end.
  # A caller who cannot open the lock (not root, no build ever ran) only gets the answer.
  if [ -e "$LOCK" ] && exec 9<"$LOCK"; then flock -s 9; fi
  if installed; then say "weed $WANT is installed at $DEST"; exit 0; fi
  say "weed $WANT is not installed at $DEST"
  exit 1
fi

if installed; then say "weed $WANT is already installed at $DEST"; exit 0; fi
mkdir -p "$(dirname "$LOCK")"
exec 9>>"$LOCK"
if ! flock -n 9; then
  say "another build is running; waiting for it"
  flock 9
  if installed; then say "weed $WANT is installed at $DEST"; exit 0; fi
fi

if ! command -v go >/dev/null 2>&1; then
  say "go is not installed: cannot build SeaweedFS" >&2
  exit 1
fi

mkdir -p "$CACHE/gocache" "$CACHE/gomodcache"
export GOCACHE="$CACHE/gocache" GOMODCACHE="$CACHE/gomodcache" GOFLAGS=-mod=mod GOTOOLCHAIN=local
start=$(date +%s)
say "downloading $MODULE@$VERSION"
# `go install …/weed@VERSION` is refused: SeaweedFS's go.mod has a replace directive. Building
# inside the downloaded module (whose go.mod then applies) works.
dir=$(go mod download -json "$MODULE@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir/weed" ]; then
  say "go mod download gave no module directory for $MODULE@$VERSION" >&2
  exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
say "building weed in $dir/weed (this takes a while)"
(cd "$dir/weed" && go build -o "$out/weed" .)
install -m 0755 "$out/weed" "$DEST"
if ! installed; then
  say "built weed does not report version $WANT: $("$DEST" version 2>&1 | head -n1)" >&2
  exit 1
fi
say "weed $WANT installed at $DEST in $(($(date +%s) - start))s"
if [ "${PITRCTL_SEAWEEDFS_KEEP_CACHE:-}" != 1 ]; then
  # go removes exactly its own caches (the module cache's files are read-only)
  go clean -modcache && go clean -cache && rm -rf "$GOCACHE" && rmdir "$CACHE" 2>/dev/null || true
fi
