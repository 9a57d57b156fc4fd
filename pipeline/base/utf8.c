/* utf8.c — see utf8.h. */
#include "pipeline/base/utf8.h"

#include <string.h>

#include "pipeline/base/xalloc.h"

size_t pf_utf8_seq_len(const unsigned char *s, size_t avail)
{
    size_t n;
    uint32_t min;
    if (avail == 0) return 0;
    if (s[0] < 0x80) return 1;
    if ((s[0] & 0xe0) == 0xc0)
        n = 2, min = 0x80;
    else if ((s[0] & 0xf0) == 0xe0)
        n = 3, min = 0x800;
    else if ((s[0] & 0xf8) == 0xf0)
        n = 4, min = 0x10000;
    else
        return 0;
    if (n > avail) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    uint32_t cp = pf_utf8_decode(s, n);
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

uint32_t pf_utf8_decode(const unsigned char *s, size_t n)
{
    if (n <= 1) return s[0];
    uint32_t cp = s[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) cp = cp << 6 | (s[i] & 0x3f);
    return cp;
}

bool pf_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left) {
        size_t n = pf_utf8_seq_len(p, left);
        if (!n) return false;
        p += n;
        left -= n;
    }
    return true;
}

char *pf_utf8_sanitize(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    pf_buf out = {0};
    while (left) {
        size_t n = pf_utf8_seq_len(p, left);
        if (n)
            pf_buf_append(&out, p, n);
        else
            pf_buf_append(&out, "\xef\xbf\xbd", 3);
        n = n ? n : 1;
        p += n;
        left -= n;
    }
    pf_buf_append(&out, "", 0);
    pf_buf_reserve(&out, 0);
    return out.data ? out.data : pf_xstrdup("");
}
