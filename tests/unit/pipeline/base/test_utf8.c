/* test_utf8.c — pipeline/base/utf8.h: well-formed sequences are recognised (1 to 4 bytes), malformed ones
 * (stray continuation bytes, overlong forms, surrogates, above U+10FFFF, truncated) are not, and
 * pf_utf8_sanitize replaces exactly the bad bytes with U+FFFD. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pipeline/base/utf8.h"

static void test_sequence_lengths(void **state)
{
    (void)state;
    assert_int_equal(pf_utf8_seq_len((const unsigned char *)"a", 1), 1);
    assert_int_equal(pf_utf8_seq_len((const unsigned char *)"\xc3\xa9", 2), 2);         /* é */
    assert_int_equal(pf_utf8_seq_len((const unsigned char *)"\xe2\x82\xac", 3), 3);     /* € */
    assert_int_equal(pf_utf8_seq_len((const unsigned char *)"\xf0\x9f\x94\xa5", 4), 4); /* U+1F525 */
    assert_int_equal(pf_utf8_decode((const unsigned char *)"\xe2\x82\xac", 3), 0x20ac);
    assert_int_equal(pf_utf8_seq_len((const unsigned char *)"\x80", 1), 0);             /* continuation */
    assert_int_equal(pf_utf8_seq_len((const unsigned char *)"\xc0\xaf", 2), 0);         /* overlong '/' */
    assert_int_equal(pf_utf8_seq_len((const unsigned char *)"\xe0\x80\xaf", 3), 0);     /* overlong */
    assert_int_equal(pf_utf8_seq_len((const unsigned char *)"\xed\xa0\x80", 3), 0);     /* surrogate */
    assert_int_equal(pf_utf8_seq_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
    assert_int_equal(pf_utf8_seq_len((const unsigned char *)"\xe2\x82", 2), 0);         /* truncated */
    assert_int_equal(pf_utf8_seq_len((const unsigned char *)"\xe2\x82\x00", 3), 0);     /* NUL ends it */
    assert_int_equal(pf_utf8_seq_len((const unsigned char *)"", 0), 0);
}

static void test_valid_and_sanitize(void **state)
{
    (void)state;
    assert_true(pf_utf8_valid(""));
    assert_true(pf_utf8_valid("sampling/caf\xc3\xa9"));
    assert_false(pf_utf8_valid("sam\xb1pling"));
    char *s = pf_utf8_sanitize("a\xb1"
                               "b\xe2\x82"
                               "c\xe2\x82\xac");
    assert_string_equal(s, "a\xef\xbf\xbd"
                           "b\xef\xbf\xbd\xef\xbf\xbd"
                           "c\xe2\x82\xac");
    assert_true(pf_utf8_valid(s));
    free(s);
    s = pf_utf8_sanitize("");
    assert_string_equal(s, "");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequence_lengths),
        cmocka_unit_test(test_valid_and_sanitize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
