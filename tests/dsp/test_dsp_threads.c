/* STFT objects may be created, used and freed in several threads at once (FFTW's planner is
 * not thread safe; auris serialises planning): every thread must get the frames a single
 * thread computes. */
#include "test.h"

#include <pthread.h>

#include "auris/dsp.h"

#define THREADS 4
#define ROUNDS 200
#define SIGNAL 3000

static float signal_[SIGNAL];

typedef struct job {
    int id;
    int mismatches;
    int failures;
} job;

static size_t frames_for(int n_fft, float *out, size_t cap)
{
    auris_stft_config c;
    auris_stft_config_default(&c);
    c.n_fft = n_fft;
    auris_stft *st = NULL;
    if (auris_stft_new(&c, &st, NULL) != AURIS_OK)
        return 0;
    size_t bins = (size_t)auris_stft_n_bins(st), t = 0;
    auris_stft_write(st, signal_, SIGNAL);
    auris_stft_end(st);
    while ((t + 1) * bins <= cap && auris_stft_read(st, out + t * bins))
        t++;
    auris_stft_free(st);
    return t * bins;
}

static const int sizes[] = {256, 400, 512, 1000, 1024, 2048};
#define N_SIZES ((int)(sizeof sizes / sizeof sizes[0]))
#define CAP (64 * 1025)
static float expected[N_SIZES][CAP];
static size_t expected_n[N_SIZES];

static void *worker(void *arg)
{
    job *j = arg;
    float *out = malloc(CAP * sizeof *out);
    for (int r = 0; r < ROUNDS; r++) {
        int s = (j->id + r) % N_SIZES;
        size_t n = frames_for(sizes[s], out, CAP);
        if (n == 0)
            j->failures++;
        else if (n != expected_n[s] || memcmp(out, expected[s], n * sizeof *out) != 0)
            j->mismatches++;
    }
    free(out);
    return NULL;
}

int main(void)
{
    for (int i = 0; i < SIGNAL; i++)
        signal_[i] = (float)sin(0.01 * i * (1.0 + 0.001 * i));
    for (int s = 0; s < N_SIZES; s++)
        expected_n[s] = frames_for(sizes[s], expected[s], CAP);
    pthread_t th[THREADS];
    job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){i, 0, 0};
        CHECK(pthread_create(&th[i], NULL, worker, &jobs[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK_MSG(jobs[i].failures == 0, "thread %d: %d objects not created", i, jobs[i].failures);
        CHECK_MSG(jobs[i].mismatches == 0, "thread %d: %d results differ", i, jobs[i].mismatches);
    }
    return test_finish("dsp_threads");
}
