/* Sequential PCM decoder for inputs that cannot seek (stdin): a RIFF/WAVE stream whose
 * header is parsed as it arrives (decoded up to the declared data size or the end of input,
 * whichever comes first), or headerless s16le. Reads with read(2) so live input
 * is passed on as soon as whole frames are there. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/decoder.h"
#include "audio/pcm.h"
#include "audio/wav_header.h"
#include "core/error.h"

/* A stream's header may not exceed this; larger ones are refused rather than buffered. */
#define MAX_STREAM_HEADER (1u << 20)
#define IO_BYTES 65536

typedef struct stream_decoder {
    auris_decoder base;
    int fd;
    FILE *owned;
    pcm_encoding enc;
    int frame_bytes;
    uint64_t remaining;        /* bytes left in the data chunk; UINT64_MAX = until EOF */
    unsigned char buf[IO_BYTES];
    size_t have;               /* bytes in buf not yet converted */
    int eof;
} stream_decoder;

static auris_status fill(stream_decoder *s, auris_error *err)
{
    while (!s->eof && s->have < sizeof s->buf) {
        ssize_t r = read(s->fd, s->buf + s->have, sizeof s->buf - s->have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return auris_fail(err, AURIS_EIO, "%s: read error: %s", s->base.name, strerror(errno));
        if (r == 0)
            s->eof = 1;
        s->have += (size_t)r;
        if (s->have >= (size_t)s->frame_bytes)
            break;
    }
    return AURIS_OK;
}

static auris_status stream_read(auris_decoder *d, float *out, size_t n, size_t *got,
                                auris_error *err)
{
    stream_decoder *s = (stream_decoder *)d;
    size_t done = 0;
    *got = 0;
    while (done < n && s->remaining > 0) {
        if (s->have < (size_t)s->frame_bytes) {
            /* Pass on what has arrived rather than wait for a full block: live input
             * (a microphone pipe) must not be held back. */
            if (s->eof || done > 0)
                break;
            auris_status st = fill(s, err);
            if (st != AURIS_OK)
                return st;
            continue;
        }
        size_t frames = s->have / (size_t)s->frame_bytes;
        if (frames > n - done)
            frames = n - done;
        if (s->remaining != UINT64_MAX && frames > s->remaining / (uint64_t)s->frame_bytes)
            frames = (size_t)(s->remaining / (uint64_t)s->frame_bytes);
        if (frames == 0) {
            s->remaining = 0;
            break;
        }
        size_t bytes = frames * (size_t)s->frame_bytes;
        pcm_to_float(s->enc, s->buf, frames * (size_t)d->info.channels,
                     out + done * (size_t)d->info.channels);
        memmove(s->buf, s->buf + bytes, s->have - bytes);
        s->have -= bytes;
        if (s->remaining != UINT64_MAX)
            s->remaining -= bytes;
        done += frames;
    }
    *got = done;
    return AURIS_OK;
}

static void stream_close(auris_decoder *d)
{
    stream_decoder *s = (stream_decoder *)d;
    if (s->owned)
        fclose(s->owned);
    free(s);
}

static const auris_decoder_ops stream_ops = {stream_read, stream_close};

static stream_decoder *stream_new(FILE *f, const char *name)
{
    stream_decoder *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.ops = &stream_ops;
    s->fd = fileno(f);
    snprintf(s->base.name, sizeof s->base.name, "%s", name);
    return s;
}

static pcm_encoding wav_encoding(const wav_header *h)
{
    if (h->kind == WAV_PCM_FLOAT)
        return h->bits == 64 ? PCM_F64 : PCM_F32;
    return h->bits == 8 ? PCM_U8 : h->bits == 16 ? PCM_S16 : h->bits == 24 ? PCM_S24 : PCM_S32;
}

static const char *wav_codec_name(const wav_header *h)
{
    if (h->kind == WAV_PCM_FLOAT)
        return h->bits == 64 ? "DOUBLE" : "FLOAT";
    return h->bits == 8 ? "PCM_U8" : h->bits == 16 ? "PCM_16" : h->bits == 24 ? "PCM_24" : "PCM_32";
}

/* Reads from fd until the header parses; the bytes after it stay in hbuf. */
static auris_status read_header(int fd, unsigned char **hbuf, size_t *hlen, wav_header *h,
                                const char *name, auris_error *err)
{
    size_t cap = *hlen > 4096 ? *hlen : 4096;
    for (;;) {
        const char *why = "malformed header";
        wav_parse_result r = wav_header_parse(*hbuf, *hlen, h, &why);
        if (r == WAV_PARSE_OK)
            return AURIS_OK;
        if (r == WAV_PARSE_UNSUPPORTED)
            return auris_fail(err, AURIS_EUNSUPPORTED, "%s: WAV stream: %s (stdin reads PCM and float WAV)", name, why);
        if (r != WAV_PARSE_NEED_MORE)
            return auris_fail(err, r == WAV_PARSE_NOT_WAV ? AURIS_EFORMAT : AURIS_ECORRUPT,
                              "%s: WAV stream: %s", name, why);
        if (*hlen >= MAX_STREAM_HEADER)
            return auris_fail(err, AURIS_ERANGE, "%s: WAV stream header larger than %u bytes",
                              name, MAX_STREAM_HEADER);
        if (*hlen == cap) {
            cap = cap * 2 > MAX_STREAM_HEADER ? MAX_STREAM_HEADER : cap * 2;
            unsigned char *nb = realloc(*hbuf, cap);
            if (!nb)
                return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", name);
            *hbuf = nb;
        }
        ssize_t got = read(fd, *hbuf + *hlen, cap - *hlen);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return auris_fail(err, AURIS_EIO, "%s: read error: %s", name, strerror(errno));
        if (got == 0)
            return auris_fail(err, *hlen == 0 ? AURIS_EEMPTY : AURIS_ECORRUPT,
                              *hlen == 0 ? "%s: empty input" : "%s: WAV stream ends inside its header",
                              name);
        *hlen += (size_t)got;
    }
}

auris_status auris_decoder_wavstream_open(FILE *f, const unsigned char *prefix, size_t prefix_len,
                                          const char *name, auris_decoder **out, auris_error *err)
{
    *out = NULL;
    size_t hlen = prefix_len;
    unsigned char *hbuf = malloc(4096 > prefix_len ? 4096 : prefix_len);
    if (!hbuf)
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", name);
    if (prefix_len)
        memcpy(hbuf, prefix, prefix_len);
    wav_header h;
    auris_status st = read_header(fileno(f), &hbuf, &hlen, &h, name, err);
    stream_decoder *s = st == AURIS_OK ? stream_new(f, name) : NULL;
    if (st == AURIS_OK && !s)
        st = auris_fail(err, AURIS_ENOMEM, "%s: out of memory", name);
    if (st == AURIS_OK) {
        s->enc = wav_encoding(&h);
        s->frame_bytes = h.block_align;
        s->remaining = h.data_size;
        snprintf(s->base.info.format, sizeof s->base.info.format, "WAV");
        snprintf(s->base.info.codec, sizeof s->base.info.codec, "%s", wav_codec_name(&h));
        s->base.info.sample_rate_hz = h.sample_rate_hz;
        s->base.info.channels = h.channels;
        /* A writer that cannot seek back puts a placeholder size in the header (sox:
         * 0x7ffff000), so a stream's length is unknown until it ends, and ending before the
         * declared size is normal rather than truncation. */
        s->base.info.frames = -1;
        s->base.info.duration_s = -1;
        st = auris_decoder_check_info(&s->base.info, name, err);
        /* Sample bytes that arrived with the header are decoded first. */
        size_t extra = hlen - (size_t)h.data_offset;
        if (st == AURIS_OK && extra > sizeof s->buf)
            st = auris_fail(err, AURIS_ECORRUPT, "%s: WAV stream header misparsed", name);
        if (st == AURIS_OK) {
            memcpy(s->buf, hbuf + h.data_offset, extra);
            s->have = extra;
        }
    }
    free(hbuf);
    if (st != AURIS_OK) {
        free(s);
        return st;
    }
    *out = &s->base;
    return AURIS_OK;
}

auris_status auris_decoder_raw_open(FILE *f, int own, const unsigned char *prefix,
                                    size_t prefix_len, int sample_rate_hz, int channels,
                                    const char *name, auris_decoder **out, auris_error *err)
{
    *out = NULL;
    stream_decoder *s = stream_new(f, name);
    if (!s) {
        if (own)
            fclose(f);
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", name);
    }
    s->owned = own ? f : NULL;
    s->enc = PCM_S16;
    s->remaining = UINT64_MAX;
    snprintf(s->base.info.format, sizeof s->base.info.format, "RAW");
    snprintf(s->base.info.codec, sizeof s->base.info.codec, "PCM_16");
    s->base.info.sample_rate_hz = sample_rate_hz;
    s->base.info.channels = channels;
    s->base.info.frames = -1;
    s->base.info.duration_s = -1;
    s->frame_bytes = 2 * (channels > 0 ? channels : 1);
    auris_status st = auris_decoder_check_info(&s->base.info, name, err);
    if (st != AURIS_OK) {
        stream_close(&s->base);
        return st;
    }
    if (prefix_len)
        memcpy(s->buf, prefix, prefix_len);
    s->have = prefix_len;
    *out = &s->base;
    return AURIS_OK;
}
