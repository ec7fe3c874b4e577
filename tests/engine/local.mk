# tests/engine/local.mk: cmocka tests of libtrawl (engine/), one program per module, and
# a check that libtrawl.so exports exactly the functions declared in trawl.h.

ENGINE_TESTS = \
	%reldir%/test_article \
	%reldir%/test_snippet \
	%reldir%/test_snippet_quality \
	%reldir%/test_store \
	%reldir%/test_db \
	%reldir%/test_search \
	%reldir%/test_rank \
	%reldir%/test_prepare \
	%reldir%/test_merge \
	%reldir%/test_preload
check_PROGRAMS += $(ENGINE_TESTS)
TESTS += $(ENGINE_TESTS) %reldir%/test_symbols.sh
EXTRA_DIST += %reldir%/test_symbols.sh

%canon_reldir%_test_article_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_article_LDADD = $(TEST_LIBS) $(ENGINE_LIBS)
%canon_reldir%_test_snippet_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_snippet_LDADD = $(TEST_LIBS) $(ENGINE_LIBS)
%canon_reldir%_test_snippet_quality_SOURCES = %reldir%/test_snippet_quality.c %reldir%/reuters.c %reldir%/reuters.h
%canon_reldir%_test_snippet_quality_CFLAGS = $(TEST_CFLAGS) $(ZLIB_CFLAGS)
%canon_reldir%_test_snippet_quality_LDADD = $(TEST_LIBS) $(ENGINE_LIBS)
%canon_reldir%_test_store_CFLAGS = $(TEST_CFLAGS) $(ZLIB_CFLAGS)
%canon_reldir%_test_store_LDADD = $(TEST_LIBS) $(ENGINE_LIBS)
%canon_reldir%_test_db_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_db_LDADD = $(TEST_LIBS) $(ENGINE_LIBS)
%canon_reldir%_test_search_SOURCES = %reldir%/test_search.c %reldir%/reuters.c %reldir%/reuters.h
%canon_reldir%_test_search_CFLAGS = $(TEST_CFLAGS) $(ZLIB_CFLAGS)
%canon_reldir%_test_search_LDADD = $(TEST_LIBS) $(ENGINE_LIBS)
%canon_reldir%_test_rank_SOURCES = %reldir%/test_rank.c %reldir%/reuters.c %reldir%/reuters.h
%canon_reldir%_test_rank_CFLAGS = $(TEST_CFLAGS) $(ZLIB_CFLAGS)
%canon_reldir%_test_rank_LDADD = $(TEST_LIBS) $(ENGINE_LIBS)
%canon_reldir%_test_prepare_CFLAGS = $(TEST_CFLAGS) -pthread
%canon_reldir%_test_prepare_LDADD = $(TEST_LIBS) $(ENGINE_LIBS) -lpthread
%canon_reldir%_test_merge_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_merge_LDADD = $(TEST_LIBS) $(ENGINE_LIBS)
%canon_reldir%_test_preload_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_preload_LDADD = $(TEST_LIBS) $(ENGINE_LIBS)
