/*
 * text.h: small string helpers shared by the protocol code and the formatters: UTF-8
 * validation and repair, the text-mode field escaping, scrubbing of error messages, and
 * the conversion of UTF-8 byte offsets to code-point offsets. No I/O, no allocation except
 * where said.
 */
#ifndef TRAWL_PROTOCOL_TEXT_H
#define TRAWL_PROTOCOL_TEXT_H

#include <stddef.h>
#include "protocol/buf.h"

/* Nonzero when s[0..len) is well-formed UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF). NUL bytes are well-formed here; callers that refuse them check apart. */
int text_utf8_valid(const char *s, size_t len);

/* Appends s[0..len) to b with every ill-formed UTF-8 sequence replaced by U+FFFD. */
void text_utf8_repair(struct buf *b, const char *s, size_t len);

/* Appends s[0..len) as one text-mode field: tab, CR, LF and backslash become the two
 * characters \t, \r, \n and \\; every other byte is copied. */
void text_escape(struct buf *b, const char *s, size_t len);

/* Appends a message for a status line or a JSON "message": every control character
 * (CR and LF included) becomes a space, ill-formed UTF-8 becomes U+FFFD, and the result
 * is cut at `max` bytes (on a character boundary) with "..." appended. */
void text_scrub(struct buf *b, const char *msg, size_t max);

/* Appends s[0..len) as a JSON string literal, byte for byte what jansson's dump writes
 * for the same string with JSON_COMPACT: UTF-8 kept as it is, '"' and '\\' escaped,
 * \b \f \n \r \t short, other control characters as \u00XX; ill-formed UTF-8 becomes
 * U+FFFD. Used by the fast search-response writer in format.c. */
void text_json_string(struct buf *b, const char *s, size_t len);

/* Appends a JSON number for a real the way jansson's dump writes it with
 * JSON_REAL_PRECISION(precision): "%.*g", ".0" added when there is neither '.' nor 'e',
 * no '+' and no leading zeros in the exponent. A NaN or an infinity is written as 0.0. */
void text_json_real(struct buf *b, double v, int precision);

/* The number of code points in s[0..byte_offset), counting each byte that does not
 * continue a sequence; byte_offset is clamped to len. */
size_t text_chars_before(const char *s, size_t len, size_t byte_offset);

#endif
