/* fixture.h — unit tests' access to the files they read: the path of a file under $PROFLOW_FIXTURES
 * (tests/fixtures, set by tests/CMakeLists.txt) or under another directory named by an environment
 * variable, and a whole file read into a pf_buf. Whatever is missing fails the running cmocka test
 * with a message naming it (the variable that is not set, or the path that cannot be read).
 *
 * Header-only (static inline) because each unit test is its own executable; it includes what
 * <cmocka.h> needs before it, so it can come anywhere in a test's includes.
 * Ownership: the caller frees a path with free() and a pf_buf with pf_buf_free(). A buffer read here
 * is allocated to exactly its length plus the NUL pf_buf keeps, so ASan flags a decoder reading past
 * the end of a fixture. */
#ifndef TEST_FIXTURE_H
#define TEST_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pipeline/base/xalloc.h"
#include "tests/tools/tool_util.h"

/* `rel` under the directory named by environment variable `dir_env` (e.g. PROFLOW_SOURCE_DIR). */
static inline char *fixture_path_in(const char *dir_env, const char *rel)
{
    const char *dir = getenv(dir_env);
    if (!dir) fail_msg("%s is not set", dir_env);
    return pf_xasprintf("%s/%s", dir, rel);
}

/* `rel` under $PROFLOW_FIXTURES; the file need not exist. */
static inline char *fixture_path(const char *rel) { return fixture_path_in("PROFLOW_FIXTURES", rel); }

/* The whole file at `path`. */
static inline pf_buf fixture_read_path(const char *path)
{
    pf_buf b = {0};
    if (!tool_read_file(path, &b)) fail_msg("cannot read %s", path);
    b.cap = b.len + 1;
    b.data = pf_xrealloc(b.data, b.cap);
    b.data[b.len] = '\0';
    return b;
}

/* The whole file `rel` under $PROFLOW_FIXTURES. */
static inline pf_buf fixture_read(const char *rel)
{
    char *path = fixture_path(rel);
    pf_buf b = fixture_read_path(path);
    free(path);
    return b;
}

#endif
