/* Text helpers shared by the cairo figures. */
#include "dsp/draw_text.h"

void draw_set_font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, "sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double draw_text_width(cairo_t *cr, const char *s)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    return e.x_advance;
}

void draw_text_at(cairo_t *cr, const char *s, double x, double y, double ax, double ay)
{
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    cairo_move_to(cr, x - ax * draw_text_width(cr, s), y - ay * (fe.ascent + fe.descent) + fe.ascent);
    cairo_show_text(cr, s);
}
