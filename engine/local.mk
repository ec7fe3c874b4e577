# engine/local.mk: libtrawl, trawl's C API over Xapian. Built once as a convenience
# library (linked by the trawl program and the tests, which also reach internal headers)
# and installed as libtrawl (shared and static) exporting only the trawl_ names.

noinst_LTLIBRARIES += libtrawlcore.la
libtrawlcore_la_SOURCES = \
	%reldir%/trawl.h \
	%reldir%/status.h \
	%reldir%/status.c \
	%reldir%/article.h \
	%reldir%/article.c \
	%reldir%/snippet.h \
	%reldir%/snippet.c \
	%reldir%/store.h \
	%reldir%/store.c \
	%reldir%/store_dict.h \
	%reldir%/store_dict.c \
	%reldir%/shim.h \
	%reldir%/xapian.cc \
	%reldir%/rank.h \
	%reldir%/rank.cc \
	%reldir%/records.h \
	%reldir%/records.cc \
	%reldir%/db_debug.h \
	%reldir%/prepare.h \
	%reldir%/prepare.c \
	%reldir%/db.c
libtrawlcore_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(ZLIB_CFLAGS) $(DEFLATE_CFLAGS)
libtrawlcore_la_CXXFLAGS = $(AM_CXXFLAGS) $(XAPIAN_CFLAGS) $(JANSSON_CFLAGS) -pthread

lib_LTLIBRARIES += libtrawl.la
include_HEADERS += %reldir%/trawl.h
libtrawl_la_SOURCES =
nodist_EXTRA_libtrawl_la_SOURCES = %reldir%/dummy.cxx
libtrawl_la_LIBADD = libtrawlcore.la $(XAPIAN_LIBS) $(ZLIB_LIBS) $(DEFLATE_LIBS) $(JANSSON_LIBS) \
	-lpthread
# libtool's -export-symbols-regex alone does not hide symbols when linking with g++
# (it only trims the static symbol table), so a version script does the hiding.
libtrawl_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0 -export-symbols-regex '^trawl_' \
	-Wl,--version-script=$(srcdir)/%reldir%/libtrawl.map
EXTRA_libtrawl_la_DEPENDENCIES = %reldir%/libtrawl.map
EXTRA_DIST += %reldir%/libtrawl.map %reldir%/gen-dict.py
