/* The network cfg parser on arbitrary text, then training-state forward and backward
 * passes through whatever small network it accepts (shape inference of every layer). */
#include <stdint.h>
#include <stdlib.h>

#include "auris/nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    auris_nn_model *m = NULL;
    auris_error err = {0};
    if (auris_nn_model_from_cfg((const char *)data, size, "fuzz.cfg", &m, &err) != AURIS_OK)
        return 0;
    char *text = auris_nn_model_cfg_text(m);
    free(text);
    if (auris_nn_model_input_size(m) <= 4096 && auris_nn_model_macs(m) <= 1e6 &&
        auris_nn_model_output_size(m) <= 65536) {
        auris_nn_model_init_weights(m, 1);
        auris_nn_state_config sc;
        auris_nn_state_config_default(&sc);
        sc.max_batch = 2;
        sc.training = 1;
        auris_nn_state *s = NULL;
        float *x = calloc(2 * auris_nn_model_input_size(m), sizeof *x);
        float *dy = calloc(2 * auris_nn_model_output_size(m), sizeof *dy);
        const float *y;
        if (x && dy && auris_nn_state_new(m, &sc, &s, &err) == AURIS_OK &&
            auris_nn_forward(s, x, 2, &y, &err) == AURIS_OK)
            auris_nn_backward(s, dy, &err);
        auris_nn_state_free(s);
        free(x);
        free(dy);
    }
    auris_nn_model_free(m);
    return 0;
}
