# tests/robust/local.mk: the crash-safety, concurrency and limits tests of issue 6 that
# run whole `trawl` processes (index, serve) against each other.
