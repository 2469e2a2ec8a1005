/* safetensors and model files on arbitrary bytes: the tensor reader, then the model
 * loader (cfg in __metadata__, weights by name) and, for small models, one forward pass. */
#include <stdint.h>
#include <stdlib.h>

#include "auris/nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    auris_nn_tensor_set *set = NULL;
    auris_error err = {0};
    if (auris_nn_safetensors_parse(data, size, "fuzz", &set, &err) == AURIS_OK)
        auris_nn_tensor_set_free(set);
    auris_nn_model *m = NULL;
    if (auris_nn_model_parse(data, size, "fuzz", &m, &err) != AURIS_OK)
        return 0;
    if (auris_nn_model_input_size(m) <= 4096 && auris_nn_model_macs(m) <= 1e6) {
        auris_nn_state_config sc;
        auris_nn_state_config_default(&sc);
        auris_nn_state *s = NULL;
        float *x = calloc(auris_nn_model_input_size(m), sizeof *x);
        const float *y;
        if (x && auris_nn_state_new(m, &sc, &s, &err) == AURIS_OK)
            auris_nn_forward(s, x, 1, &y, &err);
        auris_nn_state_free(s);
        free(x);
    }
    auris_nn_model_free(m);
    return 0;
}
