/* Spectrogram pictures drawn with cairo: a labelled figure (time axis in seconds, frequency
 * axis in Hz on a linear, log or mel scale, dB colour bar, title) or a bare image with one
 * pixel per frequency bin and frame, for image-classifier pipelines.
 * Long inputs are streamed: memory depends on the picture's size, not the input's length. */
#ifndef AURIS_IMAGE_H
#define AURIS_IMAGE_H

#include "auris/status.h"
#include "auris/audio.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum auris_freq_scale {
    AURIS_FREQ_LINEAR = 0,
    AURIS_FREQ_LOG = 1,
    AURIS_FREQ_MEL = 2
} auris_freq_scale;

typedef enum auris_colormap {
    AURIS_CMAP_VIRIDIS = 0,
    AURIS_CMAP_MAGMA = 1,
    AURIS_CMAP_GRAY = 2,
    AURIS_CMAP_JET = 3
} auris_colormap;

typedef struct auris_spectrogram_config {
    int width_px;          /* figure width, 240..8192 (default 1200); ignored for raw */
    int height_px;         /* figure height, 160..8192 (default 600); ignored for raw */
    auris_freq_scale scale;/* default mel */
    auris_colormap cmap;   /* default viridis */
    const char *title;     /* NULL: the file name */
    float db_range;        /* dynamic range shown below the maximum (default 80 dB) */
    int raw;               /* 1: bare image, one pixel per bin (rows) and frame (columns) */
    int n_fft;             /* default 2048 */
    int hop_length;        /* default n_fft / 4 */
    int n_mels;            /* mel scale: bands (default 128) */
    float f_min_hz;        /* default 0 (log scale: 20) */
    float f_max_hz;        /* default sample_rate / 2 */
    const char *name;      /* the input's name, used in messages and as the default title
                            * (its last path component); NULL: "input" */
} auris_spectrogram_config;

/* What a render drew, for callers that report or check it. */
typedef struct auris_spectrogram_stats {
    int width_px, height_px;   /* the PNG's size */
    int plot_x, plot_y;        /* figure: top-left pixel of the spectrogram area (raw: 0, 0) */
    int plot_width_px;         /* figure: the area's size; raw: the image's */
    int plot_height_px;
    int columns;               /* spectrogram columns kept: at most plot_width_px, however
                                * long the input, so memory is bounded by the picture */
    int rows;                  /* values per column: STFT bins or mel bands */
    long long frames;          /* STFT frames computed */
    double frames_per_column;
    double duration_s;         /* audio read, in seconds */
    float max_db;              /* the loudest value, dB re 1 (the colour scale's top) */
} auris_spectrogram_stats;

void auris_spectrogram_config_default(auris_spectrogram_config *cfg);
/* "linear" | "log" | "mel" → scale, -1 if unknown. */
int auris_freq_scale_from_name(const char *name);
/* "viridis" | "magma" | "gray" | "jet" → colormap, -1 if unknown. */
int auris_colormap_from_name(const char *name);
/* Maps t in [0, 1] to 8-bit RGB. */
void auris_colormap_rgb(auris_colormap cmap, float t, unsigned char rgb[3]);

/* Reads src to its end and writes the picture to png_path. src must be mono.
 * Figure colours span [max - db_range, max] dB; the colour bar is labelled relative to the
 * maximum. Mel bands use the Slaney mel scale with area normalisation (librosa's default).
 * Raw pictures take the linear or mel scale (one row per bin or band); with the gray
 * colormap they are 8-bit grayscale PNGs, otherwise 8-bit RGB. They are at most 32767
 * frames wide (a cairo limit): longer inputs fail with AURIS_ERANGE. */
auris_status auris_spectrogram_render(auris_source *src, const auris_spectrogram_config *cfg,
                                      const char *png_path, auris_error *err);
/* The same, also filling stats (may be NULL). */
auris_status auris_spectrogram_render_stats(auris_source *src,
                                            const auris_spectrogram_config *cfg,
                                            const char *png_path,
                                            auris_spectrogram_stats *stats, auris_error *err);

#ifdef __cplusplus
}
#endif
#endif
