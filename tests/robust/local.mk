# tests/robust/local.mk: the crash-safety, concurrency and limits tests of issue 6, each a
# cmocka program that runs whole `trawl` processes ($TRAWL_BIN: index, serve) against
# each other through tests/protocol/serve_driver.c: SIGKILL during indexing (test_kill),
# serving while indexing commits (test_live), and memory under oversized requests
# (test_limits). The valgrind run of the server test is `make check-valgrind`.

robust_tests = \
	%reldir%/test_kill \
	%reldir%/test_live \
	%reldir%/test_limits
check_PROGRAMS += $(robust_tests)
TESTS += $(robust_tests)

# test_limits checks its memory bounds, and test_kill runs its sharded mode, only in a
# build without sanitizers.
AM_TESTS_ENVIRONMENT += SAN_FLAGS='$(SAN_FLAGS)'; export SAN_FLAGS;

robust_common = %reldir%/robust.h %reldir%/robust.c \
	tests/protocol/serve_driver.h tests/protocol/serve_driver.c
robust_libs = $(TEST_LIBS) $(JANSSON_LIBS) $(ZLIB_LIBS)

%canon_reldir%_test_kill_SOURCES = %reldir%/test_kill.c $(robust_common)
%canon_reldir%_test_kill_CFLAGS = $(TEST_CFLAGS) $(ZLIB_CFLAGS)
%canon_reldir%_test_kill_LDADD = $(robust_libs)

%canon_reldir%_test_live_SOURCES = %reldir%/test_live.c $(robust_common)
%canon_reldir%_test_live_CFLAGS = $(TEST_CFLAGS) $(ZLIB_CFLAGS)
%canon_reldir%_test_live_LDADD = $(robust_libs)

%canon_reldir%_test_limits_SOURCES = %reldir%/test_limits.c $(robust_common)
%canon_reldir%_test_limits_CFLAGS = $(TEST_CFLAGS) $(ZLIB_CFLAGS)
%canon_reldir%_test_limits_LDADD = $(robust_libs)

# make check-valgrind: the server integration test under valgrind memcheck (valgrind.sh).
EXTRA_DIST += %reldir%/valgrind.sh
check-valgrind: trawl tests/protocol/test_serve tests/fuzz/replay_request
	$(AM_V_at)top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
	  SAN_FLAGS='$(SAN_FLAGS)' $(SHELL) $(srcdir)/%reldir%/valgrind.sh
.PHONY: check-valgrind
