/* Text helpers shared by the cairo figures (spectrograms, training plots). */
#ifndef AURIS_DSP_DRAW_TEXT_H
#define AURIS_DSP_DRAW_TEXT_H

#include <cairo.h>

void draw_set_font(cairo_t *cr, double size, int bold);
double draw_text_width(cairo_t *cr, const char *s);
/* Draws s with its box aligned at (x, y): ax, ay = 0 left/top, 0.5 centre, 1 right/bottom.
 * Vertical alignment uses the font's ascent and descent so labels share baselines. */
void draw_text_at(cairo_t *cr, const char *s, double x, double y, double ax, double ay);

#endif
