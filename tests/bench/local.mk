# tests/bench/local.mk: tests of trawl-bench and of the FTS5 baseline: unit tests of the
# statistics, query kinds and FTS5 query translation (test_bench), and shell tests that
# run the harness against a fake server with a known delay (query.sh), against the FTS5
# baseline on a tiny corpus (fts5.sh) and against `trawl serve` (trawl.sh).

check_PROGRAMS += tests/bench/test_bench tests/bench/fake-server tests/bench/check-report
tests_bench_test_bench_SOURCES = %reldir%/test_bench.c bench/stats.c bench/queries.c \
	bench/baselines/fts5/fts5-query.c
tests_bench_test_bench_CFLAGS = $(TEST_CFLAGS)
tests_bench_test_bench_LDADD = $(TEST_LIBS) $(JANSSON_LIBS) -lm
tests_bench_fake_server_SOURCES = %reldir%/fake-server.c
tests_bench_fake_server_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_bench_fake_server_LDADD = $(JANSSON_LIBS)
tests_bench_check_report_SOURCES = %reldir%/check-report.c
tests_bench_check_report_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_bench_check_report_LDADD = $(JANSSON_LIBS)
TESTS += tests/bench/test_bench tests/bench/query.sh tests/bench/fts5.sh tests/bench/trawl.sh
EXTRA_DIST += tests/bench/query.sh tests/bench/fts5.sh tests/bench/trawl.sh

# The ranking metrics of `trawl-bench eval`, checked against a hand-worked example
# (owned by the ranking-evaluation work; keep this block when rewriting the file).
check_PROGRAMS += %reldir%/test_metrics
TESTS += %reldir%/test_metrics
%canon_reldir%_test_metrics_SOURCES = %reldir%/test_metrics.c bench/metrics.c bench/metrics.h
%canon_reldir%_test_metrics_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_metrics_LDADD = $(TEST_LIBS) -lm
check_PROGRAMS += %reldir%/test_eval
TESTS += %reldir%/test_eval %reldir%/eval.sh
EXTRA_DIST += %reldir%/eval.sh
%canon_reldir%_test_eval_SOURCES = %reldir%/test_eval.c bench/eval.c bench/eval.h \
	bench/metrics.c bench/metrics.h bench/proc.c bench/bench.h
%canon_reldir%_test_eval_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_eval_LDADD = $(TEST_LIBS) $(JANSSON_LIBS) -lm
