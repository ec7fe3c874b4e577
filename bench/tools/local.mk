# bench/tools/local.mk: measurement tools for trawl's own design choices, built on demand
# only (EXTRA_PROGRAMS, not by `make`). Included from Makefile.am after bench/local.mk,
# which starts EXTRA_PROGRAMS.

# The store placement measurement behind doc/store.md: make bench/tools/store-placement
EXTRA_PROGRAMS += %reldir%/store-placement
%canon_reldir%_store_placement_SOURCES = %reldir%/store-placement.cc
%canon_reldir%_store_placement_CXXFLAGS = $(AM_CXXFLAGS) $(XAPIAN_CFLAGS) $(JANSSON_CFLAGS) $(ZLIB_CFLAGS)
%canon_reldir%_store_placement_LDADD = $(ENGINE_LIBS)

# zlib vs libdeflate decoding every record of a database: make bench/tools/store-decode
EXTRA_PROGRAMS += %reldir%/store-decode
%canon_reldir%_store_decode_SOURCES = %reldir%/store-decode.cc
%canon_reldir%_store_decode_CXXFLAGS = $(AM_CXXFLAGS) $(XAPIAN_CFLAGS) $(ZLIB_CFLAGS)
%canon_reldir%_store_decode_LDADD = $(ENGINE_LIBS)
