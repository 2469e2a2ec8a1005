/* Voice-activity detection on generated audio: silence, tone bursts in silence and in
 * noise, clicks and short gaps; onsets and ends against the configured delays. */
#include "auris/vad.h"
#include "test.h"

#define RATE 16000
#define TEST_PI 3.14159265358979323846

typedef struct region {
    double start_s, end_s;
} region;

/* Runs the VAD over x and records the speech regions as reported (state changes). */
static int run_vad(const float *x, size_t n, region *out, int max)
{
    auris_vad_config cfg;
    auris_vad_config_default(&cfg);
    auris_vad *vad = NULL;
    if (auris_vad_new(&cfg, &vad, NULL))
        return -1;
    size_t fl = auris_vad_frame_length(vad);
    int count = 0, state = 0;
    for (size_t i = 0; i + fl <= n; i += fl) {
        int s = auris_vad_process(vad, x + i);
        double t = (double)(i + fl) / RATE;
        if (s && !state && count < max)
            out[count].start_s = t;
        if (!s && state && count < max)
            out[count++].end_s = t;
        state = s;
    }
    if (state && count < max)
        out[count++].end_s = (double)n / RATE;
    auris_vad_free(vad);
    return count;
}

static void tone(float *x, double from_s, double to_s, double amp)
{
    for (size_t i = (size_t)(from_s * RATE); i < (size_t)(to_s * RATE); i++)
        x[i] += (float)(amp * sin(2 * TEST_PI * 440.0 * i / RATE) *
                        (0.6 + 0.4 * sin(2 * TEST_PI * 3.0 * i / RATE)));
}

static void noise(float *x, size_t n, double amp)
{
    unsigned s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        x[i] += (float)(amp * (((s >> 8) & 0xffff) / 32768.0 - 1.0));
    }
}

static void test_silence(void)
{
    size_t n = 3 * RATE;
    float *x = calloc(n, sizeof *x);
    region r[4];
    CHECK(run_vad(x, n, r, 4) == 0);
    noise(x, n, 0.0005); /* faint hiss, -75 dBFS band energy */
    CHECK(run_vad(x, n, r, 4) == 0);
    free(x);
}

/* Tone bursts at 1-2 s and 3-3.5 s. Noise above min_energy_dbfs from the start may open
 * one region while the floor is learned: it must close before the first burst. */
static void check_bursts(double noise_amp)
{
    size_t n = 6 * RATE;
    float *x = calloc(n, sizeof *x);
    noise(x, n, noise_amp);
    tone(x, 1.0, 2.0, 0.1);
    tone(x, 3.0, 3.5, 0.1);
    region all[4];
    int k = run_vad(x, n, all, 4);
    region *r = all;
    if (k == 3 && noise_amp > 0 && all[0].end_s < 1.0) {
        r++;
        k--;
    }

    CHECK_MSG(k == 2, "noise %g: %d regions", noise_amp, k);
    if (k == 2) {
        /* Entered start_s (0.05) after the onset, left hangover_s (0.25) after the end. */
        CHECK_NEAR(r[0].start_s, 1.05, 0.03);
        CHECK_NEAR(r[0].end_s, 2.25, 0.03);
        CHECK_NEAR(r[1].start_s, 3.05, 0.03);
        CHECK_NEAR(r[1].end_s, 3.75, 0.03);
    }
    free(x);
}

static void test_click_and_gap(void)
{
    size_t n = 4 * RATE;
    float *x = calloc(n, sizeof *x);
    tone(x, 0.5, 0.51, 0.5);  /* a 10 ms click: shorter than start_s */
    tone(x, 1.0, 1.6, 0.1);
    tone(x, 1.7, 2.3, 0.1);   /* a 100 ms gap: shorter than the hangover */
    region r[4];
    int k = run_vad(x, n, r, 4);
    CHECK_MSG(k == 1, "%d regions", k);
    if (k == 1) {
        CHECK_NEAR(r[0].start_s, 1.05, 0.03);
        CHECK_NEAR(r[0].end_s, 2.55, 0.03);
    }
    free(x);
}

static void test_config(void)
{
    auris_vad_config cfg;
    auris_vad_config_default(&cfg);
    auris_vad *vad = NULL;
    cfg.frame_s = 0;
    CHECK(auris_vad_new(&cfg, &vad, NULL) == AURIS_EINVAL && !vad);
    auris_vad_config_default(&cfg);
    cfg.sample_rate_hz = 8000;
    CHECK_OK(auris_vad_new(&cfg, &vad, NULL));
    CHECK(auris_vad_frame_length(vad) == 80);
    CHECK(auris_vad_hangover_frames(vad) == 25);
    auris_vad_free(vad);
    auris_vad_free(NULL);
}

int main(void)
{
    test_silence();
    check_bursts(0.0);
    check_bursts(0.01); /* noise 20 dB below the tones */
    test_click_and_gap();
    test_config();
    return test_finish("asr/vad");
}
