/*
 * test_eval.c: cmocka tests of bench/eval.c's query neutraliser, which turns a test
 * collection's free-text query into plain terms for `trawl serve` (so no query of
 * `trawl-bench eval` can be a syntax error or an operator). The end-to-end run of
 * `trawl-bench eval` on a tiny collection is tests/bench/eval.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/eval.h"

static void test_neutralise(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"oil prices", "oil prices "},
        {"\"oil prices\"", " oil prices  "},                   /* no phrase */
        {"title:oil (gas OR coal)", "title oil  gas or coal  "}, /* no field, no operator */
        {"war AND peace NOT XOR NEAR ADJ", "war and peace not xor near adj "},
        {"re-entry", "re entry "},                              /* no hyphen phrase */
        {"speed-", "speed  "},                                 /* trailing '-' */
        {"-gas +oil", " gas  oil "},                           /* no love/hate */
        {"wing*", "wing  "},                                   /* no wildcard */
        {"date:1987-03-01..1987-03-31", "date 1987 03 01  1987 03 31 "},
        {"what's DDC's", "what s ddc s "},
        {"", " "},
        {"Übersicht Straße", "übersicht straße "},             /* UTF-8 letters kept */
        {"caf\xc3\xa9\xe2\x80\x9cquoted\xe2\x80\x9d", "café quoted  "}, /* curly quotes */
        {"bad\xff\xfe" "bytes", "bad  bytes "},                   /* invalid UTF-8 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = bench_eval_neutralise(cases[i].in);
        assert_non_null(got);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: '%s' gave '%s', want '%s'", i, cases[i].in, got,
                     cases[i].want);
        free(got);
    }
}

int main(void)
{
    if (!setlocale(LC_CTYPE, "C.UTF-8")) {
        /* The neutraliser classifies letters with the C library's UTF-8 tables. */
        puts("test_eval: the C.UTF-8 locale is missing: skipped");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_neutralise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
