#!/usr/bin/env bash
# Idempotent setup: install the Debian packages dclm needs (as root on Debian bookworm),
# then configure and build into build/. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev libopenblas0-pthread
  libsentencepiece-dev sentencepiece
  libyaml-cpp-dev libfasttext-dev libgtest-dev libgloo-dev
  zlib1g-dev libzstd-dev libsimdjson-dev libre2-dev libicu-dev
  nlohmann-json3-dev libgumbo-dev libxxhash-dev libssl-dev libzip-dev libarchive-dev
  openmpi-bin
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: missing packages (${missing[*]}); run as root to install them" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

JOBS=${DCLM_JOBS:-2}
BUILD=${DCLM_BUILD_DIR:-build}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-Release} >/dev/null
cmake --build "$BUILD" -j "$JOBS"
