/*
 * progress.c: the progress line and summary of `trawl index` (see progress.h). The line
 * is redrawn in place with a carriage return and an erase-to-end-of-line escape, which is
 * why it is only drawn on a terminal. Called by index/indexer.c and cli/cmd_index.c.
 */
#include <time.h>

#include "index/progress.h"

#define MB 1e6 /* megabytes as in "MB": 10^6 bytes */
#define REDRAW_SECONDS 0.25

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_start(progress *p, FILE *out)
{
    p->out = out;
    p->start = progress_now();
    p->last = 0;
    p->drawn = 0;
}

void progress_update(progress *p, uint64_t articles, uint64_t bytes, int64_t done,
                     int64_t total, int force)
{
    if (!p->out)
        return;
    double now = progress_now();
    if (!force && now - p->last < REDRAW_SECONDS)
        return;
    p->last = now;
    double secs = now - p->start;
    double rate = secs > 0 ? (double)articles / secs : 0;
    fprintf(p->out, "\rtrawl: index: %llu articles, %.1f MB, %.0f articles/s",
            (unsigned long long)articles, (double)bytes / MB, rate);
    if (total > 0 && done >= 0 && done <= total) {
        double frac = (double)done / (double)total;
        fprintf(p->out, ", %.0f%%", 100 * frac);
        if (frac > 0.01)
            fprintf(p->out, ", %.0f s left", secs / frac - secs);
    }
    fputs("\033[K", p->out);
    fflush(p->out);
    p->drawn = 1;
}

void progress_clear(progress *p)
{
    if (!p->out || !p->drawn)
        return;
    fputs("\r\033[K", p->out);
    fflush(p->out);
    p->drawn = 0;
}

void progress_summary(FILE *out, uint64_t added, uint64_t replaced, uint64_t skipped,
                      uint64_t bytes, double seconds, int64_t store_bytes, int64_t db_bytes)
{
    uint64_t n = added + replaced;
    fprintf(out, "trawl: indexed %llu article%s (%llu added, %llu replaced, %llu skipped) "
                 "from %.1f MB in %.1f s",
            (unsigned long long)n, n == 1 ? "" : "s", (unsigned long long)added,
            (unsigned long long)replaced, (unsigned long long)skipped, (double)bytes / MB,
            seconds);
    if (store_bytes >= 0)
        fprintf(out, "; store %.1f MB, database %.1f MB", (double)store_bytes / MB,
                (double)db_bytes / MB);
    fputc('\n', out);
}
