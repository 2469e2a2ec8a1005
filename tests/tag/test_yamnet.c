/* YAMNet imported from ../shared's TFLite file against tools/yamnet_ref.py (an independent
 * numpy interpreter of the same file): log-mel, embeddings and scores of 4 real clips per
 * patch within 1e-4, fed in odd chunk sizes and batch sizes; patching of short and long
 * streams; a hostile TFLite file is refused, never crashes. */
#include "auris/auris.h"
#include "test.h"
#include "models/tflite.h"

typedef struct collected {
    int n, cap, classes;
    float *scores, *emb, *logmel, *rms;
    double *start, *end;
} collected;

static int collect(const auris_tag_patch *p, void *user)
{
    collected *c = user;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 8;
        c->scores = realloc(c->scores, (size_t)c->cap * c->classes * sizeof(float));
        c->emb = realloc(c->emb, (size_t)c->cap * AURIS_YAMNET_EMBEDDING * sizeof(float));
        c->logmel = realloc(c->logmel, (size_t)c->cap * 96 * 64 * sizeof(float));
        c->rms = realloc(c->rms, (size_t)c->cap * sizeof(float));
        c->start = realloc(c->start, (size_t)c->cap * sizeof(double));
        c->end = realloc(c->end, (size_t)c->cap * sizeof(double));
    }
    CHECK(p->index == c->n);
    memcpy(c->scores + (size_t)c->n * c->classes, p->scores, (size_t)c->classes * sizeof(float));
    memcpy(c->emb + (size_t)c->n * 1024, p->embedding, 1024 * sizeof(float));
    memcpy(c->logmel + (size_t)c->n * 6144, p->log_mel, 6144 * sizeof(float));
    c->rms[c->n] = p->rms_dbfs;
    c->start[c->n] = p->start_s;
    c->end[c->n] = p->end_s;
    c->n++;
    return 0;
}

static void collected_free(collected *c)
{
    free(c->scores);
    free(c->emb);
    free(c->logmel);
    free(c->rms);
    free(c->start);
    free(c->end);
    memset(c, 0, sizeof *c);
}

static int tag(const auris_yamnet *m, int batch, const float *x, size_t n, size_t chunk,
               collected *c)
{
    auris_tagger_config cfg;
    auris_tagger_config_default(&cfg);
    cfg.max_batch = batch;
    auris_tagger *t;
    auris_error err = {0};
    c->classes = auris_yamnet_class_count(m);
    int st = auris_tagger_new(m, &cfg, &t, &err);
    for (size_t i = 0; !st && i < n; i += chunk)
        st = auris_tagger_feed(t, x + i, i + chunk < n ? chunk : n - i, collect, c, &err);
    if (!st)
        st = auris_tagger_finish(t, collect, c, &err);
    if (st)
        fprintf(stderr, "tagging failed: %s\n", err.message);
    auris_tagger_free(t);
    return st;
}

/* Largest |a - b| / max(1, |b|). */
static double worst(const float *a, const float *b, size_t n)
{
    double w = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]) / fmax(1.0, fabs((double)b[i]));
        if (!(d <= w))
            w = d;
    }
    return w;
}

static float *fixture(const char *name, const char *what, size_t *rows, size_t *cols)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/yamnet/%s_%s.npy", AURIS_FIXTURES, name, what);
    float *d = NULL;
    auris_error err = {0};
    if (auris_npy_load(path, &d, rows, cols, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return NULL;
    }
    return d;
}

static void parity(const auris_yamnet *m)
{
    char list[1024];
    snprintf(list, sizeof list, "%s/yamnet/clips.txt", AURIS_FIXTURES);
    FILE *f = fopen(list, "r");
    CHECK(f != NULL);
    char line[512];
    int clips = 0;
    while (f && fgets(line, sizeof line, f)) {
        char name[64], rel[256];
        long start, len;
        if (line[0] == '#' || sscanf(line, "%63s %255s %ld %ld", name, rel, &start, &len) != 4)
            continue;
        char path[1024];
        if (!test_shared(rel, path, sizeof path))
            continue;
        auris_source_config sc;
        auris_source_config_default(&sc);
        float *x;
        size_t frames;
        auris_error err = {0};
        int rate = 0, ch = 0;
        CHECK_OK(auris_audio_load(path, &sc, 0, &x, &frames, &rate, &ch, &err));
        CHECK(rate == 16000 && ch == 1);
        CHECK((long)frames >= start + len);
        size_t r1, c1, r2, c2, r3, c3;
        float *ref_s = fixture(name, "scores", &r1, &c1);
        float *ref_e = fixture(name, "embedding", &r2, &c2);
        float *ref_l = fixture(name, "logmel", &r3, &c3);
        CHECK(ref_s && ref_e && ref_l);
        /* odd chunks through a batch of 3 and one patch at a time give the same patches */
        collected a = {0}, b = {0};
        CHECK_OK(tag(m, 3, x + start, (size_t)len, 997, &a));
        CHECK_OK(tag(m, 1, x + start, (size_t)len, (size_t)len, &b));
        CHECK_MSG(a.n == (int)r1 && b.n == a.n, "%s: %d patches, reference %zu", name, a.n, r1);
        if (ref_s && ref_e && ref_l && a.n == (int)r1 && b.n == a.n) {
            double ws = worst(a.scores, ref_s, r1 * c1), we = worst(a.emb, ref_e, r2 * c2);
            double wl = worst(a.logmel, ref_l, r3 * c3);
            printf("%s: %d patches, worst relative difference: scores %.2g, embedding %.2g, "
                   "log-mel %.2g\n", name, a.n, ws, we, wl);
            CHECK(ws <= 1e-4);
            CHECK(we <= 1e-4);
            CHECK(wl <= 1e-4);
            CHECK(worst(a.scores, b.scores, r1 * c1) <= 1e-5);
        }
        clips++;
        collected_free(&a);
        collected_free(&b);
        free(ref_s);
        free(ref_e);
        free(ref_l);
        free(x);
    }
    if (f)
        fclose(f);
    printf("parity: %d clips\n", clips);
}

static void patching(const auris_yamnet *m)
{
    /* 0.3 s: one padded patch ending at the stream's end */
    size_t n = 4800;
    float *x = calloc(200000, sizeof *x);
    for (size_t i = 0; i < 200000; i++)
        x[i] = 0.1f * sinf(2 * 3.14159265f * 440.0f * (float)i / 16000.0f);
    collected c = {0};
    CHECK_OK(tag(m, 4, x, n, n, &c));
    CHECK(c.n == 1);
    CHECK_NEAR(c.end[0], 0.3, 1e-9);
    CHECK_NEAR(c.rms[0], 20 * log10(0.1 / sqrt(2.0)), 0.05);
    collected_free(&c);
    /* 200000 samples (12.5 s): 1 + ceil((200000 - 15600) / 7680) = 26 patches, the last
     * from 12.0 s to the end */
    CHECK_OK(tag(m, 7, x, 200000, 4096, &c));
    CHECK(c.n == 26);
    CHECK_NEAR(c.start[25], 12.0, 1e-9);
    CHECK_NEAR(c.end[25], 12.5, 1e-9);
    CHECK_NEAR(c.end[24], 11.52 + 0.975, 1e-9);
    collected_free(&c);
    /* digital silence sits at the level floor; an empty stream is an error */
    memset(x, 0, 20000 * sizeof *x);
    CHECK_OK(tag(m, 2, x, 20000, 20000, &c));
    CHECK(c.n == 2 && c.rms[0] == -120.0f);
    collected_free(&c);
    auris_tagger *t;
    auris_error err = {0};
    CHECK_OK(auris_tagger_new(m, NULL, &t, &err));
    CHECK(auris_tagger_finish(t, collect, &c, &err) == AURIS_EEMPTY);
    x[5] = NAN;
    CHECK(auris_tagger_feed(t, x, 100, collect, &c, &err) == AURIS_EDATA);
    auris_tagger_free(t);
    free(x);
}

/* Every truncation point on a grid and byte flips of the real file: an error or a model,
 * never a crash (ASan runs this too). */
static void hostile(const char *tflite)
{
    FILE *f = fopen(tflite, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)size);
    CHECK(fread(b, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    tfl_model *g;
    auris_error err = {0};
    CHECK_OK(tfl_parse(b, (size_t)size, "yamnet.tflite", &g, &err));
    CHECK(g && g->n_ops > 50);
    tfl_free(g);
    int refused = 0;
    for (long cut = 0; cut < size; cut += 997) {
        if (tfl_parse(b, (size_t)cut, "cut.tflite", &g, &err))
            refused++;
        else
            tfl_free(g);
    }
    CHECK(refused > 0 && err.message[0]);
    uint8_t *c = malloc((size_t)size);
    uint64_t seed = 12345;
    for (int k = 0; k < 300; k++) {
        memcpy(c, b, (size_t)size);
        for (int j = 0; j < 4; j++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            /* flips concentrate in the metadata (tables sit at the file's start and end) */
            size_t pos = (size_t)(seed >> 33) % 4096;
            if (j & 1)
                pos = (size_t)size - 1 - pos;
            c[pos] ^= (uint8_t)(1u << (seed >> 61));
        }
        if (!tfl_parse(c, (size_t)size, "flipped.tflite", &g, &err))
            tfl_free(g);
    }
    free(c);
    free(b);
}

int main(void)
{
    char tflite[1024], map[1024];
    if (!test_shared("models/yamnet/yamnet.tflite", tflite, sizeof tflite) ||
        !test_shared("models/yamnet/yamnet_class_map.csv", map, sizeof map))
        return TEST_SKIP;
    char out[1024];
    snprintf(out, sizeof out, "%s/yamnet-test.safetensors", test_tmpdir());
    auris_error err = {0};
    CHECK_OK(auris_yamnet_import(tflite, map, out, &err));
    if (err.message[0])
        fprintf(stderr, "%s\n", err.message);
    auris_yamnet *m = NULL;
    CHECK_OK(auris_yamnet_load(out, &m, &err));
    if (!m) {
        fprintf(stderr, "%s\n", err.message);
        return test_finish("yamnet");
    }
    CHECK(auris_yamnet_class_count(m) == 521);
    CHECK(!strcmp(auris_yamnet_class_name(m, 0), "Speech"));
    CHECK(!strcmp(auris_yamnet_class_mid(m, 0), "/m/09x0r"));
    CHECK(auris_yamnet_class_index(m, "Chainsaw") > 0);
    CHECK(auris_yamnet_class_index(m, "/m/09x0r") == 0);
    CHECK(auris_yamnet_class_index(m, "no such class") == -1);
    parity(m);
    patching(m);
    hostile(tflite);
    /* import refuses what is not YAMNet, naming the file */
    CHECK(auris_yamnet_import(map, map, out, &err) == AURIS_EFORMAT);
    CHECK(strstr(err.message, "yamnet_class_map.csv") != NULL);
    auris_yamnet *bad = NULL;
    CHECK(auris_yamnet_load(map, &bad, &err) != AURIS_OK && !bad);
    auris_yamnet_free(m);
    return test_finish("yamnet");
}
