/* common/file_write.h — writing output files that are new: created with O_EXCL|O_NOFOLLOW,
 * so an existing file (whose mode and owner would be kept) is never overwritten and a
 * symlink is never followed; the data is fsync'd; on failure nothing is left behind.
 * Thread-safety: no shared state. */
#ifndef COMMON_FILE_WRITE_H
#define COMMON_FILE_WRITE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Create path with mode (less the umask) holding data. An existing path (file, link,
 * anything) is refused with -ERR_EXIST, other failures are -ERR_IO; *errmsg says which
 * path and why (caller frees). */
int file_write_new(const char *path, const void *data, size_t len, mode_t mode, char **errmsg) WARN_UNUSED;

/* 0 if nothing is at path yet, else -ERR_EXIST with file_write_new's message. Lets a
 * command fail before side effects (a certificate recorded, a key made) instead of
 * after; file_write_new still decides (another process may create path in between). */
int file_check_new(const char *path, char **errmsg) WARN_UNUSED;

/* Replace path atomically: write "<path>.<pid>.tmp" as file_write_new, then rename it over
 * path (a symlink at path is replaced, not followed). For files that are rewritten by
 * design, e.g. a batch directory's chain.pem. */
int file_write_replace(const char *path, const void *data, size_t len, mode_t mode, char **errmsg) WARN_UNUSED;

#endif
