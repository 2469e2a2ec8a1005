/* Model files: safetensors holding the weights, with the architecture (cfg text), the
 * format version and user metadata (labels, feature parameters) in __metadata__. */
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

#define MODEL_FORMAT_VERSION "1"

auris_status auris_nn_model_from_set(const auris_nn_tensor_set *set, const char *name,
                                    auris_nn_model **out, auris_error *err)
{
    *out = NULL;
    const char *cfg = auris_nn_tensor_set_meta(set, "auris.cfg");
    if (!cfg)
        return auris_fail(err, AURIS_EMODEL, "%s: no 'auris.cfg' architecture in __metadata__", name);
    const char *ver = auris_nn_tensor_set_meta(set, "auris.version");
    if (ver && strcmp(ver, MODEL_FORMAT_VERSION))
        return auris_fail(err, AURIS_EUNSUPPORTED, "%s: model format version %.16s (this build reads %s)",
                          name, ver, MODEL_FORMAT_VERSION);
    auris_nn_model *m;
    auris_status st = auris_nn_model_from_cfg(cfg, strlen(cfg), name, &m, err);
    if (st)
        return st;
    st = auris_nn_model_set_weights(m, set, name, err);
    const char *key, *val;
    for (size_t i = 0; !st && nn_tensor_set_meta_at(set, i, &key, &val); i++)
        if (strcmp(key, "auris.cfg") && strcmp(key, "auris.version"))
            st = auris_nn_model_set_meta(m, key, val, err);
    if (st) {
        auris_nn_model_free(m);
        return st;
    }
    *out = m;
    return AURIS_OK;
}

auris_status auris_nn_model_parse(const void *bytes, size_t size, const char *name,
                                  auris_nn_model **out, auris_error *err)
{
    *out = NULL;
    auris_nn_tensor_set *set;
    auris_status st = auris_nn_safetensors_parse(bytes, size, name, &set, err);
    if (st)
        return st;
    st = auris_nn_model_from_set(set, name, out, err);
    auris_nn_tensor_set_free(set);
    return st;
}

auris_status auris_nn_model_load(const char *path, auris_nn_model **out, auris_error *err)
{
    *out = NULL;
    auris_nn_tensor_set *set;
    auris_status st = auris_nn_safetensors_load(path, &set, err);
    if (st)
        return st;
    st = auris_nn_model_from_set(set, path, out, err);
    auris_nn_tensor_set_free(set);
    return st;
}

auris_status auris_nn_model_to_set(const auris_nn_model *m, auris_nn_tensor_set **out,
                                  auris_error *err)
{
    auris_nn_tensor_set *set;
    auris_status st = auris_nn_tensor_set_new(&set, err);
    if (st)
        return st;
    char *cfg = auris_nn_model_cfg_text(m);
    st = cfg ? auris_nn_tensor_set_set_meta(set, "auris.cfg", cfg, err)
             : auris_fail(err, AURIS_ENOMEM, "out of memory");
    free(cfg);
    if (!st)
        st = auris_nn_tensor_set_set_meta(set, "auris.version", MODEL_FORMAT_VERSION, err);
    for (size_t i = 0; !st && i < m->n_meta; i++)
        st = auris_nn_tensor_set_set_meta(set, m->meta_keys[i], m->meta_vals[i], err);
    for (size_t i = 0; !st && i < m->n_tensors; i++)
        st = auris_nn_tensor_set_add(set, m->tensors[i], err);
    if (st) {
        auris_nn_tensor_set_free(set);
        set = NULL;
    }
    *out = set;
    return st;
}

auris_status auris_nn_model_save(const auris_nn_model *m, const char *path, auris_error *err)
{
    auris_nn_tensor_set *set;
    auris_status st = auris_nn_model_to_set(m, &set, err);
    if (!st)
        st = auris_nn_safetensors_save(set, path, err);
    auris_nn_tensor_set_free(set);
    return st;
}
