# tests/index/local.mk: (to be filled in)
