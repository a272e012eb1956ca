#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the VM guest (see profile/profile.sh): the guest side of
# `make profile`.  Loads mymem and brd as guest/measure.sh does, writes
# what the attribution needs into /results (the guest's /proc/kallsyms,
# module symbols included, and the vulnerabilities the kernel reports
# mitigating), then runs profile/paths, which the host traces through
# QEMU's gdbstub.
set -eu

out=/results
# shellcheck source=guest/bench-env.sh
. "$(dirname "$0")/bench-env.sh"
wait_for_clock
bench_env "profile" >"$out/env.txt"

insmod /mymem/mymem.ko
modprobe brd rd_nr=1 rd_size=1024
cat /proc/kallsyms >"$out/kallsyms.txt"
for f in /sys/devices/system/cpu/vulnerabilities/*; do
	echo "${f##*/}=$(cat "$f")"
done >"$out/vulnerabilities.txt"
paths /dev/mymem /tmp/profile.dat /dev/ram0 /mymem/mymem_test.ko
echo "profile: paths done"
