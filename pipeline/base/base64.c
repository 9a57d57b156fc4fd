/* base64.c — RFC 4648 base64 (see base64.h). */
#include "pipeline/base/base64.h"

static const char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void pf_base64_append(pf_buf *out, const uint8_t *data, size_t len)
{
    pf_buf_reserve(out, (len + 2) / 3 * 4);
    char *w = out->data + out->len;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        *w++ = base64_alphabet[v >> 18];
        *w++ = base64_alphabet[(v >> 12) & 63];
        *w++ = base64_alphabet[(v >> 6) & 63];
        *w++ = base64_alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < len ? (uint32_t)data[i + 1] << 8 : 0);
        *w++ = base64_alphabet[v >> 18];
        *w++ = base64_alphabet[(v >> 12) & 63];
        *w++ = i + 1 < len ? base64_alphabet[(v >> 6) & 63] : '=';
        *w++ = '=';
    }
    out->len = (size_t)(w - out->data);
    out->data[out->len] = '\0';
}

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

bool pf_base64_decode(const char *s, size_t len, uint8_t *out, size_t *out_len)
{
    while (len > 0 && s[len - 1] == '=') len--;
    if (len % 4 == 1) return false;
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int v = base64_value(s[i]);
        if (v < 0) return false;
        acc = ((acc << 6) | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    *out_len = n;
    return true;
}
