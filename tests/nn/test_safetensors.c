/* safetensors reading and writing: round trips (float32, int8 with scale, metadata), model
 * files, and hostile files (bad offsets, sizes, dims, truncation, byte flips) that must give
 * an error naming the file and the reason, never a crash. */
#include "test.h"
#include "nn/nn_test_util.h"

static size_t make_file(unsigned char *buf, const char *header, const void *data, size_t n)
{
    size_t h = strlen(header);
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)h >> (8 * i));
    memcpy(buf + 8, header, h);
    memcpy(buf + 8 + h, data, n);
    return 8 + h + n;
}

static void expect_error(const char *header, size_t data_bytes, auris_status want,
                         const char *msg_part)
{
    static unsigned char buf[8192];
    static unsigned char zeros[1024];
    size_t n = make_file(buf, header, zeros, data_bytes);
    auris_nn_tensor_set *set = NULL;
    auris_error err = {0};
    auris_status st = auris_nn_safetensors_parse(buf, n, "model.safetensors", &set, &err);
    CHECK_MSG(st == want, "%s: status %d, want %d (%s)", header, st, want, err.message);
    CHECK_MSG(set == NULL, "%s: set returned on error", header);
    CHECK_MSG(strstr(err.message, "model.safetensors: ") == err.message, "%s", err.message);
    CHECK_MSG(strstr(err.message, msg_part) != NULL, "'%s' lacks '%s'", err.message, msg_part);
    auris_nn_tensor_set_free(set);
}

static void hostile_headers(void)
{
    expect_error("{\"w\":{\"dtype\":\"F32\",\"shape\":[20],\"data_offsets\":[0,80]}}", 40,
                 AURIS_ECORRUPT, "tensor 'w' data offsets [0, 80] beyond data size 40");
    expect_error("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
                 AURIS_ECORRUPT, "needs 12");
    expect_error("{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000000000,1000000000000],\"data_offsets\":[0,8]}}",
                 8, AURIS_ECORRUPT, "shape larger");
    expect_error("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,0]}}",
                 0, AURIS_ECORRUPT, "'w'");
    expect_error("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8,
                 AURIS_ECORRUPT, "shape[0]");
    expect_error("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", 8,
                 AURIS_ECORRUPT, "shape[0]");
    expect_error("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8,
                 AURIS_ECORRUPT, "malformed data_offsets");
    expect_error("{\"w\":{\"dtype\":\"Q9\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
                 AURIS_EUNSUPPORTED, "dtype 'Q9'");
    expect_error("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, AURIS_ECORRUPT, "data_offsets");
    expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
                 AURIS_ECORRUPT, "overlaps");
    expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 16,
                 AURIS_ECORRUPT, "belong to no tensor");
    expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                 "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
                 AURIS_ECORRUPT, "appears twice");
    expect_error("{\"__metadata__\":{\"k\":3}}", 0, AURIS_ECORRUPT, "__metadata__");
    expect_error("{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}",
                 4, AURIS_ERANGE, "dims");
    expect_error("{\"w\": [1, 2", 0, AURIS_ECORRUPT, "not a JSON object");
    expect_error("[1,2]", 0, AURIS_EFORMAT, "not a safetensors");

    /* header length beyond the file, and a file shorter than the length field */
    unsigned char small[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '}'};
    auris_nn_tensor_set *set = NULL;
    auris_error err = {0};
    CHECK(auris_nn_safetensors_parse(small, 10, "x.safetensors", &set, &err) == AURIS_ECORRUPT);
    CHECK(strstr(err.message, "header length") != NULL);
    CHECK(auris_nn_safetensors_parse(small, 5, "x.safetensors", &set, &err) == AURIS_ECORRUPT);
    CHECK(strstr(err.message, "truncated") != NULL);
}

static auris_nn_model *small_model(void)
{
    auris_nn_model *m = tu_model("[net]\nchannels=1\nheight=8\nwidth=8\n"
                                 "[conv2d]\nname=conv1\nfilters=4\nsize=3\npad=same\n[batchnorm]\nname=bn1\n"
                                 "[relu]\n[globalavgpool]\n[dense]\nname=fc\noutputs=3\n");
    if (m)
        auris_nn_model_init_weights(m, 3);
    return m;
}

static void model_round_trip(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/nn_model.safetensors", test_tmpdir());
    auris_nn_model *m = small_model();
    CHECK(m != NULL);
    if (!m)
        return;
    auris_nn_tensor *rv = (auris_nn_tensor *)auris_nn_model_find(m, "bn1.running_var");
    ((float *)rv->data)[1] = 2.5f;
    auris_error err = {0};
    CHECK_OK(auris_nn_model_set_meta(m, "auris.labels", "[\"tone\",\"chirp\",\"noise\"]", &err));
    CHECK_OK(auris_nn_model_save(m, path, &err));
    auris_nn_model *m2 = NULL;
    CHECK_OK(auris_nn_model_load(path, &m2, &err));
    CHECK(m2 != NULL);
    if (m2) {
        CHECK(auris_nn_model_meta(m2, "auris.labels") &&
              !strcmp(auris_nn_model_meta(m2, "auris.labels"), "[\"tone\",\"chirp\",\"noise\"]"));
        CHECK(auris_nn_model_layer_count(m2) == 5);
        CHECK(auris_nn_model_param_count(m2) == auris_nn_model_param_count(m));
        float x[64], y1[3], y2[3];
        tu_fill(x, 64, 5, -1, 1);
        auris_nn_state_config sc;
        auris_nn_state_config_default(&sc);
        auris_nn_state *s1 = NULL, *s2 = NULL;
        const float *o;
        CHECK_OK(auris_nn_state_new(m, &sc, &s1, &err));
        CHECK_OK(auris_nn_state_new(m2, &sc, &s2, &err));
        CHECK_OK(auris_nn_forward(s1, x, 1, &o, &err));
        memcpy(y1, o, sizeof y1);
        CHECK_OK(auris_nn_forward(s2, x, 1, &o, &err));
        memcpy(y2, o, sizeof y2);
        CHECK(memcmp(y1, y2, sizeof y1) == 0);
        auris_nn_state_free(s1);
        auris_nn_state_free(s2);
    }
    /* weights file without the tensor a layer needs */
    auris_nn_tensor_set *set = NULL;
    CHECK_OK(auris_nn_safetensors_load(path, &set, &err));
    auris_nn_tensor_set *partial = NULL;
    CHECK_OK(auris_nn_tensor_set_new(&partial, &err));
    for (size_t i = 0; set && i < auris_nn_tensor_set_count(set); i++)
        if (strcmp(auris_nn_tensor_set_at(set, i)->name, "fc.bias"))
            auris_nn_tensor_set_add(partial, auris_nn_tensor_set_at(set, i), &err);
    CHECK(auris_nn_model_set_weights(m, partial, "w.safetensors", &err) == AURIS_EMODEL);
    CHECK(strstr(err.message, "w.safetensors: tensor 'fc.bias' missing") != NULL);
    auris_nn_tensor_set_free(partial);

    /* a tensor of the right size but the wrong shape (transposed dense weight) */
    auris_nn_tensor *wt = NULL;
    CHECK_OK(auris_nn_tensor_new("fc.weight", AURIS_NN_F32, 2, (int64_t[]){4, 3}, &wt, &err));
    CHECK_OK(auris_nn_tensor_set_add(set, wt, &err));
    CHECK(auris_nn_model_set_weights(m, set, "t.safetensors", &err) == AURIS_EMODEL);
    CHECK_MSG(strstr(err.message, "t.safetensors: tensor 'fc.weight' has shape [4, 3], the model needs [3, 4]"),
              "%s", err.message);
    auris_nn_tensor_free(wt);

    /* every truncation of a real model file is refused without a crash */
    FILE *f = fopen(path, "rb");
    unsigned char *bytes = malloc(1 << 16);
    size_t n = f ? fread(bytes, 1, 1 << 16, f) : 0;
    if (f)
        fclose(f);
    int refused = 0;
    for (size_t len = 0; len < n; len++) {
        auris_nn_model *t = NULL;
        if (auris_nn_model_parse(bytes, len, "cut.safetensors", &t, &err) != AURIS_OK)
            refused++;
        auris_nn_model_free(t);
    }
    CHECK_MSG(refused == (int)n, "%d of %zu truncations refused", refused, n);
    /* single-byte corruptions: errors or valid models, never crashes (ASan checks) */
    uint64_t rs = 11;
    unsigned char *mut = malloc(n);
    for (int k = 0; k < 3000 && n; k++) {
        memcpy(mut, bytes, n);
        size_t pos = (size_t)(tu_uniform(&rs) * (float)(n < 2048 ? n : 2048));
        mut[pos] = (unsigned char)(tu_uniform(&rs) * 256);
        auris_nn_model *t = NULL;
        auris_nn_model_parse(mut, n, "flip.safetensors", &t, &err);
        auris_nn_model_free(t);
    }
    free(mut);
    free(bytes);
    auris_nn_tensor_set_free(set);
    auris_nn_model_free(m2);
    auris_nn_model_free(m);
    CHECK(auris_nn_model_load("/nonexistent/x.safetensors", &m2, &err) == AURIS_EIO);
    CHECK(strstr(err.message, "/nonexistent/x.safetensors: cannot open") != NULL);
}

static void tensor_round_trip(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/nn_set.safetensors", test_tmpdir());
    auris_error err = {0};
    auris_nn_tensor *t = NULL, *q = NULL, *dq = NULL;
    CHECK_OK(auris_nn_tensor_new("w", AURIS_NN_F32, 2, (int64_t[]){3, 5}, &t, &err));
    tu_fill(t->data, 15, 9, -3, 3);
    CHECK_OK(auris_nn_tensor_quantize(t, &q, &err));
    strcpy(q->name, "w.q");
    CHECK_OK(auris_nn_tensor_dequantize(q, &dq, &err));
    double maxerr = 0;
    for (int i = 0; i < 15; i++)
        maxerr = fmax(maxerr, fabs(((float *)dq->data)[i] - ((float *)t->data)[i]));
    CHECK_MSG(maxerr <= 0.5 * q->scale + 1e-6, "int8 error %g, scale %g", maxerr, (double)q->scale);
    auris_nn_tensor_set *set = NULL, *back = NULL;
    CHECK_OK(auris_nn_tensor_set_new(&set, &err));
    CHECK_OK(auris_nn_tensor_set_add(set, t, &err));
    CHECK_OK(auris_nn_tensor_set_add(set, q, &err));
    CHECK_OK(auris_nn_tensor_set_set_meta(set, "note", "hello", &err));
    CHECK_OK(auris_nn_safetensors_save(set, path, &err));
    CHECK_OK(auris_nn_safetensors_load(path, &back, &err));
    if (back) {
        const auris_nn_tensor *t2 = auris_nn_tensor_set_get(back, "w");
        const auris_nn_tensor *q2 = auris_nn_tensor_set_get(back, "w.q");
        CHECK(t2 && t2->ndim == 2 && t2->dims[1] == 5 && !memcmp(t2->data, t->data, 60));
        CHECK(q2 && q2->dtype == AURIS_NN_I8 && q2->scale == q->scale && !memcmp(q2->data, q->data, 15));
        CHECK(auris_nn_tensor_set_meta(back, "note") && !strcmp(auris_nn_tensor_set_meta(back, "note"), "hello"));
    }
    auris_nn_tensor_set_free(back);
    auris_nn_tensor_set_free(set);
    auris_nn_tensor_free(t);
    auris_nn_tensor_free(q);
    auris_nn_tensor_free(dq);
}

int main(void)
{
    hostile_headers();
    tensor_round_trip();
    model_round_trip();
    return test_finish("nn/safetensors");
}
