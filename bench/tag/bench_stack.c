/* YAMNet's network alone (conv stack + classifier) in batches, as the tagger runs it:
 * prints ms per patch and GFLOP/s (2 x multiply-accumulates).
 *   bench_stack MODEL.safetensors BATCH ROUNDS */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "auris/auris.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_stack MODEL.safetensors BATCH ROUNDS\n");
        return 1;
    }
    int batch = atoi(argv[2]), rounds = atoi(argv[3]);
    auris_error err = {0};
    auris_nn_model *m;
    if (auris_nn_model_load(argv[1], &m, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    auris_nn_state_config sc;
    auris_nn_state_config_default(&sc);
    sc.max_batch = batch;
    sc.channels_last = 1;
    auris_nn_state *s;
    if (auris_nn_state_new(m, &sc, &s, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    size_t n = auris_nn_model_input_size(m) * (size_t)batch;
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(i % 97) / 20.0f - 4.0f;
    const float *y;
    auris_nn_forward(s, x, batch, &y, &err);
    double best = 1e30;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        auris_nn_forward(s, x, batch, &y, &err);
        double t = now() - t0;
        best = t < best ? t : best;
    }
    double flops = 2.0 * auris_nn_model_macs(m) * batch;
    printf("network: %.1f MFLOP a patch, batch %d: %.2f ms a patch, %.1f GFLOP/s (best of %d)\n",
           2.0 * auris_nn_model_macs(m) / 1e6, batch, 1e3 * best / batch, flops / best / 1e9, rounds);
    free(x);
    auris_nn_state_free(s);
    auris_nn_model_free(m);
    return 0;
}
