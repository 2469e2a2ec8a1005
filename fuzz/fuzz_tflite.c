/* TFLite files on arbitrary bytes: the flatbuffer reader, then YAMNet's importer, which
 * walks the parsed graph, reads its constants and builds the network. */
#include <stdint.h>
#include <stdlib.h>

#include "models/tflite.h"
#include "models/yamnet_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    auris_error err = {0};
    auris_nn_model *net = NULL;
    auris_nn_tensor_set *w = NULL;
    if (yamnet_convert(data, size, "fuzz.tflite", &net, &w, &err) == AURIS_OK) {
        auris_nn_model_free(net);
        auris_nn_tensor_set_free(w);
    }
    return 0;
}
