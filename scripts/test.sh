#!/usr/bin/env bash
# Run setup when needed (it is idempotent and incremental), then the whole CTest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD=${DCLM_BUILD_DIR:-build}
ctest --test-dir "$BUILD" --output-on-failure -j "${DCLM_JOBS:-2}" "$@"
