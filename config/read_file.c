/* read_file.c — whole-file reads for config loading (node_build.h). Runs before the loop starts. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "config/node_build.h"
#include "pipeline/base/xalloc.h"

bool pf_config_read_file(const char *path, pf_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    struct stat st;
    int bad = fstat(fileno(f), &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (bad) {
        fclose(f);
        errno = bad;
        return false;
    }
    char chunk[16384];
    size_t total = 0, n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        total += n;
        if (total > PF_CONFIG_MAX_FILE) {
            fclose(f);
            errno = EFBIG;
            return false;
        }
        pf_buf_append(out, chunk, n);
    }
    int failed = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (failed) {
        errno = failed;
        return false;
    }
    pf_buf_reserve(out, 0); /* NUL-terminated even when empty */
    out->data[out->len] = '\0';
    return true;
}
