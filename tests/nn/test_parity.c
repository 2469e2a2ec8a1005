/* Parity with PyTorch 1.13: per-layer and whole-network fixtures (tools/make_nn_fixtures.py)
 * hold weights, an input, the output, an upstream gradient and the resulting input and
 * parameter gradients; auris must match each to 1e-4 relative (max abs error over the
 * tensor's max abs value). Optimizer fixtures hold the weights after six training steps. */
#include "test.h"
#include "nn/nn_test_util.h"

#define TOL 1e-4

static auris_nn_tensor_set *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/nn/%s.safetensors", AURIS_FIXTURES, name);
    auris_nn_tensor_set *set = NULL;
    auris_error err = {0};
    if (auris_nn_safetensors_load(path, &set, &err))
        fprintf(stderr, "%s\n", err.message);
    return set;
}

static auris_nn_model *model_of(const auris_nn_tensor_set *set)
{
    const char *cfg = auris_nn_tensor_set_meta(set, "auris.cfg");
    auris_nn_model *m = cfg ? tu_model(cfg) : NULL;
    auris_error err = {0};
    if (m && auris_nn_model_set_weights(m, set, "fixture", &err)) {
        fprintf(stderr, "%s\n", err.message);
        auris_nn_model_free(m);
        return NULL;
    }
    return m;
}

static void compare(const char *label, const char *what, const float *got,
                    const auris_nn_tensor *ref)
{
    CHECK_MSG(got && ref, "%s: %s missing", label, what);
    if (!got || !ref)
        return;
    double e = tu_rel_err(got, ref->data, auris_nn_tensor_numel(ref));
    CHECK_MSG(e <= TOL, "%s: %s relative error %.3g", label, what, e);
}

static void running_stats_after_step(const char *label, auris_nn_model *m,
                                     const auris_nn_tensor_set *set, const auris_nn_tensor *x)
{
    auris_nn_trainer_config tc;
    auris_nn_trainer_config_default(&tc);
    tc.optimizer = AURIS_NN_SGD;
    tc.lr = 0.0f;
    tc.loss = AURIS_NN_LOSS_MSE;
    tc.max_batch = (int)x->dims[0];
    auris_nn_trainer *t = NULL;
    CHECK_OK(auris_nn_trainer_new(m, &tc, &t, NULL));
    size_t n_out = auris_nn_model_output_size(m) * (size_t)x->dims[0];
    float *targets = calloc(n_out, sizeof *targets);
    float loss;
    CHECK_OK(auris_nn_trainer_step(t, x->data, NULL, targets, (int)x->dims[0], &loss, NULL));
    for (size_t i = 0; i < auris_nn_tensor_set_count(set); i++) {
        const auris_nn_tensor *ref = auris_nn_tensor_set_at(set, i);
        if (strncmp(ref->name, "after.", 6) || ref->dtype != AURIS_NN_F32)
            continue;
        const auris_nn_tensor *mine = auris_nn_model_find(m, ref->name + 6);
        compare(label, ref->name, mine ? mine->data : NULL, ref);
    }
    free(targets);
    auris_nn_trainer_free(t);
}

static void layer_case(const char *name)
{
    auris_nn_tensor_set *set = load(name);
    CHECK_MSG(set != NULL, "%s: fixture", name);
    if (!set)
        return;
    auris_nn_model *m = model_of(set);
    CHECK_MSG(m != NULL, "%s: model", name);
    const auris_nn_tensor *x = auris_nn_tensor_set_get(set, "x");
    const char *mode = auris_nn_tensor_set_meta(set, "mode");
    if (m && x) {
        auris_nn_state_config sc;
        auris_nn_state_config_default(&sc);
        sc.max_batch = (int)x->dims[0];
        sc.training = 1;   /* backward needs a training state; eval fixtures use running stats */
        auris_nn_state *s = NULL;
        auris_error err = {0};
        int train = mode && !strcmp(mode, "train");
        if (!train) {
            /* eval-mode parity: inference state for the output, and the gradients of the
             * eval graph come from a fixed-statistics view, so only forward is compared */
            sc.training = 0;
        }
        CHECK_OK(auris_nn_state_new(m, &sc, &s, &err));
        const float *y = NULL;
        CHECK_OK(auris_nn_forward(s, x->data, (int)x->dims[0], &y, &err));
        compare(name, "y", y, auris_nn_tensor_set_get(set, "y"));
        if (train) {
            CHECK_OK(auris_nn_backward(s, auris_nn_tensor_set_get(set, "dy")->data, &err));
            compare(name, "dx", auris_nn_input_grad(s), auris_nn_tensor_set_get(set, "dx"));
            for (size_t i = 0; i < auris_nn_tensor_set_count(set); i++) {
                const auris_nn_tensor *g = auris_nn_tensor_set_at(set, i);
                if (!strncmp(g->name, "grad.", 5))
                    compare(name, g->name, auris_nn_param_grad(s, g->name + 5), g);
            }
            running_stats_after_step(name, m, set, x);
        }
        auris_nn_state_free(s);
    }
    auris_nn_model_free(m);
    auris_nn_tensor_set_free(set);
}

static float meta_f(const auris_nn_tensor_set *set, const char *key, float dflt)
{
    const char *v = auris_nn_tensor_set_meta(set, key);
    return v ? strtof(v, NULL) : dflt;
}

static void optim_case(const char *name)
{
    auris_nn_tensor_set *set = load(name);
    CHECK_MSG(set != NULL, "%s: fixture", name);
    if (!set)
        return;
    auris_nn_model *m = model_of(set);
    CHECK(m != NULL);
    auris_nn_trainer_config tc;
    auris_nn_trainer_config_default(&tc);
    const char *opt = auris_nn_tensor_set_meta(set, "optimizer");
    const char *sched = auris_nn_tensor_set_meta(set, "schedule");
    tc.optimizer = opt && !strcmp(opt, "sgd") ? AURIS_NN_SGD : AURIS_NN_ADAMW;
    tc.lr = meta_f(set, "lr", 0);
    tc.weight_decay = meta_f(set, "weight_decay", 0);
    tc.label_smoothing = meta_f(set, "smoothing", 0);
    tc.clip_norm = meta_f(set, "clip", 0);
    tc.schedule = sched && !strcmp(sched, "cosine") ? AURIS_NN_LR_COSINE : AURIS_NN_LR_STEP;
    tc.warmup_steps = (int)meta_f(set, "warmup", 0);
    tc.total_steps = (int)meta_f(set, "total", 0);
    tc.min_lr = meta_f(set, "min_lr", 0);
    tc.step_size = (int)meta_f(set, "step_size", 1);
    tc.gamma = meta_f(set, "gamma", 1);
    const auris_nn_tensor *x = auris_nn_tensor_set_get(set, "x");
    const auris_nn_tensor *lab = auris_nn_tensor_set_get(set, "labels");
    const auris_nn_tensor *losses = auris_nn_tensor_set_get(set, "losses");
    tc.max_batch = (int)x->dims[0];
    auris_nn_trainer *t = NULL;
    CHECK_OK(auris_nn_trainer_new(m, &tc, &t, NULL));
    int labels[64];
    for (int i = 0; i < tc.max_batch; i++)
        labels[i] = (int)((const int64_t *)lab->data)[i];
    for (int step = 0; t && step < (int)losses->dims[0]; step++) {
        float loss = 0;
        CHECK_OK(auris_nn_trainer_step(t, x->data, labels, NULL, tc.max_batch, &loss, NULL));
        float ref = ((const float *)losses->data)[step];
        CHECK_MSG(fabsf(loss - ref) <= TOL * fabsf(ref), "%s: step %d loss %g vs %g", name, step,
                  (double)loss, (double)ref);
    }
    for (size_t i = 0; i < auris_nn_tensor_set_count(set); i++) {
        const auris_nn_tensor *ref = auris_nn_tensor_set_at(set, i);
        if (strncmp(ref->name, "after.", 6))
            continue;
        const auris_nn_tensor *mine = auris_nn_model_find(m, ref->name + 6);
        compare(name, ref->name, mine ? mine->data : NULL, ref);
    }
    auris_nn_trainer_free(t);
    auris_nn_model_free(m);
    auris_nn_tensor_set_free(set);
}

static void losses_case(void)
{
    auris_nn_tensor_set *set = load("losses");
    CHECK(set != NULL);
    if (!set)
        return;
    const auris_nn_tensor *x = auris_nn_tensor_set_get(set, "logits");
    const auris_nn_tensor *lab = auris_nn_tensor_set_get(set, "labels");
    const float *targets = auris_nn_tensor_set_get(set, "targets")->data;
    int n = (int)x->dims[0], k = (int)x->dims[1];
    int labels[16];
    for (int i = 0; i < n; i++)
        labels[i] = (int)((const int64_t *)lab->data)[i];
    static const char *const names[] = {"ce", "ce_smooth", "bce", "mse"};
    float grad[256];
    for (int j = 0; j < 4; j++) {
        float loss = j == 0 ? auris_nn_loss_cross_entropy(x->data, labels, n, k, 0.0f, grad)
                   : j == 1 ? auris_nn_loss_cross_entropy(x->data, labels, n, k, 0.2f, grad)
                   : j == 2 ? auris_nn_loss_bce(x->data, targets, n, k, grad)
                            : auris_nn_loss_mse(x->data, targets, n, k, grad);
        char key[32];
        snprintf(key, sizeof key, "loss.%s", names[j]);
        float ref = *(const float *)auris_nn_tensor_set_get(set, key)->data;
        CHECK_MSG(fabsf(loss - ref) <= TOL * fabsf(ref), "%s: loss %g vs %g", names[j], (double)loss, (double)ref);
        snprintf(key, sizeof key, "grad.%s", names[j]);
        compare(names[j], key, grad, auris_nn_tensor_set_get(set, key));
    }
    auris_nn_tensor_set_free(set);
}

/* AAM softmax: loss and gradient w.r.t. the cosine logits against PyTorch's ArcFace. */
static void aam_case(void)
{
    auris_nn_tensor_set *set = load("aam");
    CHECK(set != NULL);
    if (!set)
        return;
    const auris_nn_tensor *x = auris_nn_tensor_set_get(set, "logits");
    int n = (int)x->dims[0], k = (int)x->dims[1], labels[16];
    for (int i = 0; i < n; i++)
        labels[i] = (int)((const int64_t *)auris_nn_tensor_set_get(set, "labels")->data)[i];
    float grad[256];
    float loss = auris_nn_loss_aam(x->data, labels, n, k, strtof(auris_nn_tensor_set_meta(set, "scale"), NULL),
                                   strtof(auris_nn_tensor_set_meta(set, "margin"), NULL), grad);
    float ref = *(const float *)auris_nn_tensor_set_get(set, "loss")->data;
    CHECK_MSG(fabsf(loss - ref) <= TOL * fabsf(ref), "aam: loss %g vs %g", (double)loss, (double)ref);
    compare("aam", "grad", grad, auris_nn_tensor_set_get(set, "grad"));
    auris_nn_tensor_set_free(set);
}

int main(void)
{
    losses_case();
    aam_case();
    static const char *const cases[] = {
        "conv", "conv_stride_pad", "conv_dilated_same", "conv_rect_same", "conv_groups",
        "conv_depthwise", "dense", "batchnorm_train", "batchnorm_eval", "relu", "relu6",
        "sigmoid", "tanh", "gelu", "silu", "softmax", "logsoftmax", "maxpool", "avgpool",
        "globalavgpool", "globalmaxpool", "concat_add", "small_cnn_train", "small_cnn_eval",
        "conv1d", "conv1d_stride_groups", "layernorm_seq", "layernorm_vec", "seq_model",
        "lstm", "gru", "rnn_model", "attention", "transformer_block",
        "cosine", "embedding"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        layer_case(cases[i]);
    optim_case("optim_adamw");
    optim_case("optim_sgd");
    return test_finish("nn/parity");
}
