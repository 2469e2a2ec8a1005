/* .npy reader for 1-D and 2-D float32/float64 arrays. The input is untrusted: every length
 * and the dictionary are checked before use. */
#include "auris/npy.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define NPY_MAX_FILE ((size_t)1 << 30)

typedef struct npy_header {
    int itemsize;       /* 4 or 8 */
    int fortran;
    int ndim;
    size_t shape[2];
} npy_header;

/* Finds 'key': in dict and returns a pointer just past the colon and spaces. */
static const char *dict_value(const char *dict, const char *key)
{
    char quoted[32];
    snprintf(quoted, sizeof quoted, "'%s'", key);
    const char *p = strstr(dict, quoted);
    if (!p)
        return NULL;
    p += strlen(quoted);
    while (*p == ' ')
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (*p == ' ')
        p++;
    return p;
}

static int parse_shape(const char *p, npy_header *h)
{
    if (*p != '(')
        return -1;
    p++;
    h->ndim = 0;
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p == ')')
            break;
        if (*p < '0' || *p > '9' || h->ndim == 2)
            return -1;
        size_t v = 0;
        while (*p >= '0' && *p <= '9') {
            if (v > (SIZE_MAX - 9) / 10)
                return -1;
            v = v * 10 + (size_t)(*p - '0');
            p++;
        }
        h->shape[h->ndim++] = v;
        while (*p == ' ')
            p++;
        if (*p == ',')
            p++;
        else if (*p != ')')
            return -1;
    }
    return h->ndim >= 1 ? 0 : -1;
}

static int parse_dict(const char *dict, npy_header *h)
{
    const char *d = dict_value(dict, "descr");
    if (!d)
        return -1;
    if (!strncmp(d, "'<f4'", 5))
        h->itemsize = 4;
    else if (!strncmp(d, "'<f8'", 5))
        h->itemsize = 8;
    else
        return -2;
    const char *fo = dict_value(dict, "fortran_order");
    if (!fo)
        return -1;
    if (!strncmp(fo, "False", 5))
        h->fortran = 0;
    else if (!strncmp(fo, "True", 4))
        h->fortran = 1;
    else
        return -1;
    const char *sh = dict_value(dict, "shape");
    return sh ? parse_shape(sh, h) : -1;
}

static float element(const unsigned char *p, int itemsize)
{
    if (itemsize == 4) {
        float f;
        memcpy(&f, p, 4);
        return f;
    }
    double d;
    memcpy(&d, p, 8);
    return (float)d;
}

auris_status auris_npy_parse(const void *bytes, size_t size, const char *name, float **data,
                             size_t *rows, size_t *cols, auris_error *err)
{
    const unsigned char *b = bytes;
    if (!name)
        name = "(npy)";
    if (!data || !rows || !cols || (!b && size))
        return auris_fail(err, AURIS_EINVAL, "%s: invalid arguments", name);
    *data = NULL;
    if (size < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        return auris_fail(err, AURIS_EFORMAT, "%s: not a .npy file", name);
    int major = b[6];
    size_t hlen, off;
    if (major == 1) {
        hlen = (size_t)b[8] | ((size_t)b[9] << 8);
        off = 10;
    } else if (major == 2 || major == 3) {
        if (size < 12)
            return auris_fail(err, AURIS_ECORRUPT, "%s: truncated .npy header", name);
        hlen = (size_t)b[8] | ((size_t)b[9] << 8) | ((size_t)b[10] << 16) | ((size_t)b[11] << 24);
        off = 12;
    } else {
        return auris_fail(err, AURIS_EFORMAT, "%s: unsupported .npy version %d", name, major);
    }
    if (hlen > size - off || hlen > 65536)
        return auris_fail(err, AURIS_ECORRUPT, "%s: .npy header length %zu exceeds the file",
                          name, hlen);
    char dict[65537];
    memcpy(dict, b + off, hlen);
    dict[hlen] = '\0';
    npy_header h = {0};
    int pr = parse_dict(dict, &h);
    if (pr == -2)
        return auris_fail(err, AURIS_EUNSUPPORTED, "%s: only little-endian float32/float64 .npy arrays are read",
                          name);
    if (pr != 0)
        return auris_fail(err, AURIS_ECORRUPT, "%s: malformed .npy header", name);
    size_t r = h.shape[0], c = h.ndim == 2 ? h.shape[1] : 1;
    if (c != 0 && r > SIZE_MAX / c / 8)
        return auris_fail(err, AURIS_ERANGE, "%s: .npy shape too large", name);
    size_t n = r * c, need = n * (size_t)h.itemsize, avail = size - off - hlen;
    if (need > avail)
        return auris_fail(err, AURIS_ECORRUPT, "%s: .npy data truncated (%zu of %zu bytes)",
                          name, avail, need);
    float *out = malloc(n ? n * sizeof *out : 1);
    if (!out)
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", name);
    const unsigned char *src = b + off + hlen;
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++) {
            size_t k = h.fortran ? j * r + i : i * c + j;
            out[i * c + j] = element(src + k * (size_t)h.itemsize, h.itemsize);
        }
    *data = out;
    *rows = r;
    *cols = c;
    return AURIS_OK;
}

auris_status auris_npy_load(const char *path, float **data, size_t *rows, size_t *cols,
                            auris_error *err)
{
    if (!path)
        return auris_fail(err, AURIS_EINVAL, "(null): no path");
    FILE *f = fopen(path, "rb");
    if (!f)
        return auris_fail(err, AURIS_EIO, "%s: cannot open: %s", path, strerror(errno));
    auris_status st = AURIS_OK;
    unsigned char *buf = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (len < 0 || fseek(f, 0, SEEK_SET) != 0)
        st = auris_fail(err, AURIS_EIO, "%s: cannot read", path);
    else if ((size_t)len > NPY_MAX_FILE)
        st = auris_fail(err, AURIS_ERANGE, "%s: larger than 1 GiB", path);
    else if (!(buf = malloc((size_t)len + 1)))
        st = auris_fail(err, AURIS_ENOMEM, "%s: out of memory", path);
    else if (fread(buf, 1, (size_t)len, f) != (size_t)len)
        st = auris_fail(err, AURIS_EIO, "%s: cannot read", path);
    fclose(f);
    if (st == AURIS_OK)
        st = auris_npy_parse(buf, (size_t)len, path, data, rows, cols, err);
    free(buf);
    return st;
}
