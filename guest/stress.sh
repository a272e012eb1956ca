#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Data integrity under load, run as root in the guest by tests/stress.sh
# (through vm/run.sh): loads mymem, runs the fio jobs, then the mixed
# stress, then unloads it.  Prints TAP, and for each load step a line
# "# verified: N ops, B bytes" (tests/stress.sh adds them up).  Exits
# non-zero if anything failed.
#
#   guest/stress.sh FIO_LOOPS FIO_BYTES SECONDS
#
# FIO_LOOPS: passes of whole.fio, seq.fio and rand.fio over their regions;
# FIO_BYTES: bytes per job of bytes.fio; SECONDS: of the mixed stress.
# The files are in /mymem/stress ($BUILD/stress); /results is copied back.
S=/mymem/stress
# shellcheck source-path=SCRIPTDIR source=../tap/tap.sh
. "$S/tap.sh"

FIO_LOOPS=$1
fio_bytes=$2
seconds=$3
export FIO_LOOPS

# fio_run FILE REGIONS LENGTH: FILE on REGIONS regions at once, one fio
# each, on the first LENGTH bytes of each equal part of the device (see
# whole.fio).  fio's JSON reports become TAP, a case per job and region,
# fio's complaints diagnostics (tests/stress/fio-tap.awk).
fio_run() {
	start=$(date +%s)
	part=$((size / $2))
	pids=""
	i=0
	while [ $i -lt "$2" ]; do
		FIO_OFFSET=$((i * part)) FIO_MIDDLE=$((i * part + $3 / 2)) \
			FIO_END=$((i * part + $3)) fio --output-format=json \
			--output="$tap_tmp/fio.$i.json" "$S/$1" 2>"$tap_tmp/fio.$i.err" &
		pids="$pids $!"
		i=$((i + 1))
	done
	status=0
	for pid in $pids; do
		wait "$pid" || status=1
	done
	cat "$tap_tmp"/fio.*.err | sed 's/^/# /'
	awk -v part="$part" -v secs=$(($(date +%s) - start)) -f "$S/fio-tap.awk" \
		"$tap_tmp"/fio.*.json || status=1
	rm -f "$tap_tmp"/fio.*
	return $status
}

tap_begin
tap_check "load mymem.ko" insmod /mymem/mymem.ko
size=$(wc -c </dev/mymem)	# the region's, read to the end
# whole.fio first: it leaves random data everywhere, which bytes.fio
# needs (see there).
tap_nest "fio whole.fio: the whole device" fio_run whole.fio 1 "$size"
tap_nest "fio seq.fio: 4 regions" fio_run seq.fio 4 $((size / 4))
tap_nest "fio rand.fio: 4 regions" fio_run rand.fio 4 $((size / 4))
tap_nest "fio bytes.fio: 4 regions, $fio_bytes bytes per job" \
	fio_run bytes.fio 4 $((2 * fio_bytes))
tap_nest "mixed stress, $seconds s" "$S/mixed" --seconds "$seconds"
# Every file and map is gone: the module must go too.
tap_check "unload mymem" rmmod mymem
dmesg >/results/dmesg.txt
tap_done
