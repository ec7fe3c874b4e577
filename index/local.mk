# index/local.mk: the article readers (JSON Lines, plain text, gzip-aware input, the
# directory walk) and the indexing loop behind `trawl index`, all in libtrawlapp.la so the
# trawl program, the tests and the fuzzers link the same code. The `trawl index`
# subcommand itself (cli/cmd_index.c) is listed here, beside the code it drives.

libtrawlapp_la_SOURCES += \
	%reldir%/jsonl.h %reldir%/jsonl.c \
	%reldir%/text.h %reldir%/text.c \
	%reldir%/source.h %reldir%/source.c \
	%reldir%/walk.h %reldir%/walk.c \
	%reldir%/progress.h %reldir%/progress.c \
	%reldir%/indexer.h %reldir%/indexer.c \
	%reldir%/shards.h %reldir%/shards.c \
	%reldir%/writer.h %reldir%/writer.c \
	cli/cmd_index.c

# index/shards.c and index/writer.c run threads.
libtrawlapp_la_CFLAGS += -pthread
APP_LIBS += -lpthread
