# SPDX-License-Identifier: GPL-2.0
# fio's JSON reports (--output-format=json), one file per region
# (FILENAME ends in .N, the region's number), as TAP: a case per job and
# region, then "# verified: N ops, B bytes, S s".  Variables: part, the
# bytes of a region; secs, the run's duration.  Exits non-zero if a case
# failed or there was none.
#
# fio's verification reads back every block a job writes, and counts
# those reads with the job's own: a job whose reads do not cover what it
# wrote did not verify it all and fails, as does one that wrote nothing.
# A job's bytes verified are then the bytes it wrote.
FNR == 1 {
	region = FILENAME
	sub(/.*fio\./, "", region)
	region = (region + 0) * part
}
/"jobname" :/ {
	split($0, q, "\"")
	n++
	name[n] = q[4] " at " region
}
/"error" :/ { err[n] = $3 + 0 }
/"(read|write|trim|sync)" : \{/ { split($0, q, "\""); dir = q[2] }
/"io_bytes" :/ && dir == "write" { written[n] = $3 + 0 }
/"io_bytes" :/ && dir == "read" { readback[n] = $3 + 0 }
/"total_ios" :/ && (dir == "read" || dir == "write") { ios[n] += $3 + 0 }
END {
	print "TAP version 13"
	print "1.." n
	for (i = 1; i <= n; i++) {
		bad = err[i] || !written[i] || readback[i] < written[i]
		printf "%s %d %s: %.0f I/Os, %.0f bytes verified%s%s\n",
			bad ? "not ok" : "ok", i, name[i], ios[i],
			bad ? 0 : written[i], err[i] ? ", error " err[i] : "",
			readback[i] < written[i] ? sprintf(", %.0f of %.0f " \
			"bytes written read back", readback[i], written[i]) : ""
		ops += ios[i]
		bytes += bad ? 0 : written[i]
		failed += bad
	}
	printf "# verified: %.0f ops, %.0f bytes, %d s\n", ops, bytes, secs
	exit failed || !n
}
