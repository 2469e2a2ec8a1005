/* Analysis windows, matching torch.hann_window / torch.hamming_window (periodic) and
 * Kaldi's povey window. Computed in double so float32 windows equal torch's to rounding. */
#include "auris/dsp.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "dsp/dsp_math.h"

static double periodic_cos(int i, int n)
{
    return cos(2.0 * AURIS_PI * (double)i / (double)n);
}

void auris_window_fill(auris_window_type type, int n, float *w)
{
    for (int i = 0; i < n; i++) {
        double v = 1.0;
        switch (type) {
        case AURIS_WINDOW_HANN:
            v = 0.5 - 0.5 * periodic_cos(i, n);
            break;
        case AURIS_WINDOW_HAMMING:
            v = 0.54 - 0.46 * periodic_cos(i, n);
            break;
        case AURIS_WINDOW_POVEY:
            /* Kaldi's window is symmetric: the cosine spans n - 1 intervals. */
            v = n > 1 ? pow(0.5 - 0.5 * cos(2.0 * AURIS_PI * (double)i / (double)(n - 1)), 0.85)
                      : 1.0;
            break;
        case AURIS_WINDOW_RECT:
            v = 1.0;
            break;
        }
        w[i] = (float)v;
    }
}

int auris_window_from_name(const char *name)
{
    static const char *const names[] = {"hann", "hamming", "povey", "rect"};
    return auris_name_index(names, 4, name);
}
