# bench/local.mk: trawl-bench (latency, throughput and indexing benchmarks over the pipe
# protocol) and the SQLite FTS5 baseline it measures beside trawl; `make bench` runs the
# whole comparison and writes bench/RESULTS.md.

if HAVE_SQLITE
# Built with `make` (make bench and the tests use them) but not installed: a baseline, not a product.
noinst_PROGRAMS += fts5-index fts5-serve
FTS5_BASE = %reldir%/baselines/fts5/fts5-common.c %reldir%/baselines/fts5/fts5-common.h
fts5_index_SOURCES = %reldir%/baselines/fts5/fts5-index.c $(FTS5_BASE)
fts5_index_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS) $(ZLIB_CFLAGS)
fts5_index_LDADD = $(SQLITE_LIBS) $(JANSSON_LIBS) $(ZLIB_LIBS)
fts5_serve_SOURCES = %reldir%/baselines/fts5/fts5-serve.c $(FTS5_BASE) \
	%reldir%/baselines/fts5/fts5-query.c %reldir%/baselines/fts5/fts5-query.h
fts5_serve_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS)
fts5_serve_LDADD = $(SQLITE_LIBS) $(JANSSON_LIBS)
endif
EXTRA_DIST += %reldir%/baselines/fts5/README.md %reldir%/README.md

bin_PROGRAMS += trawl-bench
# The harness minus main.c, shared with the tests in tests/bench/.
BENCH_CORE = %reldir%/bench.h %reldir%/proc.c %reldir%/stats.c %reldir%/queries.c \
	%reldir%/machine.c %reldir%/report.c
trawl_bench_SOURCES = %reldir%/main.c %reldir%/cmd_query.c %reldir%/cmd_index.c \
	%reldir%/cmd_compare.c $(BENCH_CORE) \
	%reldir%/eval.c %reldir%/eval.h %reldir%/metrics.c %reldir%/metrics.h
trawl_bench_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(ZLIB_CFLAGS) -pthread
trawl_bench_LDADD = $(JANSSON_LIBS) $(ZLIB_LIBS) -lm -lpthread

# `make eval`: ranking quality (trawl-bench eval) on every collection under ../shared/eval/,
# plain BM25 against the default ranking, recorded in bench/RESULTS.md ("Ranking quality").
# The experiment tool behind doc/ranking.md is built on demand: make bench/tools/rankexp
EXTRA_PROGRAMS = bench/tools/rankexp
bench_tools_rankexp_SOURCES = %reldir%/tools/rankexp.cc %reldir%/metrics.c %reldir%/metrics.h
bench_tools_rankexp_CXXFLAGS = $(AM_CXXFLAGS) $(XAPIAN_CFLAGS) $(JANSSON_CFLAGS)
bench_tools_rankexp_LDADD = $(XAPIAN_LIBS) $(JANSSON_LIBS) -lm
EXTRA_DIST += %reldir%/tools/eval-results.sh %reldir%/tools/rankexp.sh \
	%reldir%/tools/default-ranking.patch
CLEANFILES += $(EXTRA_PROGRAMS)
.PHONY: eval
eval: trawl trawl-bench
	TRAWL_BIN='$(abs_top_builddir)/trawl' $(SHELL) $(srcdir)/%reldir%/tools/eval-results.sh \
	  '$(abs_top_builddir)/trawl-bench' '$(abs_top_srcdir)/../shared/eval' \
	  '$(srcdir)/%reldir%/RESULTS.md'

# `make bench`: trawl against the FTS5 baseline on ../shared (skipped when absent), written
# to bench/RESULTS.md. BENCH_RUNS=N sets the counted passes (default 3).
EXTRA_DIST += %reldir%/run-bench.sh %reldir%/RESULTS.md
.PHONY: bench
bench: all
	$(SHELL) $(srcdir)/%reldir%/run-bench.sh '$(abs_top_builddir)/trawl-bench' \
	  '$(abs_top_builddir)/trawl' '$(abs_top_builddir)/fts5-index' \
	  '$(abs_top_builddir)/fts5-serve' '$(abs_top_srcdir)/../shared' \
	  '$(abs_top_srcdir)/%reldir%/RESULTS.md'
