# cli/local.mk: (to be filled in)
