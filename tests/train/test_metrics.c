/* Metrics against a confusion matrix worked out by hand, the metrics.json round trip, the
 * confusion and results pictures, and results.csv files that must be refused. */
#include <cairo.h>
#include <cjson/cJSON.h>

#include "auris/metrics.h"
#include "test.h"

/* One-hot-ish scores that make `pred` the top-1 of 3 classes and `truth` the runner-up. */
static void add3(auris_metrics *m, int truth, int pred)
{
    float s[3] = {0.1f, 0.1f, 0.1f};
    s[truth] = 0.5f;
    s[pred] = 0.9f;
    auris_metrics_add(m, truth, s);
}

/* Confusion (rows true, columns predicted), classes cat, dog, bird:
 *            cat dog bird | support
 *   cat       3   1   0   |   4
 *   dog       1   2   1   |   4
 *   bird      1   0   1   |   2
 *   predicted 5   3   2
 * cat:  P = 3/5 = 0.6,  R = 3/4 = 0.75, F1 = 2*0.6*0.75/1.35 = 2/3
 * dog:  P = 2/3,        R = 2/4 = 0.5,  F1 = 2TP/(2TP+FP+FN) = 4/(4+1+2) = 4/7
 * bird: P = 1/2,        R = 1/2,        F1 = 1/2
 * macro-F1 = (2/3 + 4/7 + 1/2) / 3 = (28 + 24 + 21) / 126 = 73/126
 * top-1 = (3 + 2 + 1) / 10 = 0.6; top-5 with 3 classes is top-3, always a hit: 1.0 */
static auris_metrics *hand_matrix(void)
{
    static const int rows[3][3] = {{3, 1, 0}, {1, 2, 1}, {1, 0, 1}};
    auris_metrics *m = NULL;
    CHECK_OK(auris_metrics_new(3, &m, NULL));
    if (!m)
        exit(1);
    for (int t = 0; t < 3; t++)
        for (int p = 0; p < 3; p++)
            for (int k = 0; k < rows[t][p]; k++)
                add3(m, t, p);
    return m;
}

static void test_hand_matrix(void)
{
    auris_metrics *m = hand_matrix();
    const double want_p[3] = {0.6, 2.0 / 3.0, 0.5}, want_r[3] = {0.75, 0.5, 0.5};
    const double want_f1[3] = {2.0 / 3.0, 4.0 / 7.0, 0.5};
    const int64_t want_sup[3] = {4, 4, 2};
    for (int c = 0; c < 3; c++) {
        double p, r, f1;
        int64_t sup;
        auris_metrics_class(m, c, &p, &r, &f1, &sup);
        CHECK_NEAR(p, want_p[c], 1e-12);
        CHECK_NEAR(r, want_r[c], 1e-12);
        CHECK_NEAR(f1, want_f1[c], 1e-12);
        CHECK(sup == want_sup[c]);
    }
    CHECK_NEAR(auris_metrics_macro_f1(m), 73.0 / 126.0, 1e-12);
    CHECK_NEAR(auris_metrics_top1(m), 0.6, 1e-12);
    CHECK_NEAR(auris_metrics_top5(m), 1.0, 1e-12);
    const int64_t *cm = auris_metrics_confusion(m);
    CHECK(cm[0 * 3 + 1] == 1 && cm[1 * 3 + 2] == 1 && cm[2 * 3 + 0] == 1 && cm[2 * 3 + 1] == 0);
    auris_metrics_reset(m);
    CHECK(auris_metrics_samples(m) == 0 && auris_metrics_top1(m) == 0.0);
    CHECK(auris_metrics_confusion(m)[0] == 0);
    auris_metrics_free(m);
}

/* Top-5 among 7 classes, and ties (the lowest index wins):
 *   a: true 3 with 4 classes scoring higher  -> top-1 miss, top-5 hit (5th)
 *   b: true 3 with 5 classes scoring higher  -> miss, miss (6th)
 *   c: true 4, all scores equal             -> predicted 0; 4 lower indices tie above: hit
 *   d: true 5, all scores equal             -> predicted 0; 5 above: top-5 miss
 *   e: true 0, all scores equal             -> top-1 hit, top-5 hit
 *   a label out of range is ignored.
 * top-1 = 1/5, top-5 = 3/5; confusion[4][0] = confusion[5][0] = confusion[0][0] = 1. */
static void test_top5_and_ties(void)
{
    auris_metrics *m = NULL;
    CHECK_OK(auris_metrics_new(7, &m, NULL));
    if (!m)
        return;
    const float a[7] = {0.9f, 0.8f, 0.7f, 0.5f, 0.6f, 0.1f, 0.2f};
    const float b[7] = {0.9f, 0.8f, 0.7f, 0.5f, 0.6f, 0.55f, 0.2f};
    const float flat[7] = {1, 1, 1, 1, 1, 1, 1};
    auris_metrics_add(m, 3, a);
    auris_metrics_add(m, 3, b);
    auris_metrics_add(m, 4, flat);
    auris_metrics_add(m, 5, flat);
    auris_metrics_add(m, 0, flat);
    auris_metrics_add(m, 7, flat);
    auris_metrics_add(m, -1, flat);
    CHECK(auris_metrics_samples(m) == 5);
    CHECK_NEAR(auris_metrics_top1(m), 0.2, 1e-12);
    CHECK_NEAR(auris_metrics_top5(m), 0.6, 1e-12);
    const int64_t *cm = auris_metrics_confusion(m);
    CHECK(cm[4 * 7 + 0] == 1 && cm[5 * 7 + 0] == 1 && cm[0] == 1 && cm[3 * 7 + 0] == 2);
    /* Class 6 never occurs nor is predicted: left out of macro-F1. Class 0: TP 1, predicted
     * 5 times, support 1 -> F1 = 2/(2+4+0) = 1/3; classes 3, 4, 5 have F1 0: 1/3 / 4. */
    CHECK_NEAR(auris_metrics_macro_f1(m), (1.0 / 3.0) / 4.0, 1e-12);
    auris_metrics_free(m);
    CHECK(auris_metrics_new(0, &m, NULL) == AURIS_EINVAL && m == NULL);
}

static cJSON *read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return cJSON_Parse(buf);
}

static double json_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void test_json(void)
{
    auris_metrics *m = hand_matrix();
    const char *labels[3] = {"cat", "dog", "bird"};
    char path[512];
    snprintf(path, sizeof path, "%s/metrics_test.json", test_tmpdir());
    CHECK_OK(auris_metrics_write_json(m, labels, path, NULL));
    cJSON *root = read_json(path);
    CHECK(root != NULL);
    CHECK(json_num(root, "samples") == 10);
    CHECK_NEAR(json_num(root, "top1"), 0.6, 1e-12);
    CHECK_NEAR(json_num(root, "top5"), 1.0, 1e-12);
    CHECK_NEAR(json_num(root, "macro_f1"), 73.0 / 126.0, 1e-12);
    const cJSON *classes = cJSON_GetObjectItemCaseSensitive(root, "classes");
    CHECK(cJSON_GetArraySize(classes) == 3);
    const cJSON *dog = cJSON_GetArrayItem(classes, 1);
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(dog, "label");
    CHECK(cJSON_IsString(label) && strcmp(label->valuestring, "dog") == 0);
    CHECK_NEAR(json_num(dog, "precision"), 2.0 / 3.0, 1e-12);
    CHECK_NEAR(json_num(dog, "recall"), 0.5, 1e-12);
    CHECK_NEAR(json_num(dog, "f1"), 4.0 / 7.0, 1e-12);
    CHECK(json_num(dog, "support") == 4);
    cJSON_Delete(root);

    CHECK_OK(auris_metrics_write_json(m, NULL, path, NULL));
    root = read_json(path);
    label = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "classes"), 2), "label");
    CHECK(cJSON_IsString(label) && strcmp(label->valuestring, "2") == 0);
    cJSON_Delete(root);

    auris_error err = {0};
    CHECK(auris_metrics_write_json(m, labels, "/nonexistent-dir/m.json", &err) == AURIS_EIO);
    CHECK(strstr(err.message, "/nonexistent-dir/m.json") != NULL);
    auris_metrics_free(m);
}

/* Decodes the PNG and checks its size and that it is a drawing, not a blank page: enough
 * dark ink (text, frames) and enough coloured pixels (cells or curves). */
static void check_png(const char *path, int min_w, int max_w, int min_h, int max_h)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    CHECK_MSG(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS, "%s: %s", path,
              cairo_status_to_string(cairo_surface_status(s)));
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return;
    }
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    CHECK_MSG(w >= min_w && w <= max_w && h >= min_h && h <= max_h, "%s is %dx%d", path, w, h);
    const unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    long dark = 0, colour = 0;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            const unsigned char *p = d + (size_t)y * stride + 4 * (size_t)x;
            int r = p[2], g = p[1], b = p[0];
            dark += r + g + b < 150;
            colour += abs(r - g) > 40 || abs(g - b) > 40;
        }
    }
    CHECK_MSG(dark > (long)w * h / 200, "%s: only %ld dark pixels", path, dark);
    CHECK_MSG(colour > (long)w * h / 100, "%s: only %ld coloured pixels", path, colour);
    cairo_surface_destroy(s);
}

static void test_confusion_png(void)
{
    char path[512];
    auris_metrics *m = hand_matrix();
    const char *labels[3] = {"cat", "dog", "bird"};
    snprintf(path, sizeof path, "%s/confusion3.png", test_tmpdir());
    CHECK_OK(auris_plot_confusion(m, labels, 0, path, NULL));
    check_png(path, 300, 1400, 250, 1400);
    snprintf(path, sizeof path, "%s/confusion3_normalized.png", test_tmpdir());
    CHECK_OK(auris_plot_confusion(m, labels, 1, path, NULL));
    check_png(path, 300, 1400, 250, 1400);
    auris_error err = {0};
    CHECK(auris_plot_confusion(m, labels, 0, "/nonexistent-dir/c.png", &err) == AURIS_EIO);
    auris_metrics_free(m);

    /* 50 classes with long names and one name that is not UTF-8 (a folder name can be
     * anything): it must still draw. */
    enum { N = 50 };
    CHECK_OK(auris_metrics_new(N, &m, NULL));
    char names[N][48];
    const char *lp[N];
    float s[N];
    for (int c = 0; c < N; c++) {
        snprintf(names[c], sizeof names[c], "class_%02d_with_a_rather_long_name", c);
        lp[c] = names[c];
        for (int k = 0; k < 10; k++) {
            for (int j = 0; j < N; j++)
                s[j] = (float)((j * 7 + k * 3 + c) % 11);
            s[k < 8 ? c : (c + k) % N] = 20.0f;
            auris_metrics_add(m, c, s);
        }
    }
    names[7][3] = (char)0xff;
    snprintf(path, sizeof path, "%s/confusion50.png", test_tmpdir());
    CHECK_OK(auris_plot_confusion(m, lp, 1, path, NULL));
    check_png(path, 600, 2000, 600, 2000);
    CHECK_NEAR(auris_metrics_top1(m), 0.8, 1e-12);
    auris_metrics_free(m);
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static void test_results_png(void)
{
    char csv[512], png[512];
    snprintf(csv, sizeof csv, "%s/results_test.csv", test_tmpdir());
    snprintf(png, sizeof png, "%s/results_test.png", test_tmpdir());
    FILE *f = fopen(csv, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fprintf(f, "epoch,train_loss,val_loss,top1,top5,lr\n");
    for (int e = 1; e <= 30; e++)
        fprintf(f, "%d,%.4f,%.4f,%.4f,%.4f,%g\n", e, 2.3 * exp(-e / 8.0) + 0.1,
                2.3 * exp(-e / 10.0) + 0.25, 1.0 - 0.9 * exp(-e / 7.0),
                1.0 - 0.5 * exp(-e / 4.0), 1e-3 * (1.0 - e / 31.0));
    fclose(f);
    auris_error err = {0};
    CHECK_MSG(auris_plot_results(csv, png, &err) == AURIS_OK, "%s", err.message);
    check_png(png, 800, 2000, 300, 1200);

    /* Missing values (an epoch without validation) are gaps, not errors. */
    snprintf(png, sizeof png, "%s/results_gaps.png", test_tmpdir());
    CHECK_OK(write_file(csv, "epoch,train_loss,val_loss,top1,top5,lr\n1,2.0,,,,0.001\n"
                             "2,1.5,1.7,0.4,0.9,0.001\r\n"));
    CHECK_OK(auris_plot_results(csv, png, NULL));
}

static void expect_refused(const char *text, auris_status want, const char *needle)
{
    char csv[512], png[512];
    snprintf(csv, sizeof csv, "%s/results_bad.csv", test_tmpdir());
    snprintf(png, sizeof png, "%s/results_bad.png", test_tmpdir());
    CHECK_OK(write_file(csv, text));
    auris_error err = {0};
    auris_status st = auris_plot_results(csv, png, &err);
    CHECK_MSG(st == want, "status %d for \"%s\"", st, text);
    CHECK_MSG(strstr(err.message, needle) != NULL, "message \"%s\" lacks \"%s\"", err.message,
              needle);
}

static void test_bad_results(void)
{
    const char *head = "epoch,train_loss,val_loss,top1,top5,lr\n";
    char text[512];
    expect_refused("", AURIS_EFORMAT, "no 'epoch' column");
    expect_refused("epoch,train_loss,top1,top5,lr\n1,2,0.5,0.9,0.1\n", AURIS_EFORMAT,
                   "no 'val_loss' column");
    expect_refused(head, AURIS_EEMPTY, "no epochs");
    snprintf(text, sizeof text, "%s1,2,2,0.5,0.9,0.1\n2,1.9,2\n", head);
    expect_refused(text, AURIS_ECORRUPT, ":3: 3 fields where the header has 6");
    snprintf(text, sizeof text, "%s1,2,2,0.5,0.9,0.1,7\n", head);
    expect_refused(text, AURIS_ECORRUPT, ":2: 7 fields");
    snprintf(text, sizeof text, "%s1,2,2,0.5x,0.9,0.1\n", head);
    expect_refused(text, AURIS_ECORRUPT, ":2: top1 '0.5x' is not a finite number");
    snprintf(text, sizeof text, "%s1,nan,2,0.5,0.9,0.1\n", head);
    expect_refused(text, AURIS_ECORRUPT, "train_loss 'nan'");
    snprintf(text, sizeof text, "%s,2,2,0.5,0.9,0.1\n", head);
    expect_refused(text, AURIS_ECORRUPT, "empty epoch");

    auris_error err = {0};
    CHECK(auris_plot_results("/nonexistent-dir/results.csv", "/tmp/x.png", &err) == AURIS_EIO);
    CHECK(strstr(err.message, "/nonexistent-dir/results.csv: cannot open") != NULL);
}

int main(void)
{
    test_hand_matrix();
    test_top5_and_ties();
    test_json();
    test_confusion_png();
    test_results_png();
    test_bad_results();
    return test_finish("test_metrics");
}
