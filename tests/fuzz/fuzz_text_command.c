/*
 * fuzz_text_command.c: libFuzzer target for the text commands of `trawl serve` (`search
 * QUERY`, `get DOC`, `stats`, ...): the input, up to its first LF, is one request line
 * that is not JSON; protocol/request.c parses it (its result must be consistent: an op or
 * an error with a message, arguments trimmed and non-empty) and protocol/dispatch.c
 * answers it against the small real database of fuzz_db.c in text mode, which must give
 * exactly one well-formed text response. Built by tests/fuzz/local.mk as
 * fuzz_text_command (with libFuzzer) and replay_text_command (for `make check`).
 */
#include "tests/fuzz/fuzz.h"

#include <string.h>

#include "protocol/buf.h"
#include "protocol/dispatch.h"
#include "protocol/request.h"

static struct dispatch disp;
static int ready;

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* A trimmed, non-empty argument without NUL. */
static void check_arg(const char *s, const char *what)
{
    FUZZ_CHECK(s != NULL, what);
    size_t n = strlen(s);
    FUZZ_CHECK(n > 0 && !blank(s[0]) && !blank(s[n - 1]), what);
}

static void check_request(const struct request *r)
{
    FUZZ_CHECK(r->json == 0, "a line not starting with '{' is a text command");
    FUZZ_CHECK(r->id == NULL, "text commands have no id");
    if (r->op == REQ_NONE) {
        FUZZ_CHECK(r->err != ERR_NONE && r->errmsg != NULL, "a failed parse says why");
        return;
    }
    FUZZ_CHECK(r->err == ERR_NONE && r->errmsg == NULL, "a parsed request has no error");
    FUZZ_CHECK(r->op != REQ_CANCEL, "cancel is JSON only");
    if (r->op == REQ_SEARCH) {
        check_arg(r->q, "search has a trimmed query");
        FUZZ_CHECK(strlen(r->q) <= TRAWL_MAX_QUERY_BYTES, "query under its limit");
    } else if (r->op == REQ_GET) {
        check_arg(r->doc, "get has a trimmed id");
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (dispatch_init(&disp, fuzz_db_path()) != 0)
        fuzz_fail(__FILE__, __LINE__, "dispatch_init", "out of memory");
    ready = 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        LLVMFuzzerInitialize(NULL, NULL);
    const char *line = (const char *)data;
    const char *lf = memchr(line, '\n', size);
    size_t len = lf ? (size_t)(lf - line) : size;
    if (request_is_json(line, len) || request_is_blank(line, len))
        return 0; /* fuzz_request covers those */

    struct request r;
    request_parse(line, len, &r);
    check_request(&r);
    struct buf out = BUF_INIT;
    dispatch_answer(&disp, &r, 0, &out);
    FUZZ_CHECK(out.len > 0 && out.data[0] != '{', "a text command gets a text response");
    FUZZ_CHECK(fuzz_check_responses(out.data, out.len) == 1, "exactly one response");
    dispatch_release(&disp);
    disp.quit = 0;
    request_clear(&r);
    buf_free(&out);
    return 0;
}
