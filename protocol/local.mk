# protocol/local.mk: (to be filled in)
