/*
 * fuzz_request.c: libFuzzer target for the whole request path of `trawl serve` minus the
 * transport: the input is a stream of request lines, split by the server's own bounded
 * line splitter (protocol/lines.c, limit FUZZ_MAX_LINE so the over-long path is reached),
 * each parsed by protocol/request.c and answered by protocol/dispatch.c against a small
 * real database (fuzz_db.c), with the articles' bodies preloaded as `trawl serve` holds
 * them. Every response must be exactly one well-formed response in the request's format. Built by tests/fuzz/local.mk as fuzz_request (with libFuzzer) and
 * replay_request (for `make check`).
 */
#include "tests/fuzz/fuzz.h"

#include <string.h>

#include "protocol/buf.h"
#include "protocol/dispatch.h"
#include "protocol/lines.h"
#include "protocol/request.h"
#include "protocol/serve.h"

#define FUZZ_MAX_LINE 2048
#define FUZZ_MAX_REQUESTS 32 /* answered per input; later lines are only split */

static struct dispatch disp;
static int ready;

struct run {
    struct buf out;
    unsigned answered;
};

/* Checks that out holds exactly one response, in JSON when json is nonzero. */
static void check_one(const struct buf *out, int json)
{
    FUZZ_CHECK(out->len > 0, "every non-blank line gets a response");
    FUZZ_CHECK((out->data[0] == '{') == (json != 0), "the response format follows the request");
    FUZZ_CHECK(fuzz_check_responses(out->data, out->len) == 1, "exactly one response a line");
}

static int on_line(void *ctx, const char *line, size_t len, int too_large, int json)
{
    struct run *run = ctx;
    if (run->answered >= FUZZ_MAX_REQUESTS)
        return 0;
    buf_reset(&run->out);
    if (too_large) {
        struct request r;
        request_fail(&r, json, ERR_TOO_LARGE, "the request line is too long");
        dispatch_answer(&disp, &r, 0, &run->out);
        request_clear(&r);
    } else {
        FUZZ_CHECK(len <= FUZZ_MAX_LINE, "the splitter keeps to its limit");
        FUZZ_CHECK(memchr(line, '\n', len) == NULL, "a line holds no LF");
        if (request_is_blank(line, len)) {
            dispatch_line(&disp, line, len, &run->out);
            FUZZ_CHECK(run->out.len == 0, "a blank line gets no response");
            return 0;
        }
        json = request_is_json(line, len);
        dispatch_line(&disp, line, len, &run->out);
    }
    check_one(&run->out, json);
    dispatch_release(&disp);
    disp.quit = 0; /* a quit ends a real server; here the next line is still answered */
    run->answered++;
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (dispatch_init(&disp, fuzz_db_path()) != 0)
        fuzz_fail(__FILE__, __LINE__, "dispatch_init", "out of memory");
    disp.preload = SERVE_DEFAULT_PRELOAD_MIB << 20; /* as trawl serve: bodies held in memory */
    ready = 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        LLVMFuzzerInitialize(NULL, NULL);
    struct run run = {BUF_INIT, 0};
    struct lines l;
    lines_init(&l, FUZZ_MAX_LINE);
    /* Fed in two pieces at a point the input chooses, as read(2) might split it. */
    size_t cut = size ? data[0] % (size + 1) : 0;
    const char *p = (const char *)data;
    FUZZ_CHECK(lines_feed(&l, p, cut, on_line, &run) == 0, "lines_feed");
    FUZZ_CHECK(lines_feed(&l, p + cut, size - cut, on_line, &run) == 0, "lines_feed");
    FUZZ_CHECK(lines_finish(&l, on_line, &run) == 0, "lines_finish");
    lines_free(&l);
    buf_free(&run.out);
    return 0;
}
