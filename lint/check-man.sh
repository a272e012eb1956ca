#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lint man pages: groff's warnings (what `man --warnings -l` shows) and,
# if it is installed, mandoc's.  Prints every warning, exits 1 if any.
#
#   lint/check-man.sh [PAGE...]     (default: man/*)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- "$repo"/man/*

warnings=$(
	for page; do
		# -ww: all warnings; -z: no output, the warnings alone.
		LC_ALL=C.UTF-8 groff -man -ww -z "$page" 2>&1
		if command -v mandoc >/dev/null; then
			mandoc -T lint "$page" 2>&1 || true
		fi
	done
)
[ -z "$warnings" ] || { echo "$warnings"; exit 1; }
