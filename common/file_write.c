/* common/file_write.c — new output files (see file_write.h). */
#include "file_write.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int exists(const char *path, char **errmsg)
{
    return err_fail(errmsg, -ERR_EXIST, "%s already exists (output files are never overwritten: remove it first)",
                    path);
}

int file_check_new(const char *path, char **errmsg)
{
    struct stat st;
    return lstat(path, &st) == 0 ? exists(path, errmsg) : 0;
}

int file_write_new(const char *path, const void *data, size_t len, mode_t mode, char **errmsg)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno == EEXIST)
        return exists(path, errmsg);
    if (fd < 0)
        return err_fail(errmsg, -ERR_IO, "cannot create %s: %s", path, strerror(errno));
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    int e = left ? errno : fsync(fd) != 0 ? errno : 0;
    if (close(fd) != 0 && !e)
        e = errno;
    if (e) {
        unlink(path); /* ours: O_EXCL created it */
        return err_fail(errmsg, -ERR_IO, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

int file_write_replace(const char *path, const void *data, size_t len, mode_t mode, char **errmsg)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return err_fail(errmsg, -ERR_INVAL, "file name too long: %.64s...", path);
    int rc = file_write_new(tmp, data, len, mode, errmsg);
    if (rc == 0 && rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        rc = err_fail(errmsg, -ERR_IO, "cannot replace %s: %s", path, strerror(e));
    }
    return rc;
}
