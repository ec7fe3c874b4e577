# tests/bench/local.mk: tests of trawl-bench and of the FTS5 baseline.

# The ranking metrics of `trawl-bench eval`, checked against a hand-worked example.
check_PROGRAMS += %reldir%/test_metrics
TESTS += %reldir%/test_metrics
%canon_reldir%_test_metrics_SOURCES = %reldir%/test_metrics.c bench/metrics.c bench/metrics.h
%canon_reldir%_test_metrics_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_metrics_LDADD = $(TEST_LIBS) -lm
