/* The cfg text format: shapes and parameters of a parsed network, the writer/reader round
 * trip, models built in C, and malformed texts refused with the file name and line. */
#include "test.h"
#include "nn/nn_test_util.h"

static const char *const CNN =
    "# spectrogram CNN\n"
    "[net]\nchannels=1\nheight=64\nwidth=96\n\n"
    "[conv2d]\nname=conv1\nfilters=16\nsize=3\npad=same\nbias=0\n"
    "[batchnorm]\nname=bn1\n[relu]\n[maxpool]\nsize=2\n"
    "[conv2d]\nfilters=16\nsize=3\nstride=2\npad=1\ngroups=16  # depthwise\n"
    "[conv2d]\nfilters=32\nsize=1\n[relu6]\n"
    "[conv2d]\nfilters=32\nsize=3\npad=same\n[add]\nfrom=-1,-2\n[concat]\nfrom=-1,-3\n"
    "[avgpool]\nsize=2\n[dropout]\np=0.25\n[globalavgpool]\n[flatten]\n[dense]\nname=fc\noutputs=10\n"
    "[logsoftmax]\n";

static void expect_bad(const char *text, const char *part)
{
    auris_nn_model *m = NULL;
    auris_error err = {0};
    auris_status st = auris_nn_model_from_cfg(text, strlen(text), "bad.cfg", &m, &err);
    CHECK_MSG(st == AURIS_EMODEL && m == NULL, "accepted: %s", text);
    CHECK_MSG(strstr(err.message, "bad.cfg") == err.message && strstr(err.message, part),
              "'%s' lacks '%s'", err.message, part);
}

int main(void)
{
    auris_nn_model *m = tu_model(CNN);
    CHECK(m != NULL);
    if (!m)
        return test_finish("nn/cfg");
    CHECK(auris_nn_model_layer_count(m) == 16);
    int sh[3];
    auris_nn_model_layer_shape(m, 3, sh);
    CHECK(sh[0] == 16 && sh[1] == 32 && sh[2] == 48);
    auris_nn_model_layer_shape(m, 4, sh);
    CHECK(sh[0] == 16 && sh[1] == 16 && sh[2] == 24);
    auris_nn_model_layer_shape(m, 9, sh);
    CHECK(sh[0] == 64 && sh[1] == 16 && sh[2] == 24);
    CHECK(auris_nn_model_output_size(m) == 10);
    CHECK(auris_nn_model_find(m, "conv1.weight") && !auris_nn_model_find(m, "conv1.bias"));
    CHECK(auris_nn_model_find(m, "layers.4.weight")->dims[1] == 1);
    CHECK(auris_nn_model_find(m, "fc.weight")->dims[1] == 64);
    size_t params = 16 * 9 + 2 * 16 + 16 * 9 + 16 + 32 * 16 + 32 + 32 * 32 * 9 + 32 + 64 * 10 + 10;
    CHECK_MSG(auris_nn_model_param_count(m) == params, "%zu params", auris_nn_model_param_count(m) );

    /* what the writer prints, the reader rebuilds */
    char *text = auris_nn_model_cfg_text(m);
    auris_nn_model *m2 = text ? tu_model(text) : NULL;
    char *text2 = m2 ? auris_nn_model_cfg_text(m2) : NULL;
    CHECK(text && text2 && !strcmp(text, text2));
    free(text);
    free(text2);
    auris_nn_model_free(m2);

    /* built in C: the same as the cfg */
    auris_nn_model_config mc;
    auris_nn_model_config_default(&mc);
    mc.height = 8;
    mc.width = 8;
    auris_nn_model *c = NULL;
    auris_error err = {0};
    CHECK_OK(auris_nn_model_new(&mc, &c, &err));
    auris_nn_layer_config lc;
    auris_nn_layer_config_default(AURIS_NN_CONV2D, &lc);
    lc.filters = 4;
    lc.pad_h = lc.pad_w = AURIS_NN_PAD_SAME;
    CHECK_OK(auris_nn_model_add(c, &lc, &err));
    auris_nn_layer_config_default(AURIS_NN_ADD, &lc);
    CHECK(auris_nn_model_add(c, &lc, &err) == AURIS_EINVAL);   /* 4x8x8 + 1x8x8 */
    auris_nn_layer_config_default(AURIS_NN_GLOBALMAXPOOL, &lc);
    CHECK_OK(auris_nn_model_add(c, &lc, &err));
    CHECK(auris_nn_model_output_size(c) == 4);
    auris_nn_model_free(c);

    expect_bad("[net]\nchannels=1\n[conv3d]\n", "bad.cfg:3: unknown layer type 'conv3d'");
    expect_bad("[net]\n[conv2d]\nfilterz=3\n", ":3: unknown key 'filterz'");
    expect_bad("[net]\n[conv2d]\nfilters=-3\n", ":3: bad value for 'filters'");
    expect_bad("[net]\n[conv2d]\nfilters=99999999999999\n", "bad value");
    expect_bad("[net]\n[conv2d]\nsize=3,4,5\n", "bad value for 'size'");
    expect_bad("filters=3\n", ":1: key outside a section");
    expect_bad("[net]\n[relu]\n[net]\n", "[net] must come first");
    expect_bad("[net]\n[relu]\n[add]\nfrom=-1,-5\n", "refers to no earlier layer");
    expect_bad("[net]\nheight=4\nwidth=4\n[conv2d]\nsize=7\n", "kernel larger");
    expect_bad("[net]\nchannels=3\n[conv2d]\nfilters=4\ngroups=2\n", "groups 2 do not divide");
    expect_bad("[net]\nheight=100000\nwidth=100000\nchannels=1000\n[relu]\n", "out of range");
    expect_bad("[net]\n[relu\n", "malformed section");
    expect_bad("[net]\nchannels=1\n", "no layers");
    expect_bad("[net]\n[dense]\noutputs=1000000\n", "out of range");
    expect_bad("[net]\n[dropout]\np=1.5\n", "dropout");
    expect_bad("[net]\n[reshape]\nshape=2,2,2\n", "reshape");

    /* token indices outside the vocabulary (or not whole) are refused, not read wild */
    auris_nn_model *e = tu_model("[net]\nchannels=1\nheight=1\nwidth=3\n[embedding]\ntokens=5\noutputs=2\n");
    CHECK(e != NULL);
    if (e) {
        auris_nn_state_config sc;
        auris_nn_state_config_default(&sc);
        auris_nn_state *s = NULL;
        const float *y;
        CHECK_OK(auris_nn_state_new(e, &sc, &s, &err));
        float good[3] = {0, 4, 2}, big[3] = {0, 5, 1}, frac[3] = {0.5f, 1, 1}, neg[3] = {-1, 0, 0};
        CHECK_OK(auris_nn_forward(s, good, 1, &y, &err));
        CHECK(auris_nn_forward(s, big, 1, &y, &err) == AURIS_EINVAL && strstr(err.message, "token 5"));
        CHECK(auris_nn_forward(s, frac, 1, &y, &err) == AURIS_EINVAL);
        CHECK(auris_nn_forward(s, neg, 1, &y, &err) == AURIS_EINVAL);
        auris_nn_state_free(s);
        auris_nn_model_free(e);
    }

    /* every prefix of a valid text parses or fails cleanly */
    size_t n = strlen(CNN);
    for (size_t len = 0; len <= n; len++) {
        auris_nn_model *t = NULL;
        auris_nn_model_from_cfg(CNN, len, "cut.cfg", &t, &err);
        auris_nn_model_free(t);
    }
    auris_nn_model_free(m);
    return test_finish("nn/cfg");
}
