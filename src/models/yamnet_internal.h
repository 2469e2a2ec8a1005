/* What YAMNet's import writes and its loader reads: the names of the front end's tensors
 * and metadata in the auris model file, and the front end's fixed geometry. */
#ifndef AURIS_MODELS_YAMNET_INTERNAL_H
#define AURIS_MODELS_YAMNET_INTERNAL_H

#define YAMNET_KIND "yamnet"
#define YAMNET_FRAME 400        /* 25 ms window */
#define YAMNET_FRAME_HOP 160    /* 10 ms */
#define YAMNET_FFT 512
#define YAMNET_BINS 257
#define YAMNET_PATCH_HOP_FRAMES 48

#define YAMNET_T_WINDOW "frontend.window"        /* [400] */
#define YAMNET_T_DFT_RE "frontend.dft_real"      /* [257, 512] */
#define YAMNET_T_DFT_IM "frontend.dft_imag"      /* [257, 512] */
#define YAMNET_T_MEL "frontend.mel"              /* [64, 257] */
#define YAMNET_T_MEL_BIAS "frontend.mel_bias"    /* [64]: log(mel + bias) */
#define YAMNET_META_CLASSES "yamnet.classes"     /* "mid\tdisplay name\n" per class */
#define YAMNET_META_FRAME_OFFSET "yamnet.frame_offset" /* zeros before a frame in the FFT */
#define YAMNET_EMBEDDING_LAYER "embedding"       /* the global average pool */

#include <stddef.h>
#include <stdint.h>
#include "auris/nn.h"
#include "auris/tag.h"

struct auris_yamnet {
    auris_nn_model *net;
    size_t embedding_layer;
    int classes;
    int frame_offset;
    float *window;       /* [400] */
    float *dft;          /* [2 * 257][512]: real rows, then imaginary rows */
    float *mel;          /* [64][257] */
    float *mel_bias;     /* [64] */
    char *class_text;    /* the class list, split in place */
    const char **mids, **names;
};

/* Converts the bytes of a YAMNet TFLite file: the network (without weights) and every
 * weight and front-end tensor. */
auris_status yamnet_convert(const uint8_t *bytes, size_t size, const char *name,
                            auris_nn_model **net, auris_nn_tensor_set **weights, auris_error *err);

/* Scratch for yamnet_log_mel on up to max_frames frames. */
typedef struct yamnet_work {
    int max_frames;
    float *frames, *spectrum, *magnitude;
} yamnet_work;

auris_status yamnet_work_init(yamnet_work *w, int max_frames, auris_error *err);
void yamnet_work_free(yamnet_work *w);
/* Log-mel of n_frames frames (n_frames <= w->max_frames) of samples, which holds
 * (n_frames - 1) * 160 + 400 values: out gets n_frames x 64. */
void yamnet_log_mel(const auris_yamnet *m, yamnet_work *w, const float *samples, int n_frames,
                    float *out);

#endif
