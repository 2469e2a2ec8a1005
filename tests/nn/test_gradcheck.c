/* Finite-difference gradient checks: for every layer with inputs or parameters, the
 * analytic gradients of loss = sum(r * output) match central differences. */
#include "test.h"
#include "nn/nn_test_util.h"

#define BATCH 3

static double loss_of(auris_nn_state *s, const float *x, const float *r, size_t n_out)
{
    const float *y;
    if (auris_nn_forward(s, x, BATCH, &y, NULL))
        return NAN;
    double l = 0.0;
    for (size_t i = 0; i < n_out; i++)
        l += (double)r[i] * y[i];
    return l;
}

/* Compares up to 24 entries of an analytic gradient with central differences of v. */
static int check_entries(auris_nn_state *s, float *v, size_t n, const float *grad, const float *x,
                         const float *r, size_t n_out, const char *what, const char *cfg_name)
{
    int bad = 0;
    size_t step = n > 24 ? n / 24 : 1;
    for (size_t i = 0; i < n; i += step) {
        float keep = v[i];
        float h = 1e-3f * fmaxf(1.0f, fabsf(keep));
        v[i] = keep + h;
        double lp = loss_of(s, x, r, n_out);
        v[i] = keep - h;
        double lm = loss_of(s, x, r, n_out);
        v[i] = keep;
        double num = (lp - lm) / (2.0 * h), ana = grad[i];
        if (!(fabs(num - ana) <= 2e-2 * fmax(fabs(num), fabs(ana)) + 1e-2)) {
            fprintf(stderr, "%s: %s[%zu]: numeric %.6g analytic %.6g\n", cfg_name, what, i, num, ana);
            bad++;
        }
    }
    return bad;
}

static void gradcheck(const char *label, const char *cfg, int training_bn)
{
    auris_nn_model *m = tu_model(cfg);
    CHECK_MSG(m != NULL, "%s", label);
    if (!m)
        return;
    auris_nn_model_init_weights(m, 7);
    /* non-trivial biases, batch-norm affine and running statistics */
    for (size_t i = 0; i < auris_nn_model_tensor_count(m); i++) {
        auris_nn_tensor *t = auris_nn_model_tensor(m, i);
        if (t->ndim == 1)
            tu_fill(t->data, auris_nn_tensor_numel(t), 100 + i, strstr(t->name, "var") ? 0.5f : -0.5f,
                    strstr(t->name, "var") ? 2.0f : 0.5f);
    }
    auris_nn_state_config sc;
    auris_nn_state_config_default(&sc);
    sc.max_batch = BATCH;
    sc.training = 1;
    auris_nn_state *s = NULL;
    auris_error err = {0};
    CHECK_OK(auris_nn_state_new(m, &sc, &s, &err));
    size_t n_in = auris_nn_model_input_size(m) * BATCH, n_out = auris_nn_model_output_size(m) * BATCH;
    float *x = malloc(n_in * sizeof *x), *r = malloc(n_out * sizeof *r);
    tu_fill(x, n_in, 1, -2.0f, 2.0f);
    tu_fill(r, n_out, 2, -1.0f, 1.0f);
    (void)training_bn;
    const float *y;
    CHECK_OK(auris_nn_forward(s, x, BATCH, &y, &err));
    CHECK_OK(auris_nn_backward(s, r, &err));
    int bad = 0;
    size_t nt = auris_nn_model_tensor_count(m);
    float *dx = malloc(n_in * sizeof *dx);
    memcpy(dx, auris_nn_input_grad(s), n_in * sizeof *dx);
    bad += check_entries(s, x, n_in, dx, x, r, n_out, "input", label);
    for (size_t i = 0; i < nt; i++) {
        auris_nn_tensor *t = auris_nn_model_tensor(m, i);
        const float *g = auris_nn_param_grad(s, t->name);
        if (!g)
            continue;
        size_t n = auris_nn_tensor_numel(t);
        float *gc = malloc(n * sizeof *gc);
        memcpy(gc, g, n * sizeof *gc);
        bad += check_entries(s, t->data, n, gc, x, r, n_out, t->name, label);
        free(gc);
    }
    CHECK_MSG(bad == 0, "%s: %d gradient entries differ", label, bad);
    free(dx);
    free(x);
    free(r);
    auris_nn_state_free(s);
    auris_nn_model_free(m);
}

#define NET "[net]\nchannels=4\nheight=7\nwidth=6\n"

int main(void)
{
    gradcheck("conv", NET "[conv2d]\nfilters=3\nsize=3\n", 0);
    gradcheck("conv-stride-pad", NET "[conv2d]\nfilters=5\nsize=3\nstride=2\npad=1\n", 0);
    gradcheck("conv-dilated-same", NET "[conv2d]\nfilters=2\nsize=3\npad=same\ndilation=2\nbias=0\n", 0);
    gradcheck("conv-even-same", NET "[conv2d]\nfilters=2\nsize=2,4\npad=same\n", 0);
    gradcheck("conv-groups", NET "[conv2d]\nfilters=6\nsize=3\ngroups=2\npad=1\n", 0);
    gradcheck("conv-depthwise", NET "[conv2d]\nfilters=4\nsize=3\ngroups=4\npad=1\nstride=2\n", 0);
    gradcheck("dense", NET "[dense]\noutputs=5\n", 0);
    gradcheck("batchnorm", NET "[batchnorm]\n", 1);
    gradcheck("batchnorm-nc", NET "[flatten]\n[batchnorm]\n", 1);
    gradcheck("relu", NET "[relu]\n", 0);
    gradcheck("relu6", NET "[conv2d]\nfilters=2\nsize=1\n[relu6]\n", 0);
    gradcheck("sigmoid", NET "[sigmoid]\n", 0);
    gradcheck("tanh", NET "[tanh]\n", 0);
    gradcheck("gelu", NET "[gelu]\n", 0);
    gradcheck("silu", NET "[silu]\n", 0);
    gradcheck("softmax", NET "[softmax]\n", 0);
    gradcheck("logsoftmax", NET "[flatten]\n[logsoftmax]\n", 0);
    gradcheck("maxpool", NET "[maxpool]\nsize=3\nstride=2\npad=1\n", 0);
    gradcheck("avgpool", NET "[avgpool]\nsize=3\nstride=2\npad=1\n", 0);
    gradcheck("globalavgpool", NET "[globalavgpool]\n", 0);
    gradcheck("globalmaxpool", NET "[globalmaxpool]\n", 0);
    gradcheck("reshape", NET "[reshape]\nshape=8,3,7\n[conv2d]\nfilters=2\nsize=2\n", 0);
    gradcheck("residual", NET "[conv2d]\nfilters=4\nsize=3\npad=same\n[relu]\n[add]\nfrom=-1,-3\n", 0);
    gradcheck("concat", NET "[conv2d]\nfilters=3\nsize=1\n[concat]\nfrom=-1,-2\n[conv2d]\nfilters=2\nsize=3\n", 0);
    gradcheck("dropout-p0", NET "[dropout]\np=0\n[dense]\noutputs=3\n", 0);
    gradcheck("small-cnn", NET "[conv2d]\nfilters=4\nsize=3\npad=1\n[batchnorm]\n[silu]\n[maxpool]\n"
              "[conv2d]\nfilters=4\nsize=3\npad=same\ngroups=4\n[globalavgpool]\n[dense]\noutputs=3\n", 1);
#define SEQ "[net]\nchannels=5\nheight=1\nwidth=9\n"
    gradcheck("conv1d", SEQ "[conv1d]\nfilters=3\nsize=3\npad=same\ndilation=2\n", 0);
    gradcheck("conv1d-groups", SEQ "[conv1d]\nfilters=5\nsize=4\nstride=2\npad=1\ngroups=5\n", 0);
    gradcheck("layernorm", SEQ "[layernorm]\n", 0);
    gradcheck("layernorm-vec", NET "[flatten]\n[layernorm]\n", 0);
    gradcheck("lstm", SEQ "[lstm]\noutputs=4\n", 0);
    gradcheck("gru", SEQ "[gru]\noutputs=4\n", 0);
    gradcheck("attention", "[net]\nchannels=6\nheight=1\nwidth=5\n[posenc]\n[attention]\nheads=3\n", 0);
    gradcheck("cosine", NET "[globalavgpool]\n[cosine]\noutputs=5\nscale=4\n", 0);
    return test_finish("nn/gradcheck");
}
