# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# What every host-side script shares.  Set $repo (the repository's top
# directory) and source it:
#
#   me                  the script's path in the repository (vm/run.sh):
#                       the prefix of each message it prints, "$me: ..."
#   die MESSAGE...      "$me: MESSAGE" on stderr, then exit $die_status
#                       (1 unless the script sets it: vm/run.sh's 70)
#   usage [MESSAGE...]  "$me: MESSAGE", or without one the usage (the
#                       first block of the script's header comment
#                       indented three spaces, as here), on stderr; then
#                       exit 64, every script's status for a usage error
#   tmp_dir             print the path of a new temporary directory named
#                       after the script; the caller's EXIT trap removes it
#
# The exit statuses of every script are listed in docs/CONTRIBUTING.md
# ("Exit statuses").  POSIX sh, so that the #!/bin/sh scripts source it as
# well as the bash ones.  The guest has no repository: its scripts
# (guest/) follow the same rules without it (docs/CONTRIBUTING.md).

me=$(cd "$(dirname "$0")" && pwd -P)/${0##*/}
me=${me#"$(cd "$repo" && pwd -P)"/}

die() {
	echo "$me: $*" >&2
	exit "${die_status:-1}"
}

# shellcheck disable=SC2120 # MESSAGE is optional
usage() {
	if [ $# -gt 0 ]; then
		echo "$me: $*" >&2
	else
		awk 'FNR > 1 && !/^#/ { exit }
			/^#   / { print (found ? "       " : "usage: ") substr($0, 5); found = 1; next }
			found { exit }' "$0" >&2
	fi
	exit 64
}

tmp_dir() {
	tmp_name=${me##*/}
	mktemp -d "${TMPDIR:-/tmp}/mymem-${tmp_name%.sh}.XXXXXX" ||
		die "cannot make a temporary directory"
}
