/* Constants shared by the dsp objects (M_PI is not in strict C11). */
#ifndef AURIS_DSP_MATH_H
#define AURIS_DSP_MATH_H

#define AURIS_PI 3.14159265358979323846

#endif
