/* Colormaps for spectrogram pictures: perceptually uniform viridis (default) and magma from
 * tables generated out of matplotlib's data, plain gray, and jet for readers used to it. */
#include <math.h>
#include <string.h>

#include "auris/image.h"
#include "core/error.h"
#include "dsp/colormap_tables.h"

static const char *const colormap_names[] = {"viridis", "magma", "gray", "jet"};

int auris_colormap_from_name(const char *name)
{
    return auris_name_index(colormap_names,
                            (int)(sizeof colormap_names / sizeof colormap_names[0]), name);
}

static unsigned char to_byte(float v)
{
    return (unsigned char)lrintf(v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v);
}

/* matplotlib's lookup (floor(t * 256), clamped), so colours match its pictures exactly. */
static void from_table(const unsigned char lut[256][3], float t, unsigned char rgb[3])
{
    int i = (int)(t * 256.0f);
    memcpy(rgb, lut[i > 255 ? 255 : i], 3);
}

typedef struct knot {
    double t, v;
} knot;

static double piecewise(const knot *k, int n, double t)
{
    for (int i = 1; i < n; i++)
        if (t <= k[i].t)
            return k[i - 1].v + (t - k[i - 1].t) / (k[i].t - k[i - 1].t) * (k[i].v - k[i - 1].v);
    return k[n - 1].v;
}

/* matplotlib's jet segment data, sampled at its 256 table entries as matplotlib does. */
static void jet(float t, unsigned char rgb[3])
{
    static const knot red[] = {{0, 0}, {0.35, 0}, {0.66, 1}, {0.89, 1}, {1, 0.5}};
    static const knot green[] = {{0, 0}, {0.125, 0}, {0.375, 1}, {0.64, 1}, {0.91, 0}, {1, 0}};
    static const knot blue[] = {{0, 0.5}, {0.11, 1}, {0.34, 1}, {0.65, 0}, {1, 0}};
    int i = (int)(t * 256.0f);
    double x = (i > 255 ? 255 : i) / 255.0;
    rgb[0] = to_byte((float)(255.0 * piecewise(red, 5, x)));
    rgb[1] = to_byte((float)(255.0 * piecewise(green, 6, x)));
    rgb[2] = to_byte((float)(255.0 * piecewise(blue, 5, x)));
}

void auris_colormap_rgb(auris_colormap cmap, float t, unsigned char rgb[3])
{
    if (!(t > 0.0f))
        t = 0.0f; /* also NaN */
    if (t > 1.0f)
        t = 1.0f;
    switch (cmap) {
    case AURIS_CMAP_MAGMA:
        from_table(auris_cmap_magma, t, rgb);
        break;
    case AURIS_CMAP_GRAY:
        rgb[0] = rgb[1] = rgb[2] = to_byte(255.0f * t);
        break;
    case AURIS_CMAP_JET:
        jet(t, rgb);
        break;
    case AURIS_CMAP_VIRIDIS:
    default:
        from_table(auris_cmap_viridis, t, rgb);
        break;
    }
}
