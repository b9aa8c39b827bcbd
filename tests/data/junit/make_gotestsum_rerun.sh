#!/usr/bin/env bash
# Rebuilds gotestsum-rerun-green.xml and gotestsum-rerun-red.xml with the real gotestsum (Debian 1.8.2) and go 1.19, offline:
#   bash tests/data/junit/make_gotestsum_rerun.sh      (from the repository root; apt-get install gotestsum golang-go)
# TestFlaky fails on its first run and passes when `--rerun-fails` runs it again; in the red run TestBroken
# (SHOP_BROKEN=1) fails every run, in the green run it passes.
set -euo pipefail
out="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/go/retry"
printf 'module example.com/shop\n\ngo 1.19\n' >"$work/go/go.mod"
cat >"$work/go/retry/retry_test.go" <<'GO'
package retry

import (
	"os"
	"testing"
)

func TestStable(t *testing.T) {}

func TestFlaky(t *testing.T) {
	marker := os.Getenv("FLAKY_MARKER")
	if _, err := os.Stat(marker); err != nil {
		_ = os.WriteFile(marker, []byte("ran"), 0o600)
		t.Fatal("first attempt fails")
	}
}

func TestBroken(t *testing.T) {
	if os.Getenv("SHOP_BROKEN") == "1" {
		t.Fatal("always fails")
	}
}
GO
for colour in green red; do
  broken=0
  [ "$colour" = red ] && broken=1
  rm -f "$work/marker"
  (cd "$work/go" && SHOP_BROKEN=$broken FLAKY_MARKER="$work/marker" GOFLAGS=-mod=mod GOPROXY=off \
    GOCACHE="$work/gocache" gotestsum --rerun-fails=2 --packages=./... \
    --junitfile "$out/gotestsum-rerun-$colour.xml" -- ./...) >/dev/null || true
done
