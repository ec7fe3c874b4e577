/*
 * eval.h: `trawl-bench eval`, ranking quality on test collections with relevance
 * judgments (bench/eval.c). Dispatched from bench/main.c; `make eval` runs it on every
 * collection under ../shared/eval/ through bench/tools/eval-results.sh.
 */
#ifndef TRAWL_BENCH_EVAL_H
#define TRAWL_BENCH_EVAL_H

#include <stddef.h>

/* The subcommand: argv[0] is "eval". Returns a bench exit status (0 ok, 1 failed, 2 usage). */
int bench_eval_main(int argc, char **argv);

/*
 * Turns free text into plain query terms for trawl's query parser, so that no query can
 * be a syntax error or mean anything but an OR of its words: every character that is not
 * a letter or digit (quotes, colons, parentheses, '+', '-', '*', '..', ...) becomes a
 * space, letters are lower-cased (so AND, OR, NOT, XOR, NEAR are plain words) and a space
 * is appended (so the last word is never a partial word). Letters and digits are those
 * of the current LC_CTYPE locale (bench_eval_main selects C.UTF-8); bytes that are not
 * valid in it become spaces. Returns a string the caller frees, or NULL when out of
 * memory.
 */
char *bench_eval_neutralise(const char *text);

#endif
