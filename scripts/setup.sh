#!/usr/bin/env bash
# Installs every Debian package Prominence needs to build, test, run the demo and package itself.
# Idempotent: installs only what is missing, runs `apt-get update` at most once. Works as root or via sudo.
# Nothing is downloaded from anywhere but Debian's archive.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # core: LibTorch, its fast BLAS (mandatory: without it matmul is ~30x slower), SQLite, JSON, PCRE2, ICU
  libtorch-dev libopenblas0-pthread libsqlite3-dev sqlite3 nlohmann-json3-dev libpcre2-dev libicu-dev
  # GUI: Qt 6 (Svg for SVG figures) and QCustomPlot
  qt6-base-dev qt6-svg-dev libqcustomplot-dev libqcustomplot2.1-qt6 libgl-dev
  # GUI tests and screenshots, report previews
  xvfb xauth imagemagick poppler-utils
  # packaging
  dpkg-dev file
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup.sh: run as root or install sudo" >&2; exit 1; fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup.sh: all packages present" >&2
fi

# LibTorch links libblas.so.3 through Debian's alternatives; make sure it resolves to OpenBLAS.
alt=libblas.so.3-x86_64-linux-gnu
if update-alternatives --query "$alt" >/dev/null 2>&1; then
  current=$(update-alternatives --query "$alt" | sed -n 's/^Value: //p')
  case "$current" in
    *openblas*) ;;
    *) $SUDO update-alternatives --set "$alt" /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ;;
  esac
fi
