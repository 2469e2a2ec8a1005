/* The pictures a training run leaves behind, drawn with cairo: the confusion matrix of a
 * validation pass, and the loss/accuracy curves read back from the run's results.csv. */
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auris/metrics.h"
#include "core/file.h"
#include "core/error.h"
#include "dsp/draw_text.h"

#define PI 3.14159265358979323846
#define LABEL_MAX_CHARS 24
#define LABEL_BUF 128
#define CSV_MAX_BYTES (16 << 20)
#define CSV_MAX_ROWS 100000
#define CSV_MAX_FIELDS 64

/* ---- Shared drawing helpers ---- */

/* The same, turned 90 degrees counter-clockwise (reading upwards). */
static void text_up(cairo_t *cr, const char *s, double x, double y, double ax, double ay)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -PI / 2.0);
    draw_text_at(cr, s, 0.0, 0.0, ax, ay);
    cairo_restore(cr);
}

/* Length in bytes of the valid UTF-8 sequence at s, or 0: cairo refuses the whole string
 * (and poisons the context) on one bad byte, and class names come from folder names. */
static int utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    int n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
          : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n > 1) {
        unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
        unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
        if (s[1] < lo || s[1] > hi)
            return 0;
        for (int i = 2; i < n; i++)
            if ((s[i] & 0xC0) != 0x80)
                return 0;
    }
    return n;
}

/* A printable copy of a class name: invalid bytes become '?', long names end in "..". */
static void clean_label(char *dst, const char *label, int index)
{
    char fallback[16];
    snprintf(fallback, sizeof fallback, "%d", index);
    const unsigned char *s = (const unsigned char *)(label ? label : fallback);
    size_t o = 0;
    for (int chars = 0; *s && o + 8 < LABEL_BUF; chars++) {
        if (chars == LABEL_MAX_CHARS) {
            memcpy(dst + o, "..", 2);
            o += 2;
            break;
        }
        int n = utf8_len(s);
        if (n == 0 || s[0] < 0x20) {
            dst[o++] = '?';
            s++;
            continue;
        }
        memcpy(dst + o, s, (size_t)n);
        o += (size_t)n;
        s += n;
    }
    dst[o] = '\0';
}

/* A round step (1, 2 or 5 times a power of ten) giving about target intervals. */
static double nice_step(double range, int target)
{
    double raw = range / target, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

static void format_tick(char *buf, size_t len, double v, double step)
{
    int dec = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(buf, len, "%.*f", dec > 6 ? 6 : dec, fabs(v) < 1e-12 ? 0.0 : v);
}

static auris_status finish_png(cairo_t *cr, cairo_surface_t *surface, const char *png_path,
                               auris_error *err)
{
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    if (cs != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return auris_fail(err, AURIS_EINTERNAL, "%s: cannot draw: %s", png_path,
                          cairo_status_to_string(cs));
    }
    cairo_surface_flush(surface);
    errno = 0;
    cs = cairo_surface_write_to_png(surface, png_path);
    cairo_surface_destroy(surface);
    if (cs != CAIRO_STATUS_SUCCESS)
        return auris_fail(err, AURIS_EIO, "%s: cannot write the PNG: %s", png_path,
                          errno ? strerror(errno) : cairo_status_to_string(cs));
    return AURIS_OK;
}

static auris_status open_figure(int w, int h, const char *png_path, cairo_surface_t **surface,
                                cairo_t **cr, auris_error *err)
{
    *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    *cr = cairo_create(*surface);
    cairo_status_t cs = cairo_status(*cr);
    if (cs != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(*cr);
        cairo_surface_destroy(*surface);
        return auris_fail(err, AURIS_ENOMEM, "%s: cannot create a %dx%d figure: %s", png_path,
                          w, h, cairo_status_to_string(cs));
    }
    cairo_set_source_rgb(*cr, 1.0, 1.0, 1.0);
    cairo_paint(*cr);
    cairo_set_source_rgb(*cr, 0.0, 0.0, 0.0);
    cairo_set_line_width(*cr, 1.0);
    return AURIS_OK;
}

/* ---- Confusion matrix ---- */

/* White to dark blue: zero cells stay blank, so the diagonal stands out. */
static void ramp_rgb(double t, double rgb[3])
{
    static const double dark[3] = {0.03, 0.19, 0.42};
    t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
    for (int i = 0; i < 3; i++)
        rgb[i] = 1.0 + t * (dark[i] - 1.0);
}

typedef struct matrix_fig {
    cairo_t *cr;
    int n;
    double cell, label_font, cell_font;
    double mx, my;      /* the matrix's top-left corner */
    double bar_x;       /* the colour bar's left edge */
    double vmax;        /* the value shown at the top of the colour scale */
    int normalized;
    char (*labels)[LABEL_BUF];
} matrix_fig;

/* Row t's total (the divisor of a normalized matrix). */
static int64_t row_total(const matrix_fig *f, const int64_t *cm, int t)
{
    int64_t row = 0;
    for (int j = 0; j < f->n; j++)
        row += cm[(size_t)t * (size_t)f->n + (size_t)j];
    return row;
}

static double cell_value(const matrix_fig *f, const int64_t *cm, int t, int p, int64_t row)
{
    int64_t v = cm[(size_t)t * (size_t)f->n + (size_t)p];
    if (!f->normalized)
        return (double)v;
    return row > 0 ? (double)v / (double)row : 0.0;
}

static void draw_cells(const matrix_fig *f, const int64_t *cm)
{
    cairo_t *cr = f->cr;
    draw_set_font(cr, f->cell_font, 0);
    for (int t = 0; t < f->n; t++) {
        int64_t row = f->normalized ? row_total(f, cm, t) : 0;
        for (int p = 0; p < f->n; p++) {
            double v = cell_value(f, cm, t, p, row), rgb[3];
            double x = f->mx + p * f->cell, y = f->my + t * f->cell;
            ramp_rgb(f->vmax > 0.0 ? v / f->vmax : 0.0, rgb);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_rectangle(cr, x, y, f->cell, f->cell);
            cairo_fill(cr);
            char text[32];
            if (f->normalized)
                snprintf(text, sizeof text, "%.2f", v);
            else
                snprintf(text, sizeof text, "%lld", (long long)llround(v));
            if (f->cell_font < 6.5 || draw_text_width(cr, text) > f->cell - 4.0)
                continue;
            double lum = 0.3 * rgb[0] + 0.59 * rgb[1] + 0.11 * rgb[2];
            double ink = lum < 0.55 ? 1.0 : 0.0;
            cairo_set_source_rgb(cr, ink, ink, ink);
            draw_text_at(cr, text, x + 0.5 * f->cell, y + 0.5 * f->cell, 0.5, 0.5);
        }
    }
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    cairo_rectangle(cr, f->mx + 0.5, f->my + 0.5, f->n * f->cell - 1.0, f->n * f->cell - 1.0);
    cairo_stroke(cr);
}

static void draw_class_names(const matrix_fig *f)
{
    cairo_t *cr = f->cr;
    double side = f->n * f->cell;
    draw_set_font(cr, f->label_font, 0);
    for (int i = 0; i < f->n; i++) {
        double c = (i + 0.5) * f->cell;
        draw_text_at(cr, f->labels[i], f->mx - 6.0, f->my + c, 1.0, 0.5);
        text_up(cr, f->labels[i], f->mx + c, f->my + side + 6.0, 1.0, 0.5);
    }
}

static void draw_matrix_bar(const matrix_fig *f)
{
    cairo_t *cr = f->cr;
    double side = f->n * f->cell, bw = 18.0;
    cairo_pattern_t *grad = cairo_pattern_create_linear(0.0, f->my + side, 0.0, f->my);
    for (int i = 0; i <= 4; i++) {
        double rgb[3];
        ramp_rgb(i / 4.0, rgb);
        cairo_pattern_add_color_stop_rgb(grad, i / 4.0, rgb[0], rgb[1], rgb[2]);
    }
    cairo_rectangle(cr, f->bar_x, f->my, bw, side);
    cairo_set_source(cr, grad);
    cairo_fill(cr);
    cairo_pattern_destroy(grad);
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    cairo_rectangle(cr, f->bar_x + 0.5, f->my + 0.5, bw - 1.0, side - 1.0);
    cairo_stroke(cr);
    double vmax = f->vmax > 0.0 ? f->vmax : 1.0;
    double step = nice_step(vmax, 5);
    if (!f->normalized && step < 1.0)
        step = 1.0;
    draw_set_font(cr, 11.0, 0);
    for (double v = 0.0; v <= vmax * (1.0 + 1e-9); v += step) {
        double y = f->my + side - v / vmax * side;
        char text[32];
        format_tick(text, sizeof text, v, step);
        cairo_move_to(cr, f->bar_x + bw, y);
        cairo_line_to(cr, f->bar_x + bw + 4.0, y);
        cairo_stroke(cr);
        draw_text_at(cr, text, f->bar_x + bw + 7.0, y, 0.0, 0.5);
    }
}

static double widest_label(const matrix_fig *f)
{
    double w = 0.0;
    draw_set_font(f->cr, f->label_font, 0);
    for (int i = 0; i < f->n; i++) {
        double lw = draw_text_width(f->cr, f->labels[i]);
        w = lw > w ? lw : w;
    }
    return w;
}

static double matrix_vmax(const matrix_fig *f, const int64_t *cm)
{
    if (f->normalized)
        return 1.0;
    double vmax = 0.0;
    for (size_t i = 0; i < (size_t)f->n * (size_t)f->n; i++)
        vmax = (double)cm[i] > vmax ? (double)cm[i] : vmax;
    return vmax;
}

static auris_status draw_confusion(matrix_fig *f, const auris_metrics *m, const char *png_path,
                                   auris_error *err)
{
    const int64_t *cm = auris_metrics_confusion(m);
    char title[96];
    snprintf(title, sizeof title, "Confusion matrix%s (%lld samples)",
             f->normalized ? ", normalized by true class" : "",
             (long long)auris_metrics_samples(m));
    /* Measure the names and the title on a scratch context before the figure's size is
     * known. */
    cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
    f->cr = cairo_create(scratch);
    double names_w = widest_label(f);
    draw_set_font(f->cr, 15.0, 1);
    double title_w = draw_text_width(f->cr, title);
    cairo_destroy(f->cr);
    cairo_surface_destroy(scratch);

    double side = f->n * f->cell, title_h = 44.0, axis_title = 30.0;
    f->mx = axis_title + names_w + 10.0;
    f->my = title_h;
    f->bar_x = f->mx + side + 20.0;
    int w = (int)ceil(fmax(f->bar_x + 18.0 + 60.0, title_w + 30.0));
    int h = (int)ceil(f->my + side + names_w + 10.0 + axis_title);
    f->vmax = matrix_vmax(f, cm);

    cairo_surface_t *surface;
    auris_status st = open_figure(w, h, png_path, &surface, &f->cr, err);
    if (st)
        return st;
    cairo_t *cr = f->cr;
    draw_cells(f, cm);
    draw_class_names(f);
    draw_matrix_bar(f);
    draw_set_font(cr, 13.0, 1);
    draw_text_at(cr, "Predicted", f->mx + 0.5 * side, h - 8.0, 0.5, 1.0);
    text_up(cr, "True", 8.0, f->my + 0.5 * side, 0.5, 0.0);
    draw_set_font(cr, 15.0, 1);
    draw_text_at(cr, title, 0.5 * w, 14.0, 0.5, 0.0);
    return finish_png(cr, surface, png_path, err);
}

auris_status auris_plot_confusion(const auris_metrics *m, const char *const *labels,
                                  int normalized, const char *png_path, auris_error *err)
{
    matrix_fig f = {0};
    f.n = auris_metrics_classes(m);
    f.normalized = normalized;
    /* About 640 px of matrix: big cells for a few classes, 12 px ones at 50 and above. */
    f.cell = floor(640.0 / f.n);
    f.cell = f.cell > 90.0 ? 90.0 : f.cell < 12.0 ? 12.0 : f.cell;
    f.label_font = fmin(13.0, fmax(6.0, 0.75 * f.cell));
    f.cell_font = fmin(14.0, 0.3 * f.cell);
    f.labels = malloc((size_t)f.n * sizeof *f.labels);
    if (!f.labels)
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", png_path);
    for (int i = 0; i < f.n; i++)
        clean_label(f.labels[i], labels ? labels[i] : NULL, i);
    auris_status st = draw_confusion(&f, m, png_path, err);
    free(f.labels);
    return st;
}

/* ---- results.csv ---- */

enum { COL_EPOCH, COL_TRAIN_LOSS, COL_VAL_LOSS, COL_TOP1, COL_TOP5, COL_LR, N_COLS };
static const char *const col_names[N_COLS] = {"epoch", "train_loss", "val_loss", "top1",
                                              "top5", "lr"};

typedef struct results {
    int rows;
    double *v[N_COLS]; /* v[col][row]; NaN where the field is empty */
} results;

static void results_free(results *r)
{
    for (int c = 0; c < N_COLS; c++)
        free(r->v[c]);
}

/* Splits line in place on commas, trimming spaces; returns the field count or -1 if more
 * than max. */
static int split_fields(char *line, char **fields, int max)
{
    int n = 0;
    for (char *p = line;; p++) {
        char *end = strchr(p, ',');
        if (n == max)
            return -1;
        if (end)
            *end = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        char *e = p + strlen(p);
        while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            *--e = '\0';
        fields[n++] = p;
        if (!end)
            return n;
        p = end;
    }
}

static auris_status map_header(char *line, int map[N_COLS], int *n_fields, const char *path,
                               auris_error *err)
{
    char *fields[CSV_MAX_FIELDS];
    *n_fields = split_fields(line, fields, CSV_MAX_FIELDS);
    if (*n_fields < 0)
        return auris_fail(err, AURIS_ECORRUPT, "%s:1: more than %d columns", path,
                          CSV_MAX_FIELDS);
    for (int c = 0; c < N_COLS; c++) {
        map[c] = -1;
        for (int i = 0; i < *n_fields; i++)
            if (strcmp(fields[i], col_names[c]) == 0)
                map[c] = i;
        if (map[c] < 0)
            return auris_fail(err, AURIS_EFORMAT, "%s:1: no '%s' column (expected the header "
                              "epoch,train_loss,val_loss,top1,top5,lr)", path, col_names[c]);
    }
    return AURIS_OK;
}

static auris_status parse_row(char *line, int lineno, const int map[N_COLS], int n_fields,
                              results *r, const char *path, auris_error *err)
{
    char *fields[CSV_MAX_FIELDS];
    int n = split_fields(line, fields, CSV_MAX_FIELDS);
    if (n != n_fields)
        return auris_fail(err, AURIS_ECORRUPT, "%s:%d: %d fields where the header has %d",
                          path, lineno, n < 0 ? CSV_MAX_FIELDS + 1 : n, n_fields);
    for (int c = 0; c < N_COLS; c++) {
        const char *s = fields[map[c]];
        char *end;
        errno = 0;
        double v = *s ? strtod(s, &end) : NAN;
        if (*s && (*end || end == s || errno == ERANGE || !isfinite(v)))
            return auris_fail(err, AURIS_ECORRUPT, "%s:%d: %s '%.32s' is not a finite number",
                              path, lineno, col_names[c], s);
        if (c == COL_EPOCH && !*s)
            return auris_fail(err, AURIS_ECORRUPT, "%s:%d: empty epoch", path, lineno);
        r->v[c][r->rows] = v;
    }
    r->rows++;
    return AURIS_OK;
}

static auris_status parse_results(char *text, results *r, const char *path, auris_error *err)
{
    int max_rows = 1;
    for (const char *p = text; *p; p++)
        max_rows += *p == '\n';
    if (max_rows > CSV_MAX_ROWS + 1)
        return auris_fail(err, AURIS_ERANGE, "%s: more than %d rows", path, CSV_MAX_ROWS);
    for (int c = 0; c < N_COLS; c++)
        if (!(r->v[c] = malloc((size_t)max_rows * sizeof(double))))
            return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", path);
    int map[N_COLS], n_fields = 0, lineno = 0;
    auris_status st = AURIS_OK;
    for (char *line = text, *next; line && !st; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (lineno == 1)
            st = map_header(line, map, &n_fields, path, err);
        else if (strspn(line, " \t\r") != strlen(line))
            st = parse_row(line, lineno, map, n_fields, r, path, err);
    }
    if (!st && r->rows == 0)
        st = auris_fail(err, AURIS_EEMPTY, "%s: no epochs after the header", path);
    return st;
}

static auris_status read_text(const char *path, char **out, auris_error *err)
{
    size_t n;
    char *buf = NULL;
    *out = NULL;
    auris_status st = auris_read_file(path, CSV_MAX_BYTES, &buf, &n, err);
    if (st)
        return st;
    if (memchr(buf, '\0', n)) {
        free(buf);
        return auris_fail(err, AURIS_ECORRUPT, "%s: binary data, not a CSV file", path);
    }
    *out = buf;
    return AURIS_OK;
}

/* ---- Curves ---- */

typedef struct range {
    double lo, hi, step;
} range;

typedef struct series {
    const double *y;
    const char *name;
    double rgb[3];
} series;

typedef struct panel {
    cairo_t *cr;
    double x, y, w, h;  /* the plot area */
    range xr, yr;
    const double *xs;
    int n;
} panel;

static void data_range(range *r, const double *const *ys, int n_series, int n, int from_zero,
                       double min_step)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int s = 0; s < n_series; s++)
        for (int i = 0; i < n; i++)
            if (isfinite(ys[s][i])) {
                lo = fmin(lo, ys[s][i]);
                hi = fmax(hi, ys[s][i]);
            }
    if (!(lo <= hi))
        lo = 0.0, hi = 1.0;
    if (from_zero && lo > 0.0)
        lo = 0.0;
    if (hi - lo < 1e-12 * fmax(1.0, fabs(hi)))
        lo -= 0.5, hi += 0.5;
    r->step = fmax(nice_step(hi - lo, 5), min_step);
    r->lo = floor(lo / r->step + 1e-9) * r->step;
    r->hi = ceil(hi / r->step - 1e-9) * r->step;
}

static double px_x(const panel *p, double v)
{
    return p->x + (v - p->xr.lo) / (p->xr.hi - p->xr.lo) * p->w;
}

static double px_y(const panel *p, double v)
{
    return p->y + p->h - (v - p->yr.lo) / (p->yr.hi - p->yr.lo) * p->h;
}

static void draw_ticks(const panel *p)
{
    cairo_t *cr = p->cr;
    draw_set_font(cr, 11.0, 0);
    for (double v = p->xr.lo; v <= p->xr.hi + 1e-9 * p->xr.step; v += p->xr.step) {
        char t[32];
        format_tick(t, sizeof t, v, p->xr.step);
        cairo_move_to(cr, px_x(p, v), p->y + p->h);
        cairo_line_to(cr, px_x(p, v), p->y + p->h + 5.0);
        cairo_stroke(cr);
        draw_text_at(cr, t, px_x(p, v), p->y + p->h + 8.0, 0.5, 0.0);
    }
    for (double v = p->yr.lo; v <= p->yr.hi + 1e-9 * p->yr.step; v += p->yr.step) {
        char t[32];
        format_tick(t, sizeof t, v, p->yr.step);
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, p->x, px_y(p, v));
        cairo_line_to(cr, p->x + p->w, px_y(p, v));
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
        cairo_move_to(cr, p->x - 5.0, px_y(p, v));
        cairo_line_to(cr, p->x, px_y(p, v));
        cairo_stroke(cr);
        draw_text_at(cr, t, p->x - 8.0, px_y(p, v), 1.0, 0.5);
    }
}

/* One line per series; a missing value breaks the line, and few points get markers. */
static void draw_series(const panel *p, const series *s)
{
    cairo_t *cr = p->cr;
    cairo_save(cr);
    cairo_rectangle(cr, p->x - 4.0, p->y - 4.0, p->w + 8.0, p->h + 8.0); /* whole markers */
    cairo_clip(cr);
    cairo_set_source_rgb(cr, s->rgb[0], s->rgb[1], s->rgb[2]);
    cairo_set_line_width(cr, 2.0);
    int drawing = 0;
    for (int i = 0; i < p->n; i++) {
        if (!isfinite(s->y[i])) {
            drawing = 0;
            continue;
        }
        if (drawing)
            cairo_line_to(cr, px_x(p, p->xs[i]), px_y(p, s->y[i]));
        else
            cairo_move_to(cr, px_x(p, p->xs[i]), px_y(p, s->y[i]));
        drawing = 1;
    }
    cairo_stroke(cr);
    for (int i = 0; p->n <= 60 && i < p->n; i++) {
        if (isfinite(s->y[i])) {
            cairo_arc(cr, px_x(p, p->xs[i]), px_y(p, s->y[i]), 3.0, 0.0, 2.0 * PI);
            cairo_fill(cr);
        }
    }
    cairo_restore(cr);
}

/* Loss falls and accuracy rises: the legend goes in the corner the curves leave free. */
static void draw_legend(const panel *p, const series *s, int n, int bottom)
{
    cairo_t *cr = p->cr;
    draw_set_font(cr, 11.0, 0);
    double w = 0.0;
    for (int i = 0; i < n; i++)
        w = fmax(w, draw_text_width(cr, s[i].name));
    double bw = w + 42.0, bh = 8.0 + 18.0 * n, bx = p->x + p->w - bw - 8.0;
    double by = bottom ? p->y + p->h - bh - 8.0 : p->y + 8.0;
    cairo_set_source_rgba(cr, 1.0, 1.0, 1.0, 0.85);
    cairo_rectangle(cr, bx, by, bw, bh);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_stroke(cr);
    for (int i = 0; i < n; i++) {
        double y = by + 13.0 + 18.0 * i;
        cairo_set_source_rgb(cr, s[i].rgb[0], s[i].rgb[1], s[i].rgb[2]);
        cairo_set_line_width(cr, 2.0);
        cairo_move_to(cr, bx + 6.0, y);
        cairo_line_to(cr, bx + 28.0, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
        draw_text_at(cr, s[i].name, bx + 34.0, y, 0.0, 0.5);
    }
    cairo_set_line_width(cr, 1.0);
}

/* rising: accuracy-like curves, drawn from 0 with the legend in the lower corner. */
static void draw_panel(panel *p, const series *s, int n, const char *title, const char *ylabel,
                       int rising)
{
    cairo_t *cr = p->cr;
    const double *ys[2] = {s[0].y, s[1].y};
    data_range(&p->yr, ys, n, p->n, rising, 0.0);
    draw_ticks(p);
    for (int i = 0; i < n; i++)
        draw_series(p, &s[i]);
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    cairo_rectangle(cr, p->x + 0.5, p->y + 0.5, p->w - 1.0, p->h - 1.0);
    cairo_stroke(cr);
    draw_legend(p, s, n, rising);
    draw_set_font(cr, 13.0, 0);
    draw_text_at(cr, "epoch", p->x + 0.5 * p->w, p->y + p->h + 28.0, 0.5, 0.0);
    text_up(cr, ylabel, p->x - 58.0, p->y + 0.5 * p->h, 0.5, 0.0);
    draw_set_font(cr, 14.0, 1);
    draw_text_at(cr, title, p->x + 0.5 * p->w, p->y - 10.0, 0.5, 1.0);
}

static auris_status draw_results(const results *r, const char *png_path, auris_error *err)
{
    const int w = 1200, h = 500;
    cairo_surface_t *surface;
    cairo_t *cr;
    auris_status st = open_figure(w, h, png_path, &surface, &cr, err);
    if (st)
        return st;
    panel p = {.cr = cr, .x = 80.0, .y = 40.0, .w = 0.5 * w - 120.0, .h = h - 110.0,
               .xs = r->v[COL_EPOCH], .n = r->rows};
    const double *xs[1] = {r->v[COL_EPOCH]};
    data_range(&p.xr, xs, 1, r->rows, 0, 1.0); /* whole epochs */
    series loss[2] = {{r->v[COL_TRAIN_LOSS], "train loss", {0.12, 0.47, 0.71}},
                      {r->v[COL_VAL_LOSS], "val loss", {1.0, 0.5, 0.05}}};
    draw_panel(&p, loss, 2, "Loss", "loss", 0);
    series acc[2] = {{r->v[COL_TOP1], "top-1", {0.17, 0.63, 0.17}},
                     {r->v[COL_TOP5], "top-5", {0.84, 0.15, 0.16}}};
    p.x += 0.5 * w;
    draw_panel(&p, acc, 2, "Accuracy", "accuracy", 1);
    return finish_png(cr, surface, png_path, err);
}

auris_status auris_plot_results(const char *results_csv, const char *png_path,
                                auris_error *err)
{
    char *text = NULL;
    auris_status st = read_text(results_csv, &text, err);
    if (st)
        return st;
    results r = {0};
    st = parse_results(text, &r, results_csv, err);
    free(text);
    if (!st)
        st = draw_results(&r, png_path, err);
    results_free(&r);
    return st;
}
