# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by the host-side drivers (suite.sh, stress.sh, fuzz.sh): where
# the repository, the build and the modules for KERNEL are, the scripts'
# helpers (lib/script.sh), then the TAP helpers.  Runs in the
# repository's top directory.
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source-path=SCRIPTDIR source=../lib/script.sh
. "$repo/lib/script.sh"
BUILD=${BUILD:-$repo/build}
MYMEM_KO_DIR=${MYMEM_KO_DIR:-$repo/kernel}
export BUILD
cd "$repo" || exit 1
# shellcheck source-path=SCRIPTDIR source=../tap/tap.sh
. "$repo/tap/tap.sh"
