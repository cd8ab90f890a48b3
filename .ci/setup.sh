#!/usr/bin/env bash
# Relay's two set-up commands (see README.md):
#
#   bash .ci/setup.sh demo   install what is missing, build, start the demo
#   bash .ci/setup.sh test   install what is missing, build, run every test suite
#
# Packages come from Debian 12. As root, missing ones are installed with
# apt-get; otherwise the exact apt-get line to run is printed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

mode=${1:-}
case "$mode" in
  demo|test) ;;
  *) echo "usage: bash .ci/setup.sh demo|test" >&2; exit 2 ;;
esac

# ---------------------------------------------------------------------------
# Packages
# ---------------------------------------------------------------------------
packages=(
  gcc pkg-config meson ninja-build
  libglib2.0-dev libgirepository1.0-dev gobject-introspection
  libgtk-4-dev gir1.2-gtk-4.0
  python3-gi python3-gbulb gjs valac
  xvfb xauth
)
if [ "$mode" = test ]; then
  packages+=(gi-docgen valgrind clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> Installing from Debian: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${missing[@]}"
  else
    echo "Relay needs these Debian packages. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------
build=${RELAY_BUILD_DIR:-build}
# Every optional part is a feature that a plain `meson setup` builds only when
# its tools are found (meson_options.txt); here they are required, so a
# missing tool fails the set-up instead of leaving its tests out. Warnings are
# errors in CI.
setup_args=(-Dwerror=true -Dintrospection=enabled -Dpython=enabled -Dgjs=enabled
            -Dvapi=enabled -Dgtk=enabled -Ddemos=true -Dtests=true)
[ "$mode" = test ] && setup_args+=(-Ddocs=enabled)

# --reconfigure, not `meson configure`: it also takes a build directory made
# before an option changed type (docs was a boolean before 1.0).
if [ -f "$build/build.ninja" ]; then
  meson setup --reconfigure "$build" "${setup_args[@]}"
else
  meson setup "$build" "${setup_args[@]}"
fi
meson compile -C "$build"

# ---------------------------------------------------------------------------
# demo: the window on a display, otherwise its self-test under Xvfb
# ---------------------------------------------------------------------------
if [ "$mode" = demo ]; then
  demo="$build/demos/relay-demo/relay-demo"
  if [ ! -x "$demo" ]; then
    echo "==> The GTK demo is not built; running the C seed examples instead"
    "$build/demos/seed-notifier" && "$build/demos/seed-work"
    exit
  fi
  if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    exec "$demo"
  fi
  # The same server and environment as the 'demo' test suite
  # (demos/relay-demo/meson.build): xvfb-run's default screen is 640x480 at
  # 8 bits, smaller than the window and slow to draw into.
  echo "==> No display: running the demo's self-test under Xvfb"
  exec env GDK_BACKEND=x11 GTK_A11Y=none NO_AT_BRIDGE=1 \
    xvfb-run -a -s '-screen 0 1280x1024x24' "$demo" --self-test
fi

# ---------------------------------------------------------------------------
# test: every suite, then the memory checks, then one summary line
# ---------------------------------------------------------------------------
total_passed=0
total_failed=0
status=0

# Runs `meson test` with the given arguments and adds its summary to the totals.
run_meson_test() {
  local label=$1; shift
  local log
  log=$(mktemp)
  echo
  echo "==> $label: meson test $*"
  set +e
  meson test "$@" --print-errorlogs 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  local ok xfail fail xpass skip timeout
  ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  xfail=$(sed -n 's/^Expected Fail: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  xpass=$(sed -n 's/^Unexpected Pass: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  skip=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  timeout=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  rm -f "$log"
  if [ -z "$ok" ]; then
    echo "!!! $label: no meson summary (meson test exited $rc)"
    total_failed=$((total_failed + 1))
    status=1
    return
  fi
  # A skipped test is a real component that did not run: it counts as failed.
  total_passed=$((total_passed + ok + ${xfail:-0}))
  total_failed=$((total_failed + ${fail:-0} + ${xpass:-0} + ${skip:-0} + ${timeout:-0}))
  if [ "$rc" != 0 ] || [ "${skip:-0}" != 0 ]; then
    status=1
  fi
}

# 1. Every suite of the normal build (benchmarks only in their smoke mode).
run_meson_test "all suites" -C "$build" --num-processes 2

# 2. valgrind memcheck: unit at full size; stress and fuzz scaled down by the
#    setup (tests/stress/meson.build). Errors and definite/indirect leaks fail.
run_meson_test "valgrind" -C "$build" --setup=valgrind --suite unit --suite gio --suite stress --suite fuzz --num-processes 2

# 3. AddressSanitizer + UndefinedBehaviorSanitizer build of the C suites; the
#    asan setup sets the sanitizer options (halt on error, leak checks). It
#    wakes main contexts through a pipe (-Dwakeup=pipe), the mechanism of
#    systems without eventfd, so CI runs the C suites with both: the build
#    above uses Linux's eventfd.
asan_build="${build}-asan"
asan_args=(-Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true -Dwakeup=pipe
           -Dintrospection=disabled -Ddemos=false -Ddocs=disabled -Dgtk=disabled)
if [ -f "$asan_build/build.ninja" ]; then
  meson setup --reconfigure "$asan_build" "${asan_args[@]}" >/dev/null
else
  meson setup "$asan_build" "${asan_args[@]}" >/dev/null
fi
meson compile -C "$asan_build"
run_meson_test "asan+ubsan" -C "$asan_build" --setup=asan --suite unit --suite gio --suite stress --suite fuzz --num-processes 2

echo
echo "$total_passed passed, $total_failed failed"
exit $status
