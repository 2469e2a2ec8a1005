/* auris_source: decoder -> finite check -> downmix -> resampler, in fixed-size blocks, so
 * memory stays constant whatever the input length. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/decoder.h"
#include "core/error.h"

#define BLOCK_FRAMES 4096

struct auris_source {
    auris_decoder *dec;
    auris_source_config cfg;
    int out_rate;
    int out_channels;
    auris_resampler *rs;
    float *block;        /* decoded frames, input channels */
    float *mix;          /* downmixed frames awaiting output, out_channels */
    size_t mix_len, mix_pos;
    long long frames_decoded;
    int dec_eof, flushed;
    auris_error err;
};

void auris_source_config_default(auris_source_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->mono = 1;
    cfg->raw_sample_rate_hz = 16000;
    cfg->raw_channels = 1;
    cfg->check_finite = 1;
}

static auris_status source_finish(auris_decoder *dec, const auris_source_config *cfg,
                                  auris_source **out, auris_error *err)
{
    auris_source *s = calloc(1, sizeof *s);
    if (!s) {
        dec->ops->close(dec);
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", dec->name);
    }
    s->dec = dec;
    s->cfg = *cfg;
    int in_ch = dec->info.channels;
    s->out_channels = cfg->mono ? 1 : in_ch;
    s->out_rate = cfg->sample_rate_hz > 0 ? cfg->sample_rate_hz : dec->info.sample_rate_hz;
    auris_status st = AURIS_OK;
    if (cfg->sample_rate_hz < 0 || cfg->sample_rate_hz > AURIS_MAX_SAMPLE_RATE_HZ)
        st = auris_fail(err, AURIS_EINVAL, "%s: requested rate %d Hz is out of range", dec->name,
                        cfg->sample_rate_hz);
    s->block = malloc(sizeof(float) * BLOCK_FRAMES * (size_t)in_ch);
    s->mix = malloc(sizeof(float) * BLOCK_FRAMES * (size_t)s->out_channels);
    if (st == AURIS_OK && (!s->block || !s->mix))
        st = auris_fail(err, AURIS_ENOMEM, "%s: out of memory", dec->name);
    if (st == AURIS_OK && s->out_rate != dec->info.sample_rate_hz)
        st = auris_resampler_new(dec->info.sample_rate_hz, s->out_rate, s->out_channels, &s->rs, err);
    if (st != AURIS_OK) {
        auris_source_free(s);
        return st;
    }
    *out = s;
    return AURIS_OK;
}

/* Reads up to n bytes, retrying short reads, so a pipe's first bytes can be sniffed. */
static size_t read_prefix(int fd, unsigned char *buf, size_t n)
{
    size_t have = 0;
    while (have < n) {
        ssize_t r = read(fd, buf + have, n - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        have += (size_t)r;
    }
    return have;
}

/* Formats other than WAV need seeking: stdin is copied to an unlinked temporary file. */
static auris_status spool_stdin(const unsigned char *prefix, size_t n, FILE **out, auris_error *err)
{
    FILE *tmp = tmpfile();
    if (!tmp)
        return auris_fail(err, AURIS_EIO, "-: cannot create a temporary file: %s", strerror(errno));
    unsigned char buf[65536];
    size_t len = n;
    memcpy(buf, prefix, n);
    for (;;) {
        if (len && fwrite(buf, 1, len, tmp) != len) {
            fclose(tmp);
            return auris_fail(err, AURIS_EIO, "-: cannot write a temporary file");
        }
        ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
        if (r < 0 && errno == EINTR) {
            len = 0;
            continue;
        }
        if (r < 0) {
            fclose(tmp);
            return auris_fail(err, AURIS_EIO, "-: read error: %s", strerror(errno));
        }
        if (r == 0)
            break;
        len = (size_t)r;
    }
    rewind(tmp);
    *out = tmp;
    return AURIS_OK;
}

static auris_status open_stdin(const auris_source_config *cfg, auris_decoder **dec,
                               auris_error *err)
{
    unsigned char prefix[12];
    size_t n = read_prefix(STDIN_FILENO, prefix, cfg->raw ? 0 : sizeof prefix);
    if (cfg->raw)
        return auris_decoder_raw_open(stdin, 0, prefix, 0, cfg->raw_sample_rate_hz,
                                      cfg->raw_channels, "-", dec, err);
    if (n == 0)
        return auris_fail(err, AURIS_EEMPTY, "-: empty input");
    if (n >= 4 && (!memcmp(prefix, "RIFF", 4) || !memcmp(prefix, "RF64", 4)))
        return auris_decoder_wavstream_open(stdin, prefix, n, "-", dec, err);
    FILE *tmp = NULL;
    auris_status st = spool_stdin(prefix, n, &tmp, err);
    return st == AURIS_OK ? auris_decoder_sndfile_open_file(tmp, "-", dec, err) : st;
}

auris_status auris_source_open(const char *path, const auris_source_config *cfg,
                               auris_source **out, auris_error *err)
{
    if (!out || !path)
        return auris_fail(err, AURIS_EINVAL, "audio source: no path or output pointer");
    *out = NULL;
    auris_source_config def;
    if (!cfg) {
        auris_source_config_default(&def);
        cfg = &def;
    }
    auris_decoder *dec = NULL;
    auris_status st;
    if (!strcmp(path, "-")) {
        st = open_stdin(cfg, &dec, err);
    } else if (cfg->raw) {
        FILE *f = fopen(path, "rb");
        if (!f)
            return auris_fail(err, AURIS_EIO, "%s: cannot open: %s", path, strerror(errno));
        st = auris_decoder_raw_open(f, 1, NULL, 0, cfg->raw_sample_rate_hz, cfg->raw_channels,
                                    path, &dec, err);
    } else {
        st = auris_decoder_sndfile_open(path, &dec, err);
    }
    return st == AURIS_OK ? source_finish(dec, cfg, out, err) : st;
}

auris_status auris_source_open_memory(const void *data, size_t size, const char *name,
                                      const auris_source_config *cfg, auris_source **out,
                                      auris_error *err)
{
    if (!out)
        return auris_fail(err, AURIS_EINVAL, "audio source: no output pointer");
    *out = NULL;
    auris_source_config def;
    if (!cfg) {
        auris_source_config_default(&def);
        cfg = &def;
    }
    auris_decoder *dec = NULL;
    auris_status st = auris_decoder_sndfile_open_memory(data, size, name ? name : "(memory)", &dec, err);
    return st == AURIS_OK ? source_finish(dec, cfg, out, err) : st;
}

const auris_audio_info *auris_source_info(const auris_source *src)
{
    return src ? &src->dec->info : NULL;
}

int auris_source_sample_rate(const auris_source *src)
{
    return src ? src->out_rate : 0;
}

int auris_source_channels(const auris_source *src)
{
    return src ? src->out_channels : 0;
}

const char *auris_source_error(const auris_source *src)
{
    return src ? src->err.message : "";
}

static auris_status check_finite(auris_source *s, size_t frames)
{
    int ch = s->dec->info.channels;
    for (size_t i = 0; i < frames * (size_t)ch; i++) {
        if (!isfinite(s->block[i])) {
            double t = (double)(s->frames_decoded + (long long)(i / (size_t)ch)) /
                       s->dec->info.sample_rate_hz;
            return auris_fail(&s->err, AURIS_EDATA, "%s: %s sample at %.3f s (channel %zu)",
                              s->dec->name, isnan(s->block[i]) ? "NaN" : "infinite", t,
                              i % (size_t)ch + 1);
        }
    }
    return AURIS_OK;
}

static void downmix(auris_source *s, size_t frames)
{
    int ch = s->dec->info.channels;
    if (s->out_channels == ch) {
        memcpy(s->mix, s->block, sizeof(float) * frames * (size_t)ch);
        return;
    }
    float scale = 1.0f / (float)ch;
    for (size_t i = 0; i < frames; i++) {
        float acc = 0;
        for (int c = 0; c < ch; c++)
            acc += s->block[i * (size_t)ch + (size_t)c];
        s->mix[i] = acc * scale;
    }
}

/* Decodes the next block into mix; sets dec_eof at the end. */
static auris_status decode_block(auris_source *s)
{
    size_t got = 0;
    auris_status st = s->dec->ops->read(s->dec, s->block, BLOCK_FRAMES, &got, &s->err);
    if (st != AURIS_OK)
        return st;
    if (got == 0) {
        s->dec_eof = 1;
        return AURIS_OK;
    }
    if (s->cfg.check_finite && (st = check_finite(s, got)) != AURIS_OK)
        return st;
    s->frames_decoded += (long long)got;
    downmix(s, got);
    s->mix_len = got;
    s->mix_pos = 0;
    return AURIS_OK;
}

/* Moves pending mixed frames to out (through the resampler when there is one). */
static auris_status drain(auris_source *s, float *out, size_t room, size_t *produced)
{
    size_t ch = (size_t)s->out_channels, pending = s->mix_len - s->mix_pos;
    if (!s->rs) {
        size_t n = pending < room ? pending : room;
        memcpy(out, s->mix + s->mix_pos * ch, sizeof(float) * n * ch);
        s->mix_pos += n;
        *produced = n;
        return AURIS_OK;
    }
    size_t used = 0;
    const float *in = pending ? s->mix + s->mix_pos * ch : NULL;
    auris_status st = auris_resampler_process(s->rs, in, pending, &used, out, room, produced);
    if (st != AURIS_OK)
        return auris_fail(&s->err, st, "%s: resampling failed", s->dec->name);
    s->mix_pos += used;
    if (!pending && *produced == 0)
        s->flushed = 1;
    if (pending && used == 0 && *produced == 0)
        return auris_fail(&s->err, AURIS_EINTERNAL, "%s: resampler made no progress", s->dec->name);
    return AURIS_OK;
}

auris_status auris_source_read(auris_source *s, float *buf, size_t max_frames, size_t *frames_read)
{
    if (!s || !frames_read || (!buf && max_frames))
        return AURIS_EINVAL;
    size_t done = 0, ch = (size_t)s->out_channels;
    *frames_read = 0;
    while (done < max_frames) {
        int have_pending = s->mix_pos < s->mix_len;
        if (!have_pending && !s->dec_eof) {
            auris_status st = decode_block(s);
            if (st != AURIS_OK) {
                *frames_read = done;
                return st;
            }
            continue;
        }
        if (!have_pending && (!s->rs || s->flushed))
            break;
        size_t produced = 0;
        auris_status st = drain(s, buf + done * ch, max_frames - done, &produced);
        if (st != AURIS_OK) {
            *frames_read = done;
            return st;
        }
        done += produced;
    }
    *frames_read = done;
    return AURIS_OK;
}

void auris_source_free(auris_source *s)
{
    if (!s)
        return;
    if (s->dec)
        s->dec->ops->close(s->dec);
    auris_resampler_free(s->rs);
    free(s->block);
    free(s->mix);
    free(s);
}
