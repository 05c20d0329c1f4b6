#!/usr/bin/env bash
# EdgeTrain.Actors build script for Linux and macOS (build.ps1 is the Windows twin).
#
#   ./build.sh build          restore and build the solution (Release)
#   ./build.sh test           build, then run every test project, one at a time (integration tests last)
#   ./build.sh demo           a seed and 3 node processes on this machine train hocon/jobs/mnist-mlp.conf
#                             (without TLS: the verb adds --insecure until the demo can enrol its nodes)
#   ./build.sh demo --nodes 4 --job hocon/jobs/mnist-cnn.conf --json
#   ./build.sh train-local    train hocon/jobs/mnist-mlp.conf in one process (baseline)
#   ./build.sh train-local --job hocon/jobs/mnist-cnn.conf --json
#   ./build.sh bench          BenchmarkDotNet: merge, codecs, serializer on 1 MiB slices (a few minutes)
#   ./build.sh format         check formatting and analyzers (dotnet format --verify-no-changes)
#   ./build.sh dotnet ARGS…   run any dotnet command the way this script runs it
#   ./build.sh exec CMD…      run any command where libtorch loads (scripts that start programs)
#
# TorchSharp 0.107 loads a libtorch built against glibc 2.38+ (GLIBCXX_3.4.32). Where the
# C library is older (Debian 12 has 2.36) and the script runs as root, every dotnet call
# runs inside a Debian 13 userland that the script makes once with debootstrap, with this
# machine's .NET SDK, NuGet cache, /tmp and the repository (and its parent folder) mounted
# at the same paths in a private mount namespace. Elsewhere dotnet runs directly.
#
# Environment:
#   EDGETRAIN_COMPAT_ROOT    where the Debian 13 userland lives (default /var/cache/edgetrain/debian13)
#   EDGETRAIN_COMPAT_FORCE=1 use the Debian 13 userland even where glibc is new enough
#   EDGETRAIN_COMPAT_OFF=1   never use it (you know libtorch loads here)
#   CONFIGURATION            Release (default) or Debug
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
configuration=${CONFIGURATION:-Release}
solution=EdgeTrain.Actors.sln

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

glibc_version() { local v; v=$(ldd --version 2>/dev/null | sed -n '1s/.* \([0-9][0-9]*\.[0-9][0-9]*\)$/\1/p'); echo "${v:-0.0}"; }

needs_compat() {
  [ "${EDGETRAIN_COMPAT_OFF:-0}" = 1 ] && return 1
  [ "${EDGETRAIN_COMPAT_FORCE:-0}" = 1 ] && return 0
  [ "$(uname -s)" = Linux ] || return 1
  local have; have=$(glibc_version)
  [ "$(printf '%s\n' 2.38 "$have" | sort -V | head -n1)" != 2.38 ]
}

compat_root=${EDGETRAIN_COMPAT_ROOT:-/var/cache/edgetrain/debian13}
# libicu for .NET globalization, libssl for HTTPS restores, fontconfig for PNG charts,
# procps/iproute2 for the process and network tests, chromium (headless) and a font for the
# dashboard's browser test, iptables (nft backend) for the NAT test's masquerading router
# (tests/EdgeTrain.IntegrationTests/NatNetwork.cs).
# debootstrap installs the base list; apt (which resolves the virtual packages that chromium's
# dependencies name, such as dbus-session-bus) adds the rest inside the userland.
compat_base_pkgs="libicu76,libssl3t64,ca-certificates,procps,iproute2,fontconfig,libfreetype6"
compat_pkgs="$compat_base_pkgs,chromium,fonts-dejavu-core,iptables"

ensure_compat_root() {
  local stamp="$compat_root/.edgetrain-ready"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$compat_pkgs" ] && return 0
  if ! command -v debootstrap >/dev/null; then
    echo "build.sh: installing debootstrap to make the Debian 13 userland" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  if [ ! -f "$compat_root/etc/debian_version" ]; then
    echo "build.sh: glibc $(glibc_version) < 2.38; making a Debian 13 userland in $compat_root (once)" >&2
    rm -rf "$compat_root.partial"; mkdir -p "$(dirname "$compat_root")"
    debootstrap --variant=minbase --include="$compat_base_pkgs" trixie "$compat_root.partial" >/dev/null
    rm -rf "$compat_root"; mv "$compat_root.partial" "$compat_root"
  fi
  chroot "$compat_root" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c \
    "apt-get update -qq && apt-get install -y -qq ${compat_pkgs//,/ } >/dev/null"
  echo "$compat_pkgs" > "$stamp"
}

# dn ARGS…: run dotnet, inside the Debian 13 userland where glibc is too old.
dn() { in_userland dotnet "$@"; }

# in_userland CMD ARGS…: run a command where libtorch loads (the Debian 13 userland if needed).
in_userland() {
  if ! needs_compat; then
    "$@"
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    cat >&2 <<MSG
build.sh: this machine has glibc $(glibc_version); TorchSharp's libtorch needs 2.38 or newer.
  Run ./build.sh as root once so it can make a Debian 13 userland for dotnet (debootstrap),
  or build and run on Ubuntu 24.04+, Debian 13+, Windows or macOS.
MSG
    exit 2
  fi
  ensure_compat_root
  local dotnet_dir; dotnet_dir=$(dirname "$(readlink -f "$(command -v dotnet)")")
  local binds=(/proc /dev /dev/pts /sys /tmp "$(dirname "$here")" "$HOME" "$dotnet_dir")
  [ -d /etc/ssl/certs ] && binds+=(/etc/ssl/certs)
  [ -d /opt/nuget ] && binds+=(/opt/nuget)
  [ -n "${NUGET_PACKAGES:-}" ] && mkdir -p "$NUGET_PACKAGES" && binds+=("$NUGET_PACKAGES")
  # shellcheck disable=SC2016
  local script='set -e
n=$1; root=$2; shift 2
for ((i = 0; i < n; i++)); do mkdir -p "$root$1"; mount --rbind "$1" "$root$1"; shift; done
cp /etc/resolv.conf /etc/hosts "$root/etc/" 2>/dev/null || true
exec chroot "$root" /usr/bin/env PATH="$DN_DIR:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  DOTNET_ROOT="$DN_DIR" bash -c "cd \"\$0\" && exec \"\$@\"" "$DN_CWD" "$@"'
  DN_DIR="$dotnet_dir" DN_CWD="$(pwd)" \
    unshare --mount --propagation private bash -c "$script" _ "${#binds[@]}" "$compat_root" "${binds[@]}" "$@"
}

# test_projects: every test project (not the benchmarks), the integration tests last.
test_projects() {
  local p
  for p in tests/*/*.Tests.csproj; do echo "$p"; done
  echo tests/EdgeTrain.IntegrationTests/EdgeTrain.IntegrationTests.csproj
}

verb=${1:-}
[ -n "$verb" ] || usage
shift
case "$verb" in
  build)
    dn build "$solution" -c "$configuration" "$@"
    ;;
  test)
    dn build "$solution" -c "$configuration"
    # One test assembly at a time: the unit and in-process cluster tests first, then the
    # integration tests, which start real seed and node processes (and run one at a time inside
    # their assembly). `dotnet test` on the solution runs every assembly at once, and on 2 cores
    # that load (average 28 and more) is what a test then measures. Every assembly runs even
    # when an earlier one failed, so each prints its summary; the exit code is the first failure's.
    status=0
    # the browser trainer's JavaScript (the page's MLP against finite differences and on MNIST; the page
    # against a stand-in gateway), with Node where it is installed
    if command -v node >/dev/null; then
      for check in tests/browser-trainer/*.check.mjs; do
        out=$(node "$check" 2>&1) || { rc=$?; echo "$out"; echo "FAILED: node $check"; [ "$status" != 0 ] || status=$rc; }
      done
      echo "browser trainer checks (node tests/browser-trainer/*.check.mjs): done"
    else
      echo "browser trainer checks skipped: node is not installed (the headless-browser test still runs the page)"
    fi
    for project in $(test_projects); do
      dn test "$project" -c "$configuration" --no-build "$@" || { rc=$?; [ "$status" != 0 ] || status=$rc; }
    done
    exit "$status"
    ;;
  demo)
    args=("$@")
    [ ${#args[@]} -gt 0 ] || args=(--nodes 3 --job hocon/jobs/mnist-mlp.conf)
    dn run --project src/EdgeTrain.Seed -c "$configuration" -- demo "${args[@]}"
    ;;
  train-local)
    args=("$@")
    [ ${#args[@]} -gt 0 ] || args=(--job hocon/jobs/mnist-mlp.conf)
    dn run --project src/EdgeTrain.Seed -c "$configuration" -- train-local "${args[@]}"
    ;;
  bench)
    args=("$@")
    [ ${#args[@]} -gt 0 ] || args=(--filter '*')
    dn run -c "$configuration" --project tests/EdgeTrain.Benchmarks -- "${args[@]}"
    ;;
  format)
    dn format "$solution" --verify-no-changes "$@"
    ;;
  dotnet)
    dn "$@"
    ;;
  exec)
    in_userland "$@"
    ;;
  -h|--help|help)
    usage
    ;;
  *)
    echo "build.sh: unknown verb '$verb'" >&2
    usage
    ;;
esac
