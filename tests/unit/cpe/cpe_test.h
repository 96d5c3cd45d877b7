/* tests/unit/cpe/cpe_test.h — helpers shared by the libcpe unit tests (static, header only):
 * the shared data model file, a test device, the output folder for produced messages. */
#ifndef TESTS_CPE_TEST_H
#define TESTS_CPE_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cpe_dev.h"
#include "cpe_schema.h"

/* key-params.tsv: $CPE_DATAMODEL, else beside the repository (tests run from its root). */
static inline const char *datamodel_path(void)
{
    const char *p = getenv("CPE_DATAMODEL");
    return p && *p ? p : "../shared/cwmp/datamodel/key-params.tsv";
}

/* Where every message libcpe produces is written for the shared validator
 * (tests/integration/060-cpe-messages.sh): $CPE_OUT, else $BUILD/cpe-out, else build/cpe-out. */
static inline const char *out_dir(void)
{
    static char dir[512];
    const char *o = getenv("CPE_OUT"), *b = getenv("BUILD");
    if (o && *o)
        snprintf(dir, sizeof dir, "%s", o);
    else
        snprintf(dir, sizeof dir, "%s/cpe-out", b && *b ? b : "build");
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return NULL;
    return dir;
}

static inline int write_out(const char *name, const char *data, size_t len)
{
    char path[700];
    const char *dir = out_dir();
    if (!dir)
        return -1;
    snprintf(path, sizeof path, "%s/%s.xml", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

#define T0_MS 1714564800000LL /* 2024-05-01T12:00:00Z */

#endif
