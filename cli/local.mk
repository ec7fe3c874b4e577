# cli/local.mk: the `trawl` program. cli/main.c alone is the program (the subcommand
# table); the subcommands and their shared helpers go into libtrawlapp.la, so tests and
# fuzzers link the same code. cmd_index.c and cmd_serve.c are listed by index/local.mk and
# protocol/local.mk, beside the code they drive.

bin_PROGRAMS += trawl
trawl_SOURCES = %reldir%/main.c
trawl_LDADD = $(APP_LIBS)

libtrawlapp_la_SOURCES += \
	%reldir%/common.h %reldir%/common.c \
	%reldir%/cmd_search.c \
	%reldir%/cmd_get.c \
	%reldir%/cmd_stats.c \
	%reldir%/cmd_delete.c
