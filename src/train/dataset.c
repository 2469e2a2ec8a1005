/* Labelled file lists for training: class folders, CSV manifests, stratified and fold
 * splits. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auris/train.h"
#include "core/csv.h"
#include "core/error.h"
#include "train/train_internal.h"

#define MAX_CLASSES 100000
#define MAX_DEPTH 16
#define LINE_MAX_LEN 65536

typedef struct dataset_item {
    char *path;
    int label;
    int fold;
} dataset_item;

struct auris_dataset {
    dataset_item *items;
    size_t n, cap;
    char **classes;
    int n_classes;
    int fixed;
};

auris_status auris_dataset_new(auris_dataset **out, auris_error *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? AURIS_OK : auris_fail(err, AURIS_ENOMEM, "dataset: out of memory");
}

void auris_dataset_free(auris_dataset *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        free(d->items[i].path);
    for (int c = 0; c < d->n_classes; c++)
        free(d->classes[c]);
    free(d->items);
    free(d->classes);
    free(d);
}

static int class_find(const auris_dataset *d, const char *name, int *pos)
{
    int lo = 0, hi = d->n_classes;
    while (lo < hi) {
        int mid = (lo + hi) / 2, c = strcmp(d->classes[mid], name);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return -1;
}

/* Inserts name in sorted order and renumbers the labels of the items after it. */
static auris_status class_insert(auris_dataset *d, const char *name, int *index, auris_error *err)
{
    int pos = 0, c = class_find(d, name, &pos);
    if (c >= 0) {
        *index = c;
        return AURIS_OK;
    }
    if (d->fixed)
        return auris_fail(err, AURIS_EINVAL, "class '%s' is not one of the model's classes", name);
    if (d->n_classes >= MAX_CLASSES)
        return auris_fail(err, AURIS_ERANGE, "dataset: more than %d classes", MAX_CLASSES);
    char **nc = realloc(d->classes, (size_t)(d->n_classes + 1) * sizeof *nc);
    char *copy = strdup(name);
    if (nc)
        d->classes = nc;
    if (!nc || !copy) {
        free(copy);
        return auris_fail(err, AURIS_ENOMEM, "dataset: out of memory");
    }
    memmove(nc + pos + 1, nc + pos, (size_t)(d->n_classes - pos) * sizeof *nc);
    nc[pos] = copy;
    d->n_classes++;
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].label >= pos)
            d->items[i].label++;
    *index = pos;
    return AURIS_OK;
}

auris_status auris_dataset_set_classes(auris_dataset *d, const char *const *names, int n,
                                       auris_error *err)
{
    for (int i = 0; i < n; i++) {
        int idx;
        auris_status st = class_insert(d, names[i], &idx, err);
        if (st)
            return st;
    }
    d->fixed = 1;
    return AURIS_OK;
}

static auris_status add_item(auris_dataset *d, const char *path, int label, int fold,
                             auris_error *err)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 256;
        dataset_item *it = realloc(d->items, cap * sizeof *it);
        if (!it)
            return auris_fail(err, AURIS_ENOMEM, "dataset: out of memory");
        d->items = it;
        d->cap = cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return auris_fail(err, AURIS_ENOMEM, "dataset: out of memory");
    d->items[d->n++] = (dataset_item){copy, label, fold};
    return AURIS_OK;
}

auris_status auris_dataset_add(auris_dataset *d, const char *path, const char *label, int fold,
                               auris_error *err)
{
    if (!label || !*label)
        return auris_fail(err, AURIS_EINVAL, "%s: empty label", path);
    int idx;
    auris_status st = class_insert(d, label, &idx, err);
    return st ? st : add_item(d, path, idx, fold, err);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The visible entries of dir, sorted (so file order never depends on the file system). */
static auris_status list_dir(const char *dir, char ***names, size_t *count, auris_error *err)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return auris_fail(err, AURIS_EIO, "%s: cannot open folder", dir);
    char **v = NULL;
    size_t n = 0, cap = 0;
    auris_status st = AURIS_OK;
    struct dirent *e;
    while ((e = readdir(dp))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                st = AURIS_ENOMEM;
                break;
            }
            v = nv;
        }
        if (!(v[n] = strdup(e->d_name))) {
            st = AURIS_ENOMEM;
            break;
        }
        n++;
    }
    closedir(dp);
    if (st) {
        train_free_names(v, n);
        return auris_fail(err, st, "%s: out of memory listing", dir);
    }
    if (n)
        qsort(v, n, sizeof *v, name_cmp);
    *names = v;
    *count = n;
    return AURIS_OK;
}

void train_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int train_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* dir/name (malloc'ed), or NULL with err set. */
static char *join_path(const char *dir, const char *name, auris_error *err)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%s/%s", dir, name);
    else
        auris_fail(err, AURIS_ENOMEM, "%s: out of memory", dir);
    return p;
}

auris_status train_walk(const char *dir, int depth, train_walk_fn fn, void *user,
                        auris_error *err)
{
    if (depth > MAX_DEPTH)
        return auris_fail(err, AURIS_ERANGE, "%s: folders nested too deep", dir);
    char **names = NULL;
    size_t n = 0;
    auris_status st = list_dir(dir, &names, &n, err);
    for (size_t i = 0; !st && i < n; i++) {
        char *p = join_path(dir, names[i], err);
        if (!p) {
            st = AURIS_ENOMEM;
            break;
        }
        st = train_is_dir(p) ? train_walk(p, depth + 1, fn, user, err) : fn(p, user, err);
        free(p);
    }
    if (n || names)
        train_free_names(names, n);
    return st;
}

auris_status auris_walk_files(const char *dir, auris_file_fn fn, void *user, auris_error *err)
{
    return train_walk(dir, 0, fn, user, err);
}

typedef struct add_ctx {
    auris_dataset *d;
    int label;
} add_ctx;

static auris_status add_walked(const char *path, void *user, auris_error *err)
{
    add_ctx *a = user;
    return add_item(a->d, path, a->label, 0, err);
}

auris_status auris_dataset_add_dir(auris_dataset *d, const char *dir, auris_error *err)
{
    char **names = NULL;
    size_t n = 0;
    auris_status st = list_dir(dir, &names, &n, err);
    size_t classes = 0;
    for (size_t i = 0; !st && i < n; i++) {
        char *p = join_path(dir, names[i], err);
        if (!p) {
            st = AURIS_ENOMEM;
            break;
        }
        if (train_is_dir(p)) {
            add_ctx a = {d, 0};
            st = class_insert(d, names[i], &a.label, err);
            if (!st)
                st = train_walk(p, 1, add_walked, &a, err);
            classes++;
        }
        free(p);
    }
    if (n || names)
        train_free_names(names, n);
    if (!st && !classes)
        st = auris_fail(err, AURIS_EINVAL, "%s: no class folders (expected %s/<class>/<files>)",
                        dir, dir);
    return st;
}

static int column(char **f, int n, const char *const *names)
{
    for (int i = 0; i < n; i++)
        for (const char *const *k = names; *k; k++)
            if (!strcmp(f[i], *k))
                return i;
    return -1;
}

static auris_status manifest_path(const char *base, const char *file, char *out, size_t cap,
                                  const char *csv, int line, auris_error *err)
{
    struct stat st;
    if (file[0] == '/')
        snprintf(out, cap, "%s", file);
    else if ((size_t)snprintf(out, cap, "%s/%s", base, file) >= cap)
        return auris_fail(err, AURIS_ERANGE, "%s:%d: path too long", csv, line);
    if (stat(out, &st) != 0 && file[0] != '/') {
        char alt[8300];
        int k = snprintf(alt, sizeof alt, "%s/audio/%s", base, file);
        if (k > 0 && (size_t)k < cap && stat(alt, &st) == 0)
            memcpy(out, alt, (size_t)k + 1);
    }
    return AURIS_OK;
}

auris_status auris_dataset_add_manifest(auris_dataset *d, const char *csv_path,
                                        const char *audio_dir, auris_error *err)
{
    FILE *f = fopen(csv_path, "r");
    if (!f)
        return auris_fail(err, AURIS_EIO, "%s: cannot open manifest", csv_path);
    char base[4096];
    if (audio_dir)
        snprintf(base, sizeof base, "%s", audio_dir);
    else {
        snprintf(base, sizeof base, "%s", csv_path);
        char *slash = strrchr(base, '/');
        if (slash)
            *slash = 0;
        else
            snprintf(base, sizeof base, ".");
    }
    char *line = malloc(LINE_MAX_LEN);
    auris_status st = line ? AURIS_OK : auris_fail(err, AURIS_ENOMEM, "out of memory");
    int lineno = 0, cf = -1, cl = -1, cfold = -1;
    char *fields[64];
    static const char *const fname[] = {"filename", "file", "path", NULL};
    static const char *const lname[] = {"label", "category", "class", NULL};
    static const char *const foldname[] = {"fold", NULL};
    while (!st && fgets(line, LINE_MAX_LEN, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == LINE_MAX_LEN - 1 && line[len - 1] != '\n') {
            st = auris_fail(err, AURIS_ERANGE, "%s:%d: line too long", csv_path, lineno);
            break;
        }
        if (line[0] == '\n' || line[0] == '\r' || line[0] == 0)
            continue;
        int n = auris_csv_split(line, fields, 64);
        if (n < 0) {
            st = auris_fail(err, AURIS_ECORRUPT, "%s:%d: unterminated quote or more than 64 "
                            "columns", csv_path, lineno);
            break;
        }
        if (cf < 0) {
            cf = column(fields, n, fname);
            cl = column(fields, n, lname);
            cfold = column(fields, n, foldname);
            if (cf < 0 || cl < 0)
                st = auris_fail(err, AURIS_EFORMAT,
                                "%s: header must name the columns filename and label", csv_path);
            continue;
        }
        if (cf >= n || cl >= n || (cfold >= 0 && cfold >= n)) {
            st = auris_fail(err, AURIS_ECORRUPT, "%s:%d: missing columns", csv_path, lineno);
            break;
        }
        int fold = 0;
        if (cfold >= 0) {
            char *end;
            long v = strtol(fields[cfold], &end, 10);
            if (end == fields[cfold] || *end || v < 0 || v > 1000000) {
                st = auris_fail(err, AURIS_ECORRUPT, "%s:%d: bad fold '%s'", csv_path, lineno,
                                fields[cfold]);
                break;
            }
            fold = (int)v;
        }
        char path[4096];
        st = manifest_path(base, fields[cf], path, sizeof path, csv_path, lineno, err);
        if (!st)
            st = auris_dataset_add(d, path, fields[cl], fold, err);
    }
    if (!st && cf < 0)
        st = auris_fail(err, AURIS_EEMPTY, "%s: empty manifest", csv_path);
    free(line);
    fclose(f);
    return st;
}

size_t auris_dataset_count(const auris_dataset *d)
{
    return d->n;
}

const char *auris_dataset_path(const auris_dataset *d, size_t i)
{
    return i < d->n ? d->items[i].path : NULL;
}

int auris_dataset_label(const auris_dataset *d, size_t i)
{
    return i < d->n ? d->items[i].label : -1;
}

int auris_dataset_fold(const auris_dataset *d, size_t i)
{
    return i < d->n ? d->items[i].fold : 0;
}

int auris_dataset_class_count(const auris_dataset *d)
{
    return d->n_classes;
}

const char *auris_dataset_class_name(const auris_dataset *d, int c)
{
    return c >= 0 && c < d->n_classes ? d->classes[c] : NULL;
}

const char *const *auris_dataset_class_names(const auris_dataset *d)
{
    return (const char *const *)d->classes;
}

int auris_dataset_folds(const auris_dataset *d, int *folds, int max)
{
    int n = 0;
    for (size_t i = 0; i < d->n; i++) {
        int f = d->items[i].fold, k = 0;
        if (!f)
            continue;
        while (k < n && folds[k] < f)
            k++;
        if (k < n && folds[k] == f)
            continue;
        if (n == max)
            return -1;
        memmove(folds + k + 1, folds + k, (size_t)(n - k) * sizeof *folds);
        folds[k] = f;
        n++;
    }
    return n;
}

static auris_status empty_like(const auris_dataset *d, auris_dataset **out, auris_error *err)
{
    auris_status st = auris_dataset_new(out, err);
    if (!st)
        st = auris_dataset_set_classes(*out, auris_dataset_class_names(d), d->n_classes, err);
    if (!st)
        (*out)->fixed = d->fixed;
    return st;
}

/* Copies the items whose pick[i] is 0 into *a and the others into *b. */
static auris_status partition(const auris_dataset *d, const unsigned char *pick,
                              auris_dataset **a, auris_dataset **b, auris_error *err)
{
    *a = *b = NULL;
    auris_status st = empty_like(d, a, err);
    if (!st)
        st = empty_like(d, b, err);
    for (size_t i = 0; !st && i < d->n; i++)
        st = add_item(pick[i] ? *b : *a, d->items[i].path, d->items[i].label,
                      d->items[i].fold, err);
    if (st) {
        auris_dataset_free(*a);
        auris_dataset_free(*b);
        *a = *b = NULL;
    }
    return st;
}

auris_status auris_dataset_split(const auris_dataset *d, double val_fraction, uint64_t seed,
                                 auris_dataset **train, auris_dataset **val, auris_error *err)
{
    if (!(val_fraction >= 0 && val_fraction < 1))
        return auris_fail(err, AURIS_EINVAL, "validation fraction %g outside [0, 1)", val_fraction);
    unsigned char *pick = calloc(d->n ? d->n : 1, 1);
    size_t *idx = malloc((d->n ? d->n : 1) * sizeof *idx);
    if (!pick || !idx) {
        free(pick);
        free(idx);
        return auris_fail(err, AURIS_ENOMEM, "dataset: out of memory");
    }
    uint64_t rng = train_rng_seed(seed, 0x5b1d);
    for (int c = 0; c < d->n_classes; c++) {
        size_t n = 0;
        for (size_t i = 0; i < d->n; i++)
            if (d->items[i].label == c)
                idx[n++] = i;
        train_rng_shuffle(idx, n, &rng);
        size_t k = (size_t)(val_fraction * (double)n + 0.5);
        for (size_t i = 0; i < k; i++)
            pick[idx[i]] = 1;
    }
    auris_status st = partition(d, pick, train, val, err);
    free(pick);
    free(idx);
    return st;
}

auris_status auris_dataset_split_fold(const auris_dataset *d, int fold, auris_dataset **rest,
                                      auris_dataset **held_out, auris_error *err)
{
    if (fold <= 0)
        return auris_fail(err, AURIS_EINVAL,
                          "fold %d cannot be held out (fold 0 is always trained on)", fold);
    unsigned char *pick = calloc(d->n ? d->n : 1, 1);
    if (!pick)
        return auris_fail(err, AURIS_ENOMEM, "dataset: out of memory");
    size_t held = 0;
    for (size_t i = 0; i < d->n; i++)
        held += pick[i] = d->items[i].fold == fold;
    auris_status st = held ? partition(d, pick, rest, held_out, err)
                           : auris_fail(err, AURIS_EINVAL, "no file is in fold %d", fold);
    free(pick);
    return st;
}
