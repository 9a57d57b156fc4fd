/* utf8.h — checking and repairing UTF-8 in strings that came from outside (query parameters, headers,
 * --set values) before they go into JSON answers or YAML output, which must stay well-formed.
 *
 * Ownership: pf_utf8_sanitize returns a new string the caller frees. */
#ifndef PF_UTF8_H
#define PF_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1-4) of the well-formed UTF-8 sequence at s, reading at most `avail` bytes; 0 when s does
 * not start one (stray continuation byte, overlong form, surrogate, above U+10FFFF, truncated). */
size_t pf_utf8_seq_len(const unsigned char *s, size_t avail);
/* The code point of a well-formed sequence of n bytes (n from pf_utf8_seq_len). */
uint32_t pf_utf8_decode(const unsigned char *s, size_t n);
/* True when the NUL-terminated s is entirely well-formed UTF-8. */
bool pf_utf8_valid(const char *s);
/* A copy of s with every byte that is not part of a well-formed sequence replaced by U+FFFD. */
char *pf_utf8_sanitize(const char *s);

#endif
