/* splitmix64: the one random generator of the engine and of training (tiny, fast and
 * seedable per stream, so results depend on seeds, never on threads). */
#ifndef AURIS_CORE_RNG_H
#define AURIS_CORE_RNG_H

#include <stdint.h>

static inline uint64_t auris_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#endif
