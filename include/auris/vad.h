/* Voice-activity detection: which 10 ms frames of a signal hold speech.
 *
 * Each frame's energy in the speech band (a 100 Hz high-pass and a 4 kHz low-pass, so
 * rumble, hum and hiss count little) is compared with a running noise-floor estimate that
 * falls quickly and rises slowly. A frame is voiced when it is threshold_db above the floor
 * and above an absolute floor (so digital silence and faint hiss never count). The decision
 * is smoothed: speech starts after start_s of voiced frames and ends after hangover_s of
 * unvoiced ones, so short stops inside words and phrases do not split them.
 *
 * The floor starts threshold_db below min_energy_dbfs, so quiet speech at the very start
 * is caught; steady noise louder than min_energy_dbfs at the start is taken for speech
 * for up to about a second while the floor is learned.
 *
 * Thread-safety: a vad object is used by one thread at a time. */
#ifndef AURIS_VAD_H
#define AURIS_VAD_H

#include <stddef.h>
#include "auris/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct auris_vad_config {
    int sample_rate_hz;      /* default 16000 */
    float frame_s;           /* frame length, default 0.010 */
    float threshold_db;      /* above the noise floor, default 10 */
    float min_energy_dbfs;   /* absolute floor (band energy re full scale), default -55 */
    float start_s;           /* voiced time needed to enter speech, default 0.05 */
    float hangover_s;        /* unvoiced time needed to leave speech, default 0.25 */
} auris_vad_config;

typedef struct auris_vad auris_vad;

void auris_vad_config_default(auris_vad_config *cfg);
auris_status auris_vad_new(const auris_vad_config *cfg, auris_vad **out, auris_error *err);

/* Samples per frame (sample_rate_hz * frame_s). */
size_t auris_vad_frame_length(const auris_vad *vad);

/* Classifies one frame of auris_vad_frame_length() samples and returns the smoothed state
 * after it: 1 in speech, 0 in silence. The state enters speech start_s after the voiced
 * stretch began (auris_vad_start_frames() frames late) and leaves it hangover_s after the
 * last voiced frame. */
int auris_vad_process(auris_vad *vad, const float *frame);

/* The raw decision on the last frame processed (before smoothing) and its band energy. */
int auris_vad_voiced(const auris_vad *vad);
float auris_vad_energy_db(const auris_vad *vad);

/* Frames of delay in entering and leaving speech (start_s and hangover_s in frames). */
int auris_vad_start_frames(const auris_vad *vad);
int auris_vad_hangover_frames(const auris_vad *vad);

/* Forgets the state (noise floor included), ready for a new signal. */
void auris_vad_reset(auris_vad *vad);

void auris_vad_free(auris_vad *vad);

#ifdef __cplusplus
}
#endif
#endif
