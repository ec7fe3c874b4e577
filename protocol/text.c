/*
 * text.c: UTF-8 and escaping helpers declared in text.h, used by request.c (validating
 * text commands), response.c (error messages) and format.c (hit fields and highlights).
 */
#include "protocol/text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 when it is ill-formed
 * (following the table of well-formed byte sequences in the Unicode standard, 3.9). */
static size_t seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlong forms */
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return need;
}

int text_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = seq_len(p + i, len - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

void text_utf8_repair(struct buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, start = 0;
    while (i < len) {
        size_t k = p[i] < 0x80 ? 1 : seq_len(p + i, len - i);
        if (k > 0) {
            i += k;
            continue;
        }
        buf_add(b, s + start, i - start);
        buf_adds(b, "\xEF\xBF\xBD"); /* U+FFFD */
        start = ++i;
    }
    buf_add(b, s + start, i - start);
}

void text_escape(struct buf *b, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *esc;
        switch (s[i]) {
        case '\t': esc = "\\t"; break;
        case '\r': esc = "\\r"; break;
        case '\n': esc = "\\n"; break;
        case '\\': esc = "\\\\"; break;
        default: continue;
        }
        buf_add(b, s + start, i - start);
        buf_add(b, esc, 2);
        start = i + 1;
    }
    buf_add(b, s + start, len - start);
}

void text_scrub(struct buf *b, const char *msg, size_t max)
{
    const unsigned char *p = (const unsigned char *)msg;
    size_t len = strlen(msg), used = 0, i = 0;
    while (i < len) {
        size_t k = p[i] < 0x80 ? 1 : seq_len(p + i, len - i);
        size_t out = k ? k : 3; /* an ill-formed byte becomes U+FFFD */
        if (used + out > max) {
            buf_adds(b, "...");
            return;
        }
        if (k == 0) {
            buf_adds(b, "\xEF\xBF\xBD");
            k = 1;
        } else if (k == 1 && (p[i] < 0x20 || p[i] == 0x7F)) {
            buf_addc(b, ' ');
        } else {
            buf_add(b, msg + i, k);
        }
        used += out;
        i += k;
    }
}

size_t text_chars_before(const char *s, size_t len, size_t byte_offset)
{
    if (byte_offset > len)
        byte_offset = len;
    size_t n = 0;
    for (size_t i = 0; i < byte_offset; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

/* Whether any of the 8 bytes at p needs a closer look from text_json_string: a control
 * character, '"', '\\' or a byte >= 0x80 (the classic "has a byte less than n" and "has a
 * zero byte" bit tricks, exact for the question "any?"). */
static int special8(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t x, q, bs;
    memcpy(&x, p, 8);
    q = x ^ (ones * '"');
    bs = x ^ (ones * '\\');
    return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((bs - ones) & ~bs) | x) & highs ? 1
                                                                                          : 0;
}

void text_json_string(struct buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, start = 0;
    buf_addc(b, '"');
    while (i < len) {
        while (i + 8 <= len && !special8(p + i))
            i += 8; /* plain ASCII, copied with the rest of the run */
        if (i >= len)
            break;
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t k = seq_len(p + i, len - i);
            if (k > 0) {
                i += k;
                continue;
            }
            buf_add(b, s + start, i - start);
            buf_adds(b, "\xEF\xBF\xBD"); /* U+FFFD */
            start = ++i;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        buf_add(b, s + start, i - start);
        switch (c) {
        case '"': buf_adds(b, "\\\""); break;
        case '\\': buf_adds(b, "\\\\"); break;
        case '\b': buf_adds(b, "\\b"); break;
        case '\f': buf_adds(b, "\\f"); break;
        case '\n': buf_adds(b, "\\n"); break;
        case '\r': buf_adds(b, "\\r"); break;
        case '\t': buf_adds(b, "\\t"); break;
        default: buf_printf(b, "\\u%04X", c); break;
        }
        start = ++i;
    }
    buf_add(b, s + start, len - start);
    buf_addc(b, '"');
}

void text_json_real(struct buf *b, double v, int precision)
{
    char num[64];
    if (!isfinite(v))
        v = 0.0;
    int n = snprintf(num, sizeof num, "%.*g", precision, v);
    if (n < 0 || (size_t)n >= sizeof num - 3) {
        buf_adds(b, "0.0");
        return;
    }
    if (!strchr(num, '.') && !strchr(num, 'e')) {
        memcpy(num + n, ".0", 3);
        n += 2;
    }
    char *e = strchr(num, 'e');
    if (e) { /* "1e+05" -> "1e5", "1e-05" -> "1e-5" */
        char *from = e + 1, *to = e + 1;
        if (*from == '+')
            from++;
        else if (*from == '-')
            from = ++to;
        while (*from == '0' && from[1])
            from++;
        memmove(to, from, strlen(from) + 1);
    }
    buf_adds(b, num);
}
