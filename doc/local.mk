# doc/local.mk: (to be filled in)
