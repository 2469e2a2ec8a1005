/* Label maps, the per-patch decision, the timeline and the summary, fed with synthetic patch
 * scores (no model needed). With ../shared present, every built-in map is also checked
 * against YAMNet's 521 class names. */
#include "test.h"
#include "auris/classify.h"

/* A tiny stand-in for a model's class list. */
enum { SPEECH, MUSIC, SILENCE, DOG, BARK, ROOM, CAR, N_CLASSES };
static const char *const classes[N_CLASSES] = {"Speech", "Music", "Silence", "Dog", "Bark",
                                               "Inside, small room", "Car"};

static const char type_csv[] =
    "# the audio types\n"
    "label,audioset_class\n"
    "speech,Speech\n"
    "music,Music\r\n"
    "\n"
    "silence,Silence\n"
    "noise,*\n"
    "-,\"Inside, small room\"\n";

static auris_label_map *parse(const char *csv)
{
    auris_label_map *m = NULL;
    auris_error err = {0};
    if (auris_label_map_parse(csv, strlen(csv), "test.csv", classes, N_CLASSES, &m, &err))
        fprintf(stderr, "parse: %s\n", err.message);
    return m;
}

static void test_map_parse(void)
{
    auris_label_map *m = parse(type_csv);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(auris_label_map_count(m) == 4);
    CHECK(!strcmp(auris_label_map_label(m, 1), "music"));
    CHECK(auris_label_map_find(m, "noise") == 3);
    CHECK(auris_label_map_find(m, "Dog") == -1);
    /* '*' is every class no row names: '-' keeps the room out of noise. */
    const int *idx;
    int n = auris_label_map_classes(m, 3, &idx);
    CHECK(n == 3);
    CHECK(n == 3 && idx[0] == DOG && idx[1] == BARK && idx[2] == CAR);
    float s[N_CLASSES] = {0.2f, 0.1f, 0.0f, 0.3f, 0.7f, 0.99f, 0.4f}, ls[4];
    auris_label_map_score(m, s, ls);
    CHECK_NEAR(ls[0], 0.2, 1e-7);
    CHECK_NEAR(ls[3], 0.7, 1e-7); /* max of Dog, Bark, Car; not the room */
    auris_label_map_free(m);

    /* A label may take several classes; a class may serve several labels. */
    m = parse("dog,Dog\ndog,Bark\nanimal_or_car,Bark\nanimal_or_car,Car\ndog,Bark\n");
    CHECK(m && auris_label_map_count(m) == 2);
    if (m) {
        CHECK(auris_label_map_classes(m, 0, &idx) == 2); /* the duplicate row counts once */
        auris_label_map_score(m, s, ls);
        CHECK_NEAR(ls[0], 0.7, 1e-7);
        CHECK_NEAR(ls[1], 0.7, 1e-7);
    }
    auris_label_map_free(m);
}

static void expect_parse_error(const char *csv, auris_status want, const char *needle)
{
    auris_label_map *m = NULL;
    auris_error err = {0};
    auris_status s = auris_label_map_parse(csv, strlen(csv), "bad.csv", classes, N_CLASSES, &m,
                                           &err);
    CHECK_MSG(s == want, "'%s' gave %d, want %d", csv, s, want);
    CHECK(m == NULL);
    CHECK_MSG(strstr(err.message, needle) != NULL, "message '%s' lacks '%s'", err.message,
              needle);
}

static void test_map_errors(void)
{
    expect_parse_error("dog,Dog\ndog,Dgo\n", AURIS_EINVAL, "bad.csv:2: 'Dgo' is not a class");
    expect_parse_error("room,Inside, small room\n", AURIS_EFORMAT, "bad.csv:1: more than two");
    expect_parse_error("room,\"Inside, small room\n", AURIS_EFORMAT, "unterminated");
    expect_parse_error("dog\n", AURIS_EFORMAT, "expected two fields");
    expect_parse_error("dog,\n", AURIS_EFORMAT, "empty");
    expect_parse_error("# only a comment\n", AURIS_EFORMAT, "no label rows");
    expect_parse_error("-,*\n", AURIS_EFORMAT, "'-' cannot take '*'");
    expect_parse_error("dog,Dog\n+,*\n", AURIS_EFORMAT, "bad.csv:2: label '+' cannot take");
    auris_label_map *m = NULL;
    auris_error err = {0};
    CHECK(auris_label_map_builtin("nope", classes, N_CLASSES, &m, &err) == AURIS_EINVAL);
    CHECK(strstr(err.message, "nope") != NULL);
    CHECK(auris_label_map_load("/nonexistent/map.csv", classes, N_CLASSES, &m, &err) ==
          AURIS_EIO);
    CHECK(strstr(err.message, "/nonexistent/map.csv") != NULL);
    /* "audioset" is the identity map whatever the classes. */
    CHECK_OK(auris_label_map_builtin("audioset", classes, N_CLASSES, &m, &err));
    CHECK(auris_label_map_count(m) == N_CLASSES);
    CHECK(!strcmp(auris_label_map_label(m, ROOM), "Inside, small room"));
    auris_label_map_free(m);
}

/* Adds one patch whose only nonzero class score is scores[cls] = v. */
static int add(auris_classifier *c, double start, int cls, float v, float rms, float *score)
{
    float s[N_CLASSES] = {0};
    s[cls] = v;
    int label = -1;
    CHECK_OK(auris_classifier_add(c, start, s, rms, &label, score, NULL, NULL));
    return label;
}

static auris_classifier *type_classifier(const auris_label_map *m, float min_segment_s)
{
    auris_classifier_config cfg;
    auris_classifier_config_default(&cfg);
    cfg.silence_label = "silence";
    cfg.other_label = "noise";
    cfg.window_s = 1.0;
    cfg.min_segment_s = min_segment_s;
    auris_classifier *c = NULL;
    auris_error err = {0};
    if (auris_classifier_new(m, &cfg, &c, &err))
        fprintf(stderr, "classifier: %s\n", err.message);
    return c;
}

/* Patches of 1 s every 0.5 s: patch 0 stands for [0, 0.75), patch i >= 1 for
 * [0.5 i + 0.25, 0.5 i + 0.75), the last one up to the stream's end. */
static void test_type_timeline(void)
{
    auris_label_map *m = parse(type_csv);
    auris_classifier *c = m ? type_classifier(m, 1.0f) : NULL;
    CHECK(c != NULL);
    if (!c) {
        auris_label_map_free(m);
        return;
    }
    CHECK(auris_classifier_label_count(c) == 4); /* noise is the map's: nothing appended */
    float score;
    int speech_patches = 0, label;
    for (int i = 0; i < 30; i++) {
        double t = 0.5 * i;
        if (i == 6) {          /* one music patch inside speech: an island */
            float s[N_CLASSES] = {0.05f, 0.8f};
            CHECK_OK(auris_classifier_add(c, t, s, -20, &label, &score, NULL, NULL));
            CHECK(label == 1);
        } else if (i < 12) {
            CHECK(add(c, t, SPEECH, 0.9f, -20, NULL) == 0);
            speech_patches++;
        } else if (i < 18) {   /* quiet: silence by level though Speech scores 0.3 */
            CHECK(add(c, t, SPEECH, 0.3f, -70, &score) == 2);
            CHECK_NEAR(score, 1.0, 0);
        } else if (i < 24) {
            CHECK(add(c, t, MUSIC, 0.8f, -15, NULL) == 1);
        } else if (i < 28) {   /* a dog: any other sound is noise */
            CHECK(add(c, t, DOG, 0.6f, -25, &score) == 3);
            CHECK_NEAR(score, 0.6, 1e-6);
        } else {               /* nothing scores: noise by the min_score fallback */
            CHECK(add(c, t, ROOM, 0.95f, -40, &score) == 3);
            CHECK_NEAR(score, 1.0, 1e-6); /* 1 - best label score (0: the room is '-') */
        }
    }
    CHECK(speech_patches == 11);
    double duration = 14.5 + 0.975;
    CHECK(auris_classifier_segment_count(c) == 0); /* nothing before finish */
    CHECK_OK(auris_classifier_finish(c, duration, NULL));
    CHECK(auris_classifier_segment_count(c) == 4);
    static const struct { double start, end; int label; double score; int64_t patches; } want[] = {
        {0, 6.25, 0, (11 * 0.9 + 0.05) / 12, 12},
        {6.25, 9.25, 2, 1.0, 6},
        {9.25, 12.25, 1, 0.8, 6},
        {12.25, 14.5 + 0.975, 3, (4 * 0.6 + 2 * 1.0) / 6, 6},
    };
    for (size_t i = 0; i < auris_classifier_segment_count(c) && i < 4; i++) {
        auris_segment seg;
        auris_classifier_segment(c, i, &seg);
        CHECK_NEAR(seg.start_s, want[i].start, 1e-9);
        CHECK_NEAR(seg.end_s, want[i].end, 1e-9);
        CHECK_MSG(seg.label == want[i].label, "segment %zu label %d", i, seg.label);
        CHECK_NEAR(seg.score, want[i].score, 1e-6);
        CHECK(seg.patches == want[i].patches);
        CHECK_NEAR(seg.mean_scores[seg.label], seg.score, 0);
    }
    auris_segment seg;
    auris_classifier_segment(c, 0, &seg);
    CHECK_NEAR(seg.mean_scores[1], 0.8 / 12, 1e-6); /* music in the speech segment */

    auris_summary_entry sum[4];
    int n = auris_classifier_summary(c, sum);
    CHECK(n == 4);
    double total = 0;
    for (int i = 0; i < n; i++)
        total += sum[i].seconds;
    CHECK_NEAR(total, duration, 1e-9);
    CHECK(sum[0].label == 0 && fabs(sum[0].seconds - 6.25) < 1e-9);
    CHECK(sum[1].label == 3 && fabs(sum[1].seconds - 3.225) < 1e-9);
    CHECK(sum[2].label == 1 && sum[3].label == 2); /* 3 s each: map order */
    CHECK_NEAR(sum[1].score, (4 * 0.6 + 2 * 1.0) / 6, 1e-6);

    /* No patch after finish, none going backwards. */
    float s[N_CLASSES] = {0};
    CHECK(auris_classifier_add(c, 20, s, -20, NULL, NULL, NULL, NULL) == AURIS_EINVAL);
    auris_classifier_free(c);

    c = type_classifier(m, 1.0f);
    add(c, 1.0, SPEECH, 0.9f, -20, NULL);
    CHECK(auris_classifier_add(c, 0.5, s, -20, NULL, NULL, NULL, NULL) == AURIS_EINVAL);
    auris_classifier_free(c);
    auris_label_map_free(m);
}

/* Silence by the Silence tag alone, and short islands that keep or change sides. */
static void test_islands_and_tag_silence(void)
{
    auris_label_map *m = parse(type_csv);
    if (!m) {
        CHECK(m != NULL);
        return;
    }
    auris_classifier *c = type_classifier(m, 0);
    CHECK(add(c, 0, SILENCE, 0.9f, -30, NULL) == 2); /* loud enough, but tagged Silence */
    CHECK(add(c, 0.5, SPEECH, 0.9f, -30, NULL) == 0);
    CHECK_OK(auris_classifier_finish(c, 1.5, NULL));
    CHECK(auris_classifier_segment_count(c) == 2); /* min_segment_s 0: nothing absorbed */
    auris_classifier_free(c);

    /* speech x4, one music patch scoring speech low and noise high, noise x4: the island
     * goes to the neighbour whose label scores higher over it. */
    c = type_classifier(m, 1.0f);
    for (int i = 0; i < 9; i++) {
        float s[N_CLASSES] = {0};
        if (i < 4)
            s[SPEECH] = 0.9f;
        else if (i == 4)
            s[MUSIC] = 0.5f, s[SPEECH] = 0.1f, s[CAR] = 0.4f;
        else
            s[CAR] = 0.7f;
        CHECK_OK(auris_classifier_add(c, 0.5 * i, s, -20, NULL, NULL, NULL, NULL));
    }
    CHECK_OK(auris_classifier_finish(c, 5.0, NULL));
    CHECK(auris_classifier_segment_count(c) == 2);
    auris_segment seg;
    auris_classifier_segment(c, 0, &seg);
    CHECK(seg.label == 0 && seg.patches == 4 && fabs(seg.end_s - 2.25) < 1e-9);
    auris_classifier_segment(c, 1, &seg);
    CHECK(seg.label == 3 && seg.patches == 5);
    CHECK_NEAR(seg.score, (0.4 + 4 * 0.7) / 5, 1e-6);
    auris_classifier_free(c);

    /* A clip made only of short segments ends as one segment. */
    c = type_classifier(m, 5.0f);
    add(c, 0, SPEECH, 0.9f, -20, NULL);
    add(c, 0.5, MUSIC, 0.9f, -20, NULL);
    add(c, 1.0, SPEECH, 0.9f, -20, NULL);
    CHECK_OK(auris_classifier_finish(c, 2.0, NULL));
    CHECK(auris_classifier_segment_count(c) == 1);
    auris_classifier_segment(c, 0, &seg);
    CHECK(seg.label == 0 && seg.start_s == 0 && seg.end_s == 2.0 && seg.patches == 3);
    auris_classifier_free(c);
    auris_label_map_free(m);
}

/* A vocabulary without a fallback label gets "other" appended. */
static void test_other_label(void)
{
    auris_label_map *m = parse("dog,Dog\ndog,Bark\ncar,Car\n");
    auris_classifier_config cfg;
    auris_classifier_config_default(&cfg);
    cfg.min_score = 0.2f;
    auris_classifier *c = NULL;
    CHECK_OK(auris_classifier_new(m, &cfg, &c, NULL));
    if (!c) {
        auris_label_map_free(m);
        return;
    }
    CHECK(auris_classifier_label_count(c) == 3);
    CHECK(!strcmp(auris_classifier_label(c, 2), "other"));
    float ls[3], score;
    float s[N_CLASSES] = {[SPEECH] = 0.9f, [BARK] = 0.15f};
    int label;
    CHECK_OK(auris_classifier_add(c, 0, s, -120, &label, &score, ls, NULL));
    CHECK(label == 2); /* no silence label configured: the level decides nothing */
    CHECK_NEAR(score, 0.85, 1e-6);
    CHECK_NEAR(ls[0], 0.15, 1e-7);
    s[BARK] = 0.5f;
    CHECK_OK(auris_classifier_add(c, 0.48, s, -20, &label, &score, ls, NULL));
    CHECK(label == 0 && ls[2] == 0.0f);
    auris_classifier_free(c);

    /* With a gate, the gate's score decides between the best label and other. */
    auris_label_map *gated = parse("+,Music\ndog,Dog\ncar,Car\n");
    CHECK(gated && auris_label_map_count(gated) == 2);
    CHECK_OK(auris_classifier_new(gated, &cfg, &c, NULL));
    if (c) {
        float g[N_CLASSES] = {[MUSIC] = 0.1f, [DOG] = 0.6f};
        CHECK_NEAR(auris_label_map_gate(gated, g), 0.1, 1e-7);
        CHECK_OK(auris_classifier_add(c, 0, g, -20, &label, &score, NULL, NULL));
        CHECK(label == 2 && fabsf(score - 0.9f) < 1e-6f);
        g[MUSIC] = 0.9f, g[DOG] = 0.01f;
        CHECK_OK(auris_classifier_add(c, 0.48, g, -20, &label, &score, NULL, NULL));
        CHECK(label == 0 && fabsf(score - 0.01f) < 1e-7f);
    }
    CHECK(auris_label_map_gate(m, s) == -1.0f);
    auris_classifier_free(c);
    auris_label_map_free(gated);

    auris_error err = {0};
    cfg.silence_label = "silence";
    CHECK(auris_classifier_new(m, &cfg, &c, &err) == AURIS_EINVAL);
    CHECK(strstr(err.message, "silence") != NULL);
    auris_label_map_free(m);
}

static void test_pool_and_top_k(void)
{
    auris_score_pool *p = NULL;
    CHECK_OK(auris_score_pool_new(3, &p, NULL));
    if (!p)
        return;
    const float a[3] = {0.1f, 0.9f, 0.5f}, b[3] = {0.3f, 0.1f, 0.5f};
    auris_score_pool_add(p, a);
    auris_score_pool_add(p, b);
    CHECK(auris_score_pool_count(p) == 2);
    CHECK_NEAR(auris_score_pool_mean(p)[0], 0.2, 1e-7);
    CHECK_NEAR(auris_score_pool_mean(p)[1], 0.5, 1e-7);
    CHECK_NEAR(auris_score_pool_max(p)[0], 0.3, 1e-7);
    CHECK_NEAR(auris_score_pool_max(p)[1], 0.9, 1e-7);
    int idx[3];
    CHECK(auris_top_k(auris_score_pool_mean(p), 3, 2, idx) == 2);
    CHECK(idx[0] == 1 && idx[1] == 2); /* a tie at 0.5: the lower index first */
    CHECK(auris_top_k(auris_score_pool_max(p), 3, 5, idx) == 3);
    CHECK(idx[0] == 1 && idx[1] == 2 && idx[2] == 0);
    auris_score_pool_free(p);
}

/* Reads display names (third field, maybe quoted) of yamnet_class_map.csv. */
static int read_class_map(const char *path, char names[][128], int max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    int n = 0;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    while (n < max && fgets(line, sizeof line, f)) {
        char *p = strchr(line, ',');
        p = p ? strchr(p + 1, ',') : NULL;
        if (!p)
            break;
        p++;
        p[strcspn(p, "\r\n")] = '\0';
        if (*p == '"') {
            p++;
            char *q = strrchr(p, '"');
            if (q)
                *q = '\0';
        }
        snprintf(names[n++], 128, "%s", p);
    }
    fclose(f);
    return n;
}

/* Every AudioSet name of every shipped map is one of YAMNet's classes, both in the files of
 * models/labels/ and as compiled into the library. */
static void test_builtin_maps(void)
{
    char path[4096];
    if (!test_shared("models/yamnet/yamnet_class_map.csv", path, sizeof path))
        return;
    static char names[600][128];
    const char *ptrs[600];
    int n = read_class_map(path, names, 600);
    CHECK(n == 521);
    for (int i = 0; i < n; i++)
        ptrs[i] = names[i];
    static const struct { const char *name; int labels; } want[] = {
        {"type", 4}, {"esc50", 50}, {"us8k", 10}, {"gtzan", 10}, {"genre", 49}};
    const char *const *builtin = auris_label_map_builtin_names();
    int n_builtin = 0;
    for (; builtin[n_builtin]; n_builtin++) {
        auris_label_map *m = NULL;
        auris_error err = {0};
        auris_status s = auris_label_map_builtin(builtin[n_builtin], ptrs, n, &m, &err);
        CHECK_MSG(s == AURIS_OK, "built-in %s: %s", builtin[n_builtin], err.message);
        for (int l = 0; m && l < auris_label_map_count(m); l++) {
            const int *idx;
            CHECK_MSG(auris_label_map_classes(m, l, &idx) > 0, "%s: %s has no class",
                      builtin[n_builtin], auris_label_map_label(m, l));
        }
        auris_label_map_free(m);
        snprintf(path, sizeof path, "%s/models/labels/%s.csv", AURIS_SOURCE_DIR,
                 builtin[n_builtin]);
        s = auris_label_map_load(path, ptrs, n, &m, &err);
        CHECK_MSG(s == AURIS_OK, "%s", err.message);
        auris_label_map_free(m);
    }
    CHECK(n_builtin >= 5);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        auris_label_map *m = NULL;
        CHECK_OK(auris_label_map_builtin(want[i].name, ptrs, n, &m, NULL));
        CHECK_MSG(auris_label_map_count(m) == want[i].labels, "%s has %d labels",
                  want[i].name, auris_label_map_count(m));
        auris_label_map_free(m);
    }
}

int main(void)
{
    test_map_parse();
    test_map_errors();
    test_type_timeline();
    test_islands_and_tag_silence();
    test_other_label();
    test_pool_and_top_k();
    test_builtin_maps();
    return test_finish("test_classify");
}
