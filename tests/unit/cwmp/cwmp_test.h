/* tests/unit/cwmp/cwmp_test.h — helpers shared by the cwmp unit tests (static, header
 * only: each test file is its own binary): sample paths, whole-file reads. */
#ifndef TESTS_CWMP_TEST_H
#define TESTS_CWMP_TEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The shared test vectors: $CWMP_SAMPLES (set by tests/run-tests), else ../shared/cwmp/samples
 * relative to the repository root (the working directory of tests/run-tests). */
static inline const char *samples_dir(void)
{
    const char *d = getenv("CWMP_SAMPLES");
    return d && *d ? d : "../shared/cwmp/samples";
}

/* Read a whole file into an exact-size allocation (ASan sees reads past the end).
 * Returns NULL on failure; *len gets the size. Caller frees. */
static inline char *read_whole(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size >= 0 && st.st_size < (1 << 24)) {
        data = malloc((size_t)st.st_size + 1);
        if (data && fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
            free(data);
            data = NULL;
        }
        *len = (size_t)st.st_size;
    }
    fclose(f);
    return data;
}

static inline int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the *.xml files in dir; NULL-terminated, caller frees all. */
static inline char **list_xml(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    *count = 0;
    if (!d)
        return NULL;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".xml") != 0)
            continue;
        char **p = realloc(names, (n + 2) * sizeof *names);
        if (!p)
            break;
        names = p;
        names[n++] = strdup(e->d_name);
        names[n] = NULL;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    *count = n;
    return names;
}

#endif
