/* AudioSet tagging with YAMNet (521 classes and a 1024-d embedding per patch), run on the
 * nn engine. auris_yamnet_import converts Google's TFLite file once into an auris model
 * file (safetensors); auris_yamnet_load reads that file.
 *
 * Patches follow YAMNet: 0.975 s of 16 kHz mono (96 frames of 25 ms every 10 ms, 64 mel
 * bands) every 0.48 s. A stream shorter than one patch is zero-padded to one patch; after
 * that the last patch is zero-padded so that every sample is covered by a patch.
 *
 * Threads: an auris_yamnet is read-only after load and may be shared by any number of
 * threads, each with its own auris_tagger. */
#ifndef AURIS_TAG_H
#define AURIS_TAG_H

#include <stddef.h>
#include <stdint.h>
#include "auris/status.h"
#include "auris/audio.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AURIS_YAMNET_RATE_HZ 16000
#define AURIS_YAMNET_PATCH_SAMPLES 15600
#define AURIS_YAMNET_HOP_SAMPLES 7680
#define AURIS_YAMNET_FRAMES 96
#define AURIS_YAMNET_BANDS 64
#define AURIS_YAMNET_EMBEDDING 1024

typedef struct auris_yamnet auris_yamnet;

/* Reads a YAMNet TFLite flatbuffer (every offset and length bounds-checked) and writes the
 * auris model file out_path. class_map is the CSV index,mid,display_name; NULL looks for
 * yamnet_class_map.csv beside the TFLite file. */
auris_status auris_yamnet_import(const char *tflite_path, const char *class_map,
                                 const char *out_path, auris_error *err);
auris_status auris_yamnet_load(const char *path, auris_yamnet **out, auris_error *err);
void auris_yamnet_free(auris_yamnet *m);

int auris_yamnet_class_count(const auris_yamnet *m);
/* AudioSet display name ("Speech", "Dog") and machine id ("/m/09x0r") of class i. */
const char *auris_yamnet_class_name(const auris_yamnet *m, int i);
const char *auris_yamnet_class_mid(const auris_yamnet *m, int i);
/* Index of the class with this display name or mid, or -1. */
int auris_yamnet_class_index(const auris_yamnet *m, const char *name);

/* One patch's results; the pointers are valid only during the callback. */
typedef struct auris_tag_patch {
    int64_t index;            /* 0, 1, ... from the start of the stream */
    double start_s, end_s;    /* end_s is clipped to the stream's end */
    const float *scores;      /* auris_yamnet_class_count sigmoid scores */
    const float *embedding;   /* AURIS_YAMNET_EMBEDDING values */
    const float *log_mel;     /* AURIS_YAMNET_FRAMES x AURIS_YAMNET_BANDS, the network input */
    float rms_dbfs;           /* level of the patch's real (unpadded) samples, dB re 1.0;
                                 -120 for digital silence */
} auris_tag_patch;

/* Called once per patch in order; a nonzero return stops tagging with AURIS_ECANCELED. */
typedef int (*auris_tag_patch_fn)(const auris_tag_patch *patch, void *user);

typedef struct auris_tagger_config {
    int max_batch;   /* patches run through the network together (default 32); results
                        arrive up to max_batch patches late */
    int threads;     /* threads sharing a batch (default 0: OpenMP's default, i.e.
                        OMP_NUM_THREADS or every core) */
} auris_tagger_config;

typedef struct auris_tagger auris_tagger;

void auris_tagger_config_default(auris_tagger_config *cfg);
auris_status auris_tagger_new(const auris_yamnet *m, const auris_tagger_config *cfg,
                              auris_tagger **out, auris_error *err);
/* Feeds 16 kHz mono samples in [-1, 1]; completed patches go to fn. Memory stays constant
 * whatever the stream's length. */
auris_status auris_tagger_feed(auris_tagger *t, const float *samples, size_t n,
                               auris_tag_patch_fn fn, void *user, auris_error *err);
/* Ends the stream: pads and runs what is pending. The tagger is then ready for a new
 * stream. */
auris_status auris_tagger_finish(auris_tagger *t, auris_tag_patch_fn fn, void *user,
                                 auris_error *err);
/* Feeds a whole source, which must deliver 16 kHz mono, as one stream and ends it (as
 * auris_tagger_finish). Whether it succeeds or fails, even midway, the tagger is left ready
 * for a new stream, so one tagger can go through many files. */
auris_status auris_tagger_feed_source(auris_tagger *t, auris_source *src, auris_tag_patch_fn fn,
                                      void *user, auris_error *err);
void auris_tagger_free(auris_tagger *t);

/* Tags a whole source, which must deliver 16 kHz mono (open it with sample_rate_hz =
 * AURIS_YAMNET_RATE_HZ and mono = 1), with a tagger of its own: auris_tagger_new,
 * auris_tagger_feed_source, auris_tagger_free. */
auris_status auris_tag_source(const auris_yamnet *m, const auris_tagger_config *cfg,
                              auris_source *src, auris_tag_patch_fn fn, void *user,
                              auris_error *err);

#ifdef __cplusplus
}
#endif
#endif
