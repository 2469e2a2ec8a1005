/* Label maps: CSV rows (label, model class) parsed into, for every label, the list of the
 * model's class indices it stands for. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auris/classify.h"
#include "core/file.h"
#include "core/error.h"
#include "tasks/label_map_embedded.h"

#define MAX_FIELD 512
#define MAX_MAP_BYTES (16 << 20)

struct auris_label_map {
    int n_classes;
    int n_labels;
    char **labels;
    int *offsets;   /* label i's classes are classes[offsets[i] .. offsets[i + 1]) */
    int *classes;
    int *gate;      /* the `+` rows' classes */
    int n_gate;
};

/* What parsing gathers before the map is laid out. */
typedef struct map_builder {
    const char *source;
    const char *const *names;
    int n_classes;
    char **labels;
    int n_labels, cap_labels;
    int *pair_label, *pair_class; /* pair_class -1: the label's `*` row */
    int n_pairs, cap_pairs;
    unsigned char *named;         /* classes some row names: they stay out of `*` */
    int *gate;
    int n_gate, cap_gate;
} map_builder;

static int grow(void **p, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return 0;
    int n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, (size_t)n * size);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

static int builder_label(map_builder *b, const char *label)
{
    for (int i = 0; i < b->n_labels; i++)
        if (!strcmp(b->labels[i], label))
            return i;
    if (grow((void **)&b->labels, &b->cap_labels, b->n_labels + 1, sizeof *b->labels))
        return -1;
    if (!(b->labels[b->n_labels] = strdup(label)))
        return -1;
    return b->n_labels++;
}

static int builder_pair(map_builder *b, int label, int cls)
{
    for (int i = 0; i < b->n_pairs; i++)
        if (b->pair_label[i] == label && b->pair_class[i] == cls)
            return 0;
    int cap = b->cap_pairs;
    if (grow((void **)&b->pair_label, &cap, b->n_pairs + 1, sizeof(int)) ||
        grow((void **)&b->pair_class, &b->cap_pairs, b->n_pairs + 1, sizeof(int)))
        return -1;
    b->pair_label[b->n_pairs] = label;
    b->pair_class[b->n_pairs++] = cls;
    return 0;
}

static void builder_free(map_builder *b)
{
    for (int i = 0; i < b->n_labels; i++)
        free(b->labels[i]);
    free(b->labels);
    free(b->pair_label);
    free(b->pair_class);
    free(b->named);
    free(b->gate);
}

/* Reads one CSV field at *p (line ends at end) into out; returns 0, or -1 with *why set. */
static int read_field(const char **p, const char *end, char *out, const char **why)
{
    const char *s = *p;
    size_t n = 0;
    if (s < end && *s == '"') {
        for (s++;; s++) {
            if (s >= end) {
                *why = "unterminated quoted field";
                return -1;
            }
            if (*s == '"') {
                if (s + 1 < end && s[1] == '"')
                    s++;
                else
                    break;
            }
            if (n + 1 >= MAX_FIELD) {
                *why = "field too long";
                return -1;
            }
            out[n++] = *s;
        }
        s++;
        if (s < end && *s != ',') {
            *why = "text after a closing quote";
            return -1;
        }
    } else {
        for (; s < end && *s != ','; s++) {
            if (*s == '"') {
                *why = "quote inside an unquoted field";
                return -1;
            }
            if (n + 1 >= MAX_FIELD) {
                *why = "field too long";
                return -1;
            }
            out[n++] = *s;
        }
    }
    out[n] = '\0';
    *p = s;
    return 0;
}

static auris_status parse_row(map_builder *b, const char *line, const char *end, int lineno,
                              int *header_allowed, auris_error *err)
{
    char label[MAX_FIELD], cls[MAX_FIELD];
    const char *p = line, *why = NULL;
    if (read_field(&p, end, label, &why) == 0) {
        if (p >= end)
            why = "expected two fields: label,audioset_class";
        else if (p++, read_field(&p, end, cls, &why) == 0 && p < end)
            why = "more than two fields";
    }
    if (why)
        return auris_fail(err, AURIS_EFORMAT, "%s:%d: %s", b->source, lineno, why);
    int header = *header_allowed && !strcmp(label, "label") && !strcmp(cls, "audioset_class");
    *header_allowed = 0;
    if (header)
        return AURIS_OK;
    if (!label[0] || !cls[0])
        return auris_fail(err, AURIS_EFORMAT, "%s:%d: empty label or class", b->source, lineno);
    int c = -1, special = !strcmp(label, "-") || !strcmp(label, "+");
    if (strcmp(cls, "*")) {
        c = auris_name_index(b->names, b->n_classes, cls);
        if (c < 0)
            return auris_fail(err, AURIS_EINVAL, "%s:%d: '%s' is not a class of the model",
                              b->source, lineno, cls);
    } else if (special) {
        return auris_fail(err, AURIS_EFORMAT, "%s:%d: label '%s' cannot take '*'", b->source,
                          lineno, label);
    }
    if (!strcmp(label, "+")) {
        if (grow((void **)&b->gate, &b->cap_gate, b->n_gate + 1, sizeof *b->gate))
            return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", b->source);
        b->gate[b->n_gate++] = c;
        return AURIS_OK;
    }
    if (c >= 0)
        b->named[c] = 1;
    if (special)
        return AURIS_OK;
    int l = builder_label(b, label);
    if (l < 0 || builder_pair(b, l, c))
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", b->source);
    return AURIS_OK;
}

static auris_status parse_text(map_builder *b, const char *text, size_t len, auris_error *err)
{
    const char *p = text, *end = text + len;
    int lineno = 0, header_allowed = 1;
    while (p < end) {
        size_t n = 0;
        while (p + n < end && p[n] != '\n')
            n++;
        const char *next = p + n < end ? p + n + 1 : end;
        lineno++;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        const char *line_end = p + n;
        if (memchr(p, '\0', n))
            return auris_fail(err, AURIS_EFORMAT, "%s:%d: NUL byte: not a CSV text file",
                              b->source, lineno);
        int blank = 1;
        for (const char *q = p; q < line_end; q++)
            blank = blank && (*q == ' ' || *q == '\t');
        if (!blank && *p != '#') {
            auris_status s = parse_row(b, p, line_end, lineno, &header_allowed, err);
            if (s)
                return s;
        }
        p = next;
    }
    if (b->n_labels == 0)
        return auris_fail(err, AURIS_EFORMAT, "%s: no label rows", b->source);
    return AURIS_OK;
}

/* Lays the pairs out label by label, expanding `*` to the classes no row names. */
static auris_status build_map(map_builder *b, auris_label_map **out, auris_error *err)
{
    auris_label_map *m = calloc(1, sizeof *m);
    int unnamed = 0;
    for (int c = 0; c < b->n_classes; c++)
        unnamed += !b->named[c];
    int total = 0;
    for (int i = 0; i < b->n_pairs; i++)
        total += b->pair_class[i] < 0 ? unnamed : 1;
    if (!m || !(m->offsets = calloc((size_t)b->n_labels + 1, sizeof *m->offsets)) ||
        !(m->classes = malloc(((size_t)total + 1) * sizeof *m->classes))) {
        auris_label_map_free(m);
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", b->source);
    }
    int n = 0;
    for (int l = 0; l < b->n_labels; l++) {
        m->offsets[l] = n;
        for (int i = 0; i < b->n_pairs; i++) {
            if (b->pair_label[i] != l)
                continue;
            if (b->pair_class[i] >= 0) {
                m->classes[n++] = b->pair_class[i];
                continue;
            }
            for (int c = 0; c < b->n_classes; c++)
                if (!b->named[c])
                    m->classes[n++] = c;
        }
    }
    m->offsets[b->n_labels] = n;
    m->n_classes = b->n_classes;
    m->n_labels = b->n_labels;
    m->labels = b->labels;
    b->labels = NULL;
    b->n_labels = 0;
    m->gate = b->gate;
    m->n_gate = b->n_gate;
    b->gate = NULL;
    *out = m;
    return AURIS_OK;
}

auris_status auris_label_map_parse(const char *text, size_t len, const char *source,
                                   const char *const *classes, int n_classes,
                                   auris_label_map **out, auris_error *err)
{
    if (!out)
        return auris_fail(err, AURIS_EINVAL, "label map: NULL output");
    *out = NULL;
    source = source ? source : "label map";
    if (!text || !classes || n_classes <= 0)
        return auris_fail(err, AURIS_EINVAL, "%s: no text or no model classes", source);
    map_builder b = {.source = source, .names = classes, .n_classes = n_classes};
    if (!(b.named = calloc((size_t)n_classes, 1)))
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", source);
    auris_status s = parse_text(&b, text, len, err);
    if (s == AURIS_OK)
        s = build_map(&b, out, err);
    builder_free(&b);
    return s;
}

static auris_status identity_map(const char *const *classes, int n_classes,
                                 auris_label_map **out, auris_error *err)
{
    auris_label_map *m = calloc(1, sizeof *m);
    if (!m || !(m->labels = calloc((size_t)n_classes, sizeof *m->labels)) ||
        !(m->offsets = malloc(((size_t)n_classes + 1) * sizeof *m->offsets)) ||
        !(m->classes = malloc((size_t)n_classes * sizeof *m->classes))) {
        auris_label_map_free(m);
        return auris_fail(err, AURIS_ENOMEM, "audioset label map: out of memory");
    }
    m->n_classes = n_classes;
    for (int i = 0; i < n_classes; i++) {
        m->offsets[i] = m->classes[i] = i;
        if (!(m->labels[m->n_labels++] = strdup(classes[i] ? classes[i] : ""))) {
            auris_label_map_free(m);
            return auris_fail(err, AURIS_ENOMEM, "audioset label map: out of memory");
        }
    }
    m->offsets[n_classes] = n_classes;
    *out = m;
    return AURIS_OK;
}

auris_status auris_label_map_builtin(const char *name, const char *const *classes,
                                     int n_classes, auris_label_map **out, auris_error *err)
{
    if (!out)
        return auris_fail(err, AURIS_EINVAL, "label map: NULL output");
    *out = NULL;
    if (!classes || n_classes <= 0)
        return auris_fail(err, AURIS_EINVAL, "label map: no model classes");
    if (name && !strcmp(name, "audioset"))
        return identity_map(classes, n_classes, out, err);
    size_t len = 0;
    const char *text = name ? auris_label_map_embedded(name, &len) : NULL;
    if (!text)
        return auris_fail(err, AURIS_EINVAL, "'%s' is not a built-in label map",
                          name ? name : "(null)");
    char source[64];
    snprintf(source, sizeof source, "%s.csv", name);
    return auris_label_map_parse(text, len, source, classes, n_classes, out, err);
}

auris_status auris_label_map_load(const char *path, const char *const *classes, int n_classes,
                                  auris_label_map **out, auris_error *err)
{
    if (out)
        *out = NULL;
    if (!path)
        return auris_fail(err, AURIS_EINVAL, "label map: NULL path");
    char *text;
    size_t len;
    auris_status s = auris_read_file(path, MAX_MAP_BYTES, &text, &len, err);
    if (s == AURIS_OK)
        s = auris_label_map_parse(text, len, path, classes, n_classes, out, err);
    free(text);
    return s;
}

void auris_label_map_free(auris_label_map *m)
{
    if (!m)
        return;
    if (m->labels)
        for (int i = 0; i < m->n_labels; i++)
            free(m->labels[i]);
    free(m->labels);
    free(m->offsets);
    free(m->classes);
    free(m->gate);
    free(m);
}

const char *const *auris_label_map_builtin_names(void)
{
    return auris_label_map_embedded_names();
}

int auris_label_map_count(const auris_label_map *m)
{
    return m ? m->n_labels : 0;
}

const char *auris_label_map_label(const auris_label_map *m, int i)
{
    return m && i >= 0 && i < m->n_labels ? m->labels[i] : NULL;
}

int auris_label_map_find(const auris_label_map *m, const char *label)
{
    return m ? auris_name_index((const char *const *)m->labels, m->n_labels, label) : -1;
}

int auris_label_map_classes(const auris_label_map *m, int i, const int **classes)
{
    if (!m || i < 0 || i >= m->n_labels) {
        *classes = NULL;
        return 0;
    }
    *classes = m->classes + m->offsets[i];
    return m->offsets[i + 1] - m->offsets[i];
}

int auris_label_map_class_count(const auris_label_map *m)
{
    return m ? m->n_classes : 0;
}

float auris_label_map_gate(const auris_label_map *m, const float *class_scores)
{
    if (!m->n_gate)
        return -1.0f;
    float best = 0.0f;
    for (int i = 0; i < m->n_gate; i++)
        if (class_scores[m->gate[i]] > best)
            best = class_scores[m->gate[i]];
    return best;
}

void auris_label_map_score(const auris_label_map *m, const float *class_scores,
                           float *label_scores)
{
    for (int l = 0; l < m->n_labels; l++) {
        float best = 0.0f;
        for (int j = m->offsets[l]; j < m->offsets[l + 1]; j++)
            if (class_scores[m->classes[j]] > best)
                best = class_scores[m->classes[j]];
        label_scores[l] = best;
    }
}

/* Whether non-NaN scores[i] ranks after scores[p]: lower, or equal at a higher index. */
static int ranks_after(const float *scores, int i, int p)
{
    return scores[i] < scores[p] || (scores[i] == scores[p] && i > p);
}

/* A selection sort that finds what is left without searching idx: every index below first
 * is taken, and the non-NaN scores taken are exactly those ranking up to last. A NaN never
 * beats a number, so it is taken when it is the lowest index left. */
int auris_top_k(const float *scores, int n, int k, int *idx)
{
    if (k > n)
        k = n;
    int first = 0, last = -1;
    for (int j = 0; j < k; j++) {
        int best = -1;
        for (int i = first; i < n; i++)
            if ((isnan(scores[i]) || last < 0 || ranks_after(scores, i, last)) &&
                (best < 0 || scores[i] > scores[best]))
                best = i;
        idx[j] = best;
        if (!isnan(scores[best]))
            last = best;
        if (best == first)
            first++;
        while (first < n && !isnan(scores[first]) && last >= 0 &&
               !ranks_after(scores, first, last))
            first++;
    }
    return k < 0 ? 0 : k;
}
