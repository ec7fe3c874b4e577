# tests/engine/local.mk: (to be filled in)
