/* splitmix64: tiny, fast, and seedable per stream, so every clip of every epoch gets its own
 * generator whatever thread handles it. */
#include "train/train_internal.h"

uint64_t train_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t train_rng_seed(uint64_t seed, uint64_t stream)
{
    uint64_t s = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    return train_rng_next(&s);
}

double train_rng_uniform(uint64_t *s)
{
    return (double)(train_rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}
