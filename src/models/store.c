/* The models directory: resolving it, naming the files in it and listing what is
 * installed from the safetensors headers alone, so `auris models list` stays fast however
 * large the weights are. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>
#include "auris/models.h"
#include "core/error.h"

/* A safetensors JSON header larger than this is not one of ours (YAMNet's is ~10 KiB). */
#define HEADER_MAX (64u << 20)

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

static auris_status fit(char *buf, size_t n, int len, auris_error *err)
{
    if (len < 0 || (size_t)len >= n)
        return auris_fail(err, AURIS_ERANGE, "models directory: path longer than %zu bytes", n);
    return AURIS_OK;
}

auris_status auris_models_dir(char *buf, size_t n, auris_error *err)
{
    if (!buf || n == 0)
        return auris_fail(err, AURIS_EINVAL, "models directory: no buffer");
    const char *v;
    if ((v = env_nonempty("AURIS_MODELS")))
        return fit(buf, n, snprintf(buf, n, "%s", v), err);
    /* The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored. */
    if ((v = env_nonempty("XDG_DATA_HOME")) && v[0] == '/')
        return fit(buf, n, snprintf(buf, n, "%s/auris/models", v), err);
    if ((v = env_nonempty("HOME")))
        return fit(buf, n, snprintf(buf, n, "%s/.local/share/auris/models", v), err);
    return auris_fail(err, AURIS_EINVAL,
                      "models directory: set AURIS_MODELS (none of AURIS_MODELS, XDG_DATA_HOME, HOME is set)");
}

int auris_models_name_valid(const char *name)
{
    if (!name || !name[0] || name[0] == '.' || strlen(name) >= sizeof(((auris_model_info *)0)->name))
        return 0;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

auris_status auris_models_path(const char *name, char *buf, size_t n, auris_error *err)
{
    if (!auris_models_name_valid(name))
        return auris_fail(err, AURIS_EINVAL, "model name '%s': use letters, digits, '-', '_', '.'",
                          name ? name : "");
    char dir[4096];
    auris_status st = auris_models_dir(dir, sizeof dir, err);
    if (st)
        return st;
    int len = snprintf(buf, n, "%s/%s" AURIS_MODELS_EXT, dir, name);
    if ((st = fit(buf, n, len, err)))
        return st;
    struct stat sb;
    if (stat(buf, &sb) != 0 || !S_ISREG(sb.st_mode))
        return auris_fail(err, AURIS_EMODEL,
                          "model '%s' is not installed in %s: run `auris models pull %s` or `auris models import FILE`",
                          name, dir, name);
    return AURIS_OK;
}

auris_status auris_models_yamnet_path(char *buf, size_t n, auris_error *err)
{
    const char *env = getenv("AURIS_YAMNET");
    if (env && *env) {
        int len = snprintf(buf, n, "%s", env);
        return fit(buf, n, len, err);
    }
    return auris_models_path("yamnet", buf, n, err);
}

/* Labels are stored either as a JSON array in a string or one per line. */
static int count_entries(const char *text)
{
    cJSON *arr = cJSON_Parse(text);
    if (arr) {
        int count = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
        cJSON_Delete(arr);
        if (count >= 0)
            return count;
    }
    int lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p != '\n' && (p[1] == '\n' || p[1] == '\0');
    return lines;
}

static int count_classes(const cJSON *meta, const char *kind)
{
    char kind_classes[80];
    snprintf(kind_classes, sizeof kind_classes, "%s.classes", kind);
    const char *keys[] = {kind_classes, "auris.labels", "labels"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, keys[k]);
        if (cJSON_IsString(v) && v->valuestring[0] && (k > 0 || kind[0]))
            return count_entries(v->valuestring);
    }
    return -1;
}

static void info_from_meta(auris_model_info *info, const cJSON *meta)
{
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(meta, "auris.kind");
    if (cJSON_IsString(kind))
        snprintf(info->kind, sizeof info->kind, "%s", kind->valuestring);
    info->class_count = count_classes(meta, info->kind);
}

/* Reads the 8-byte length and the JSON header of a safetensors file, bounds-checked
 * against the file size. */
static auris_status read_header(auris_model_info *info, auris_error *err)
{
    FILE *f = fopen(info->path, "rb");
    if (!f)
        return auris_fail(err, AURIS_EIO, "%s: cannot open: %s", info->path, strerror(errno));
    unsigned char len8[8];
    auris_status st = AURIS_OK;
    char *json = NULL;
    if (fread(len8, 1, 8, f) != 8) {
        st = auris_fail(err, AURIS_ECORRUPT, "%s: shorter than a safetensors header", info->path);
        goto done;
    }
    uint64_t len = 0;
    for (int i = 7; i >= 0; i--)
        len = len << 8 | len8[i];
    if (len == 0 || len > HEADER_MAX || len > (uint64_t)info->size_bytes - 8) {
        st = auris_fail(err, AURIS_ECORRUPT, "%s: header length %llu beyond the file's %lld bytes",
                        info->path, (unsigned long long)len, (long long)info->size_bytes);
        goto done;
    }
    json = malloc((size_t)len);
    if (!json) {
        st = auris_fail(err, AURIS_ENOMEM, "%s: header of %llu bytes", info->path, (unsigned long long)len);
        goto done;
    }
    if (fread(json, 1, (size_t)len, f) != (size_t)len) {
        st = auris_fail(err, AURIS_EIO, "%s: truncated header", info->path);
        goto done;
    }
    cJSON *root = cJSON_ParseWithLength(json, (size_t)len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        st = auris_fail(err, AURIS_ECORRUPT, "%s: header is not a JSON object", info->path);
        goto done;
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    info->tensor_count = (size_t)cJSON_GetArraySize(root) - (meta ? 1 : 0);
    info_from_meta(info, cJSON_IsObject(meta) ? meta : NULL);
    cJSON_Delete(root);
done:
    free(json);
    fclose(f);
    return st;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const auris_model_info *)a)->name, ((const auris_model_info *)b)->name);
}

/* Fills info for one directory entry; returns 0 when the entry is not a model file. */
static int describe_entry(const char *dir, const char *file, auris_model_info *info)
{
    size_t stem = strlen(file) - strlen(AURIS_MODELS_EXT);
    if (stem >= sizeof info->name)
        return 0;
    memset(info, 0, sizeof *info);
    memcpy(info->name, file, stem);
    if (!auris_models_name_valid(info->name))
        return 0;
    if (snprintf(info->path, sizeof info->path, "%s/%s", dir, file) >= (int)sizeof info->path)
        return 0;
    struct stat sb;
    if (stat(info->path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0;
    info->size_bytes = (int64_t)sb.st_size;
    info->class_count = -1;
    auris_error e = {0};
    info->status = read_header(info, &e);
    if (info->status)
        snprintf(info->problem, sizeof info->problem, "%s", e.message);
    return 1;
}

auris_status auris_models_list(const char *dir, auris_model_info **out, size_t *count,
                               auris_error *err)
{
    if (!out || !count)
        return auris_fail(err, AURIS_EINVAL, "models list: no output");
    *out = NULL;
    *count = 0;
    char buf[4096];
    if (!dir) {
        auris_status st = auris_models_dir(buf, sizeof buf, err);
        if (st)
            return st;
        dir = buf;
    }
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return AURIS_OK;
        return auris_fail(err, AURIS_EIO, "%s: cannot read directory: %s", dir, strerror(errno));
    }
    auris_model_info *list = NULL;
    size_t n = 0, cap = 0;
    auris_status st = AURIS_OK;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (!has_suffix(ent->d_name, AURIS_MODELS_EXT))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            auris_model_info *grown = realloc(list, ncap * sizeof *grown);
            if (!grown) {
                st = auris_fail(err, AURIS_ENOMEM, "%s: listing models", dir);
                break;
            }
            list = grown;
            cap = ncap;
        }
        n += (size_t)describe_entry(dir, ent->d_name, &list[n]);
    }
    closedir(d);
    if (st) {
        free(list);
        return st;
    }
    if (n)
        qsort(list, n, sizeof *list, by_name);
    *out = list;
    *count = n;
    return AURIS_OK;
}

void auris_models_list_free(auris_model_info *list)
{
    free(list);
}
