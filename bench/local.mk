# bench/local.mk: (to be filled in)
