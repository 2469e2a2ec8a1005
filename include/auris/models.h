/* The models directory: where `auris models pull/import` install model files and where
 * commands such as `auris tag` find them by name, plus a checked HTTP(S)/file download.
 *
 * The directory is $AURIS_MODELS, else $XDG_DATA_HOME/auris/models, else
 * $HOME/.local/share/auris/models. Model NAME is the file <dir>/NAME.safetensors.
 *
 * Threads: every function here may be called from any thread; they read the environment
 * and the file system only. */
#ifndef AURIS_MODELS_H
#define AURIS_MODELS_H

#include <stddef.h>
#include <stdint.h>
#include "auris/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AURIS_MODELS_EXT ".safetensors"

/* Writes the models directory to buf (n bytes). It is not created here. AURIS_EINVAL when
 * none of the variables is set, AURIS_ERANGE when the path does not fit. */
auris_status auris_models_dir(char *buf, size_t n, auris_error *err);

/* Writes the path of installed model `name` to buf. A name is letters, digits, '-', '_' and
 * '.' (not leading), so it cannot leave the directory. AURIS_EMODEL with a one-line message
 * saying how to install it (`auris models pull NAME` or `auris models import`) when the
 * file does not exist. */
auris_status auris_models_path(const char *name, char *buf, size_t n, auris_error *err);

/* The YAMNet model file to use when none is given: $AURIS_YAMNET when set, else the
 * installed "yamnet" (errors as auris_models_path). */
auris_status auris_models_yamnet_path(char *buf, size_t n, auris_error *err);

/* 1 when name is a valid model name (see auris_models_path). */
int auris_models_name_valid(const char *name);

/* One installed model, as read from its safetensors header (the weights are not read). */
typedef struct auris_model_info {
    char name[128];           /* file name without .safetensors */
    char path[4096];
    int64_t size_bytes;
    char kind[64];            /* metadata "auris.kind" ("yamnet"), "" when absent */
    int class_count;          /* the number of entries in metadata "KIND.classes",
                                 "auris.labels" or "labels" (a JSON array or one per
                                 line); -1 when unknown */
    size_t tensor_count;
    auris_status status;      /* AURIS_OK, or why the header could not be read */
    char problem[AURIS_ERROR_MAX]; /* the message for a nonzero status */
} auris_model_info;

/* Lists the .safetensors files of dir, sorted by name, into a malloc'ed array (*out,
 * *count; free with auris_models_list_free). dir NULL uses auris_models_dir. A directory
 * that does not exist gives an empty list; a model whose header is unreadable is listed
 * with its status set. */
auris_status auris_models_list(const char *dir, auris_model_info **out, size_t *count,
                               auris_error *err);
void auris_models_list_free(auris_model_info *list);

typedef struct auris_download_config {
    int64_t max_bytes;        /* refuse larger bodies (default 512 MiB) */
    long timeout_s;           /* whole transfer (default 600) */
    const char *sha256_hex;   /* expected SHA-256 (64 hex digits) or NULL to skip the check */
    /* Called as data arrives (total_bytes -1 when unknown); a nonzero return cancels the
     * download with AURIS_ECANCELED. NULL for none. */
    int (*progress)(int64_t done_bytes, int64_t total_bytes, void *user);
    void *progress_user;
} auris_download_config;

void auris_download_config_default(auris_download_config *cfg);

/* Downloads url (http, https or file) to dest_path: the body goes to a temporary file in
 * dest_path's directory, is checked against cfg->sha256_hex, then renamed over dest_path,
 * so dest_path is either the old file or the complete verified new one. On failure the
 * temporary file is removed. Errors: AURIS_EIO (network, HTTP status, file system),
 * AURIS_ERANGE (body larger than max_bytes), AURIS_ECORRUPT (hash mismatch),
 * AURIS_ECANCELED (progress returned nonzero).
 * sha256_out (65 bytes, may be NULL) receives the hex digest of what was downloaded. */
auris_status auris_download(const char *url, const char *dest_path,
                            const auris_download_config *cfg, char *sha256_out,
                            auris_error *err);

/* Hex SHA-256 of a file into out (65 bytes). */
auris_status auris_sha256_file(const char *path, char *out, auris_error *err);

#ifdef __cplusplus
}
#endif
#endif
