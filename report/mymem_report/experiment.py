"""The experiments' parameters that the report reads: sizes and batch
counts.  Every other module takes them from here, and names a size by
text.size_text() of its number."""

SMALL = 1              # the size of the per-call ratios
LARGE = 524288         # the size of the bandwidth ratios
SLOPE_FROM = 65536     # per-byte cost: slope from here to LARGE
AMORTISED_SIZES = (1, 64)   # the sizes of the amortised paths' rows
GOAL_CALLS = 64        # the transfers per call of the amortisation goals
SCALE_SIZE = LARGE     # read scaling's pread: mymem-bench -t scale reads
#                        the whole device
