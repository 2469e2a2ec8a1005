/* Reading a whole (small) file into memory, with a size limit, for model files, cfg texts,
 * label maps and CSVs; creating a folder with its parents. */
#ifndef AURIS_CORE_FILE_H
#define AURIS_CORE_FILE_H

#include <stddef.h>
#include <sys/types.h>
#include "auris/status.h"

/* Reads path into *data (NUL-terminated, so text can be parsed as a string; the caller
 * frees it) and its length into *size. Files larger than max_bytes are refused with
 * AURIS_ERANGE ("PATH: larger than N MiB"); works on pipes and other unseekable files. */
auris_status auris_read_file(const char *path, size_t max_bytes, char **data, size_t *size,
                             auris_error *err);

/* mkdir -p: creates path and any missing parents with mode (before the umask); folders
 * that already exist are fine. AURIS_EINVAL for "", AURIS_ERANGE for a path longer than
 * 4095 bytes, AURIS_EIO ("DIR: cannot create folder (REASON)") naming the first folder that
 * cannot be made. */
auris_status auris_mkdir_p(const char *path, mode_t mode, auris_error *err);

#endif
