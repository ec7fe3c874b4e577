# tests/index/local.mk: tests of index/ and of `trawl index`: one cmocka program per
# reader (JSON Lines, plain text, gzip-aware input, directory walk) and shell tests that
# run the trawl program end to end.

index_tests = \
	%reldir%/test_jsonl \
	%reldir%/test_text \
	%reldir%/test_source \
	%reldir%/test_walk \
	%reldir%/test_indexer \
	%reldir%/test_writer \
	%reldir%/test_shards
check_PROGRAMS += $(index_tests)
TESTS += $(index_tests)

%canon_reldir%_test_jsonl_SOURCES = %reldir%/test_jsonl.c
%canon_reldir%_test_jsonl_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_jsonl_LDADD = $(TEST_LIBS) $(APP_LIBS)

%canon_reldir%_test_text_SOURCES = %reldir%/test_text.c
%canon_reldir%_test_text_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_text_LDADD = $(TEST_LIBS) $(APP_LIBS)

%canon_reldir%_test_source_SOURCES = %reldir%/test_source.c
%canon_reldir%_test_source_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_source_LDADD = $(TEST_LIBS) $(APP_LIBS)

%canon_reldir%_test_walk_SOURCES = %reldir%/test_walk.c
%canon_reldir%_test_walk_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_walk_LDADD = $(TEST_LIBS) $(APP_LIBS)

%canon_reldir%_test_indexer_SOURCES = %reldir%/test_indexer.c
%canon_reldir%_test_indexer_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_indexer_LDADD = $(TEST_LIBS) $(APP_LIBS)

%canon_reldir%_test_writer_SOURCES = %reldir%/test_writer.c
%canon_reldir%_test_writer_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_writer_LDADD = $(TEST_LIBS) $(APP_LIBS)

%canon_reldir%_test_shards_SOURCES = %reldir%/test_shards.c
%canon_reldir%_test_shards_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_shards_LDADD = $(TEST_LIBS) $(APP_LIBS)

# End to end, through the trawl program ($TRAWL_BIN); reuters.sh needs $TRAWL_SHARED.
index_shell_tests = %reldir%/index.sh %reldir%/jobs.sh %reldir%/reuters.sh
dist_check_SCRIPTS += $(index_shell_tests)
TESTS += $(index_shell_tests)
