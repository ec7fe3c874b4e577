/*
 * test_common.c: unit tests of cli/common.c, the helpers the trawl subcommands share:
 * strict number parsing (cli_parse_uint) and the database path rules (cli_db_path).
 * Run by `make check` (tests/cli/local.mk); table-driven, each failure names its case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"

static void test_parse_uint(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        unsigned long max;
        int ok;
        unsigned long want;
    } cases[] = {
        {"0", 10, 1, 0},
        {"7", 10, 1, 7},
        {"10", 10, 1, 10},
        {"11", 10, 0, 0},
        {"007", 10, 1, 7},
        {"1000", 1000, 1, 1000},
        {"18446744073709551615", (unsigned long)-1, 1, (unsigned long)-1},
        {"18446744073709551616", (unsigned long)-1, 0, 0}, /* ERANGE */
        {"99999999999999999999999", 1000, 0, 0},
        {"", 10, 0, 0},
        {"-1", 10, 0, 0},  /* strtoul would wrap it around */
        {"+1", 10, 0, 0},
        {" 1", 10, 0, 0},
        {"1 ", 10, 0, 0},
        {"1x", 10, 0, 0},
        {"0x10", 100, 0, 0},
        {"1e3", 10000, 0, 0},
        {"3.0", 10, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned long v = 12345;
        int rc = cli_parse_uint(cases[i].in, cases[i].max, &v);
        if ((rc == 0) != cases[i].ok || (cases[i].ok && v != cases[i].want))
            fail_msg("cli_parse_uint(\"%s\", %lu): rc %d value %lu", cases[i].in,
                     cases[i].max, rc, v);
        if (!cases[i].ok && v != 12345)
            fail_msg("cli_parse_uint(\"%s\") wrote its output on failure", cases[i].in);
    }
    unsigned long v;
    assert_int_equal(cli_parse_uint(NULL, 10, &v), -1);
}

/* Sets or (value NULL) unsets an environment variable. */
static void env(const char *name, const char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
}

static void test_db_path(void **state)
{
    (void)state;
    static const struct {
        const char *opt, *trawl_db, *xdg, *home;
        const char *want;
    } cases[] = {
        {"/opt/db", "/env/db", "/xdg", "/home/u", "/opt/db"},
        {"rel/db", NULL, NULL, "/home/u", "rel/db"},
        {NULL, "/env/db", "/xdg", "/home/u", "/env/db"},
        {NULL, "", "/xdg", "/home/u", "/xdg/trawl/db"},
        {NULL, NULL, "/xdg", "/home/u", "/xdg/trawl/db"},
        {NULL, NULL, "relative", "/home/u", "/home/u/.local/share/trawl/db"},
        {NULL, NULL, "", "/home/u", "/home/u/.local/share/trawl/db"},
        {NULL, NULL, NULL, "/home/u", "/home/u/.local/share/trawl/db"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        env("TRAWL_DB", cases[i].trawl_db);
        env("XDG_DATA_HOME", cases[i].xdg);
        env("HOME", cases[i].home);
        char *got = cli_db_path(cases[i].opt);
        if (!got || strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: cli_db_path gave '%s', want '%s'", i, got ? got : "(null)",
                     cases[i].want);
        free(got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_uint),
        cmocka_unit_test(test_db_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
