"""The report of one `make run` (report/report.py), a module a part:

experiment   the sizes and batch counts of the experiments
raw          the raw files (RESULTS_DIR/raw/), reading them, merged CSVs
modes        the measurement modes and what each lets the report say
measures     numbers only: medians, ratios, rates, fits, break-even
checks       the key ratios: each goal a Check with its explanation
text         formatting of durations, ratios, sizes and tables
environment, key_ratios, benchmark, amortised, race, questions, seed,
selftest     one section of REPORT.md each, in that order
plots        the plots' data and gnuplot
compare      report.py --compare (make compare)
"""
