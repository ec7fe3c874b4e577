# editors/local.mk: (to be filled in)
