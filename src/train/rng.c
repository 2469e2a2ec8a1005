/* Training's random draws on core/rng.h's splitmix64: every clip of every epoch gets its
 * own generator (seed, stream) whatever thread handles it. */
#include "core/rng.h"
#include "train/train_internal.h"

uint64_t train_rng_seed(uint64_t seed, uint64_t stream)
{
    uint64_t s = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    return auris_splitmix64(&s);
}

double train_rng_uniform(uint64_t *s)
{
    return (double)(auris_splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
}

void train_rng_shuffle(size_t *idx, size_t n, uint64_t *rng)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(train_rng_uniform(rng) * (double)i);
        j = j < i ? j : i - 1;
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
