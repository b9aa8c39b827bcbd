#!/usr/bin/env bash
# Rebuilds build1..build3 with the real Maven Surefire 3.2.5 (JUnit 5.10.2), offline from ~/.m2:
#   bash tests/data/junit/surefire-builds/make_builds.sh      (from the repository root)
# build1: all green; build2: -Dshop.red=true makes CartTest.totals fail (every rerun too);
# build3: -Dshop.flaky=true makes PriceTest.discount fail once, then pass on Surefire's rerun (a flaky test).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$here/maven-project/." "$work/"
for build in 1 2 3; do
    flags=()
    [ "$build" = 2 ] && flags=(-Dshop.red=true)
    [ "$build" = 3 ] && flags=(-Dshop.flaky=true)
    (cd "$work" && rm -rf target && mvn -o -q test "${flags[@]}" >/dev/null)
    rm -rf "$here/build$build" && mkdir -p "$here/build$build"
    cp "$work"/target/surefire-reports/TEST-*.xml "$here/build$build/"
done
