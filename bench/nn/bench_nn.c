/* auris side of the nn benchmark: times inference at a batch size and one training step
 * (forward, cross-entropy, backward, SGD update) of a cfg network whose weights, input and
 * PyTorch output come from bench_torch.py; checks the output against PyTorch first.
 *
 *   bench_nn NET.cfg WEIGHTS.safetensors BATCH ITERS      -> "infer <ms> train <ms> err <rel>"
 *   bench_nn --sgemm N ITERS                               -> "sgemm <GFLOP/s>"            */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dnnl.h>

#include "auris/nn.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* The machine's sgemm peak: the better of OpenBLAS and oneDNN's sgemm on n x n x n. */
static int sgemm_peak(int n, int iters)
{
    float *a = malloc((size_t)n * n * sizeof *a), *b = malloc((size_t)n * n * sizeof *b),
          *c = malloc((size_t)n * n * sizeof *c);
    for (size_t i = 0; i < (size_t)n * n; i++)
        a[i] = b[i] = 1.0f / (float)(1 + i % 7);
    double best_blas = 1e9, best_dnnl = 1e9;
    for (int k = 0; k <= iters; k++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        double t1 = now();
        dnnl_sgemm('N', 'N', n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double t2 = now();
        if (k) {
            best_blas = t1 - t0 < best_blas ? t1 - t0 : best_blas;
            best_dnnl = t2 - t1 < best_dnnl ? t2 - t1 : best_dnnl;
        }
    }
    double flop = 2.0 * n * n * (double)n;
    printf("sgemm %.1f openblas %.1f onednn %.1f\n", flop / fmin(best_blas, best_dnnl) / 1e9,
           flop / best_blas / 1e9, flop / best_dnnl / 1e9);
    free(a);
    free(b);
    free(c);
    return 0;
}

static int die(const char *what, const auris_error *err)
{
    fprintf(stderr, "bench_nn: %s: %s\n", what, err->message);
    return 2;
}

/* Median of iters timings of fn. */
static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--sgemm"))
        return sgemm_peak(atoi(argv[2]), atoi(argv[3]));
    if (argc != 5) {
        fprintf(stderr, "usage: bench_nn NET.cfg WEIGHTS.safetensors BATCH ITERS\n");
        return 1;
    }
    int batch = atoi(argv[3]), iters = atoi(argv[4]);
    auris_error err = {0};
    auris_nn_model *m = NULL;
    auris_nn_tensor_set *w = NULL;
    if (auris_nn_model_load_cfg(argv[1], &m, &err))
        return die(argv[1], &err);
    if (auris_nn_safetensors_load(argv[2], &w, &err) || auris_nn_model_set_weights(m, w, argv[2], &err))
        return die(argv[2], &err);
    const auris_nn_tensor *x = auris_nn_tensor_set_get(w, "x");
    const auris_nn_tensor *yref = auris_nn_tensor_set_get(w, "y");
    size_t in = auris_nn_model_input_size(m), out = auris_nn_model_output_size(m);
    if (!x || !yref || x->dims[0] < batch) {
        fprintf(stderr, "bench_nn: %s lacks x/y for batch %d\n", argv[2], batch);
        return 2;
    }
    auris_nn_state_config sc;
    auris_nn_state_config_default(&sc);
    sc.max_batch = batch;
    auris_nn_state *s = NULL;
    if (auris_nn_state_new(m, &sc, &s, &err))
        return die("state", &err);
    const float *y;
    if (auris_nn_forward(s, x->data, batch, &y, &err))
        return die("forward", &err);
    double num = 0, den = 1e-30;
    for (size_t i = 0; i < (size_t)batch * out; i++) {
        num = fmax(num, fabs(y[i] - ((const float *)yref->data)[i]));
        den = fmax(den, fabs(((const float *)yref->data)[i]));
    }
    double *t = malloc((size_t)iters * sizeof *t);
    for (int k = 0; k < iters; k++) {
        double t0 = now();
        auris_nn_forward(s, x->data, batch, &y, &err);
        t[k] = now() - t0;
    }
    qsort(t, (size_t)iters, sizeof *t, cmp_d);
    double infer = t[iters / 2];

    auris_nn_trainer_config tc;
    auris_nn_trainer_config_default(&tc);
    tc.optimizer = AURIS_NN_SGD;
    tc.lr = 1e-4f;
    tc.max_batch = batch;
    auris_nn_trainer *tr = NULL;
    if (auris_nn_trainer_new(m, &tc, &tr, &err))
        return die("trainer", &err);
    int *labels = malloc((size_t)batch * sizeof *labels);
    for (int i = 0; i < batch; i++)
        labels[i] = i % (int)out;
    float loss;
    auris_nn_trainer_step(tr, x->data, labels, NULL, batch, &loss, &err);
    for (int k = 0; k < iters; k++) {
        double t0 = now();
        if (auris_nn_trainer_step(tr, x->data, labels, NULL, batch, &loss, &err))
            return die("train", &err);
        t[k] = now() - t0;
    }
    qsort(t, (size_t)iters, sizeof *t, cmp_d);
    printf("infer_ms %.3f train_ms %.3f rel_err %.2e gflop %.4f params %zu\n", infer * 1e3,
           t[iters / 2] * 1e3, num / den, 2.0 * auris_nn_model_macs(m) / 1e9,
           auris_nn_model_param_count(m));
    (void)in;
    free(t);
    free(labels);
    auris_nn_trainer_free(tr);
    auris_nn_state_free(s);
    auris_nn_tensor_set_free(w);
    auris_nn_model_free(m);
    return 0;
}
