/*
 * fuzz_text.c: libFuzzer target for the plain-text article reader (index/text.c): the
 * input is one file's bytes. Checked: the reader accepts exactly the inputs that are
 * well-formed UTF-8 without NUL and with some text (its UTF-8 check agrees with the
 * protocol's, protocol/text.c); an accepted article has the given id, a trimmed title,
 * and reads back unchanged through its JSON; a refused one says why. Built by
 * tests/fuzz/local.mk as fuzz_text and replay_text (for `make check`).
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "index/text.h"
#include "protocol/text.h"
#include "trawl.h"

#define ID "dir/file.txt"

/* The white space index/text.c trims. */
static int space(char c)
{
    return c && strchr(" \t\r\n\f\v", c) != NULL;
}

static void check_article(const trawl_article *a)
{
    FUZZ_CHECK(strcmp(trawl_article_id(a), ID) == 0, "the id is the caller's");
    const char *title = trawl_article_get(a, "title");
    if (title) {
        size_t n = strlen(title);
        FUZZ_CHECK(n > 0, "no empty title");
        FUZZ_CHECK(!space(title[0]) && !space(title[n - 1]) && !strchr(title, '\n'),
                   "the title is one trimmed line");
    }
    FUZZ_CHECK(trawl_article_get(a, "date") == NULL, "plain text has no date");
    char *json = NULL, *again = NULL, *msg = NULL;
    trawl_article *b = NULL;
    FUZZ_CHECK(trawl_article_to_json(a, &json) == TRAWL_OK, "to_json");
    FUZZ_CHECK(trawl_article_from_json(json, strlen(json), &b, &msg) == TRAWL_OK, msg);
    FUZZ_CHECK(trawl_article_to_json(b, &again) == TRAWL_OK, "to_json again");
    FUZZ_CHECK(strcmp(json, again) == 0, "the article's JSON reads back unchanged");
    trawl_article_free(b);
    free(json);
    free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    size_t bad = text_utf8_check(p, size);
    FUZZ_CHECK(bad <= size, "text_utf8_check stays in range");
    FUZZ_CHECK((bad == size) == (text_utf8_valid(p, size) != 0),
               "the two UTF-8 checks agree");

    trawl_article *a = NULL;
    char *msg = NULL;
    trawl_status st = text_to_article(ID, p, size, &a, &msg);
    if (st == TRAWL_OK) {
        FUZZ_CHECK(bad == size && !memchr(p, '\0', size), "only UTF-8 text is accepted");
        check_article(a);
    } else {
        FUZZ_CHECK(st == TRAWL_EINVAL, "a refusal is EINVAL (no ENOMEM here)");
        FUZZ_CHECK(a == NULL && msg && *msg, "a refused file says why");
    }
    trawl_article_free(a);
    free(msg);
    return 0;
}
