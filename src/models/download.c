/* Checked downloads with libcurl: the body streams into a temporary file beside the
 * destination while OpenSSL hashes it, and only a complete file with the expected SHA-256
 * is renamed into place, so an interrupted or tampered download never looks installed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include "auris/models.h"
#include "core/error.h"

#define SHA256_HEX 65

typedef struct transfer {
    FILE *file;
    EVP_MD_CTX *md;
    CURL *curl;
    int64_t done;
    const auris_download_config *cfg;
    int too_large, canceled, write_errno;
} transfer;

void auris_download_config_default(auris_download_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_bytes = (int64_t)512 << 20;
    cfg->timeout_s = 600;
}

static void hex_digest(EVP_MD_CTX *md, char *out)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(md, digest, &len);
    for (unsigned int i = 0; i < len && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

static int sha256_hex_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return n == 64;
}

auris_status auris_sha256_file(const char *path, char *out, auris_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return auris_fail(err, AURIS_EIO, "%s: cannot open: %s", path, strerror(errno));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        fclose(f);
        return auris_fail(err, AURIS_EINTERNAL, "%s: cannot start SHA-256", path);
    }
    unsigned char buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(md, buf, got);
    int failed = ferror(f);
    fclose(f);
    if (!failed)
        hex_digest(md, out);
    EVP_MD_CTX_free(md);
    return failed ? auris_fail(err, AURIS_EIO, "%s: read error", path) : AURIS_OK;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *user)
{
    transfer *t = user;
    size_t n = size * nmemb;
    if ((int64_t)n > t->cfg->max_bytes - t->done) {
        t->too_large = 1;
        return 0;
    }
    if (fwrite(data, 1, n, t->file) != n) {
        t->write_errno = errno ? errno : EIO;
        return 0;
    }
    EVP_DigestUpdate(t->md, data, n);
    t->done += (int64_t)n;
    if (t->cfg->progress) {
        curl_off_t total = -1;
        curl_easy_getinfo(t->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &total);
        if (t->cfg->progress(t->done, (int64_t)total, t->cfg->progress_user)) {
            t->canceled = 1;
            return 0;
        }
    }
    return n;
}

/* Turns a failed transfer into a one-line message naming the URL. */
static auris_status transfer_error(const char *url, CURLcode rc, const transfer *t,
                                   const char *curl_msg, auris_error *err)
{
    if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED)
        return auris_fail(err, AURIS_ERANGE, "%s: larger than the %lld-byte limit", url,
                          (long long)t->cfg->max_bytes);
    if (t->canceled)
        return auris_fail(err, AURIS_ECANCELED, "%s: download canceled", url);
    if (t->write_errno)
        return auris_fail(err, AURIS_EIO, "%s: cannot write the download: %s", url,
                          strerror(t->write_errno));
    if (rc == CURLE_HTTP_RETURNED_ERROR) {
        long code = 0;
        curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
        return auris_fail(err, AURIS_EIO, "%s: HTTP error %ld", url, code);
    }
    return auris_fail(err, AURIS_EIO, "%s: %s", url, curl_msg[0] ? curl_msg : curl_easy_strerror(rc));
}

static auris_status run_transfer(const char *url, transfer *t, auris_error *err)
{
    char curl_msg[CURL_ERROR_SIZE] = "";
    CURL *c = t->curl;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, t->cfg->timeout_s);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->cfg->max_bytes);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "auris/" AURIS_VERSION_STRING);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_msg);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        return transfer_error(url, rc, t, curl_msg, err);
    return AURIS_OK;
}

/* Flushes the temporary file to disk and checks the digest; the caller renames or removes. */
static auris_status finish_file(const char *url, transfer *t, const char *want, char *got,
                                auris_error *err)
{
    int bad = fflush(t->file) != 0 || fsync(fileno(t->file)) != 0;
    bad |= fclose(t->file) != 0;
    t->file = NULL;
    if (bad)
        return auris_fail(err, AURIS_EIO, "%s: cannot write the download: %s", url, strerror(errno));
    hex_digest(t->md, got);
    if (want && strcasecmp(want, got) != 0)
        return auris_fail(err, AURIS_ECORRUPT,
                          "%s: SHA-256 mismatch: got %s, expected %s (download discarded)", url,
                          got, want);
    return AURIS_OK;
}

static auris_status open_temp(const char *dest_path, char *tmp, size_t n, FILE **out,
                              auris_error *err)
{
    if (snprintf(tmp, n, "%s.part-XXXXXX", dest_path) >= (int)n)
        return auris_fail(err, AURIS_ERANGE, "%s: path too long", dest_path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return auris_fail(err, AURIS_EIO, "%s: cannot create a temporary file: %s", tmp,
                          strerror(errno));
    /* mkstemp makes the file private; an installed model is readable like any data file. */
    fchmod(fd, 0644);
    *out = fdopen(fd, "wb");
    if (!*out) {
        close(fd);
        unlink(tmp);
        return auris_fail(err, AURIS_EIO, "%s: %s", tmp, strerror(errno));
    }
    return AURIS_OK;
}

auris_status auris_download(const char *url, const char *dest_path,
                            const auris_download_config *cfg, char *sha256_out,
                            auris_error *err)
{
    auris_download_config defaults;
    if (!cfg) {
        auris_download_config_default(&defaults);
        cfg = &defaults;
    }
    if (!url || !url[0] || !dest_path || !dest_path[0] || cfg->max_bytes <= 0 || cfg->timeout_s <= 0)
        return auris_fail(err, AURIS_EINVAL, "download: needs a URL, a destination and positive limits");
    if (cfg->sha256_hex && !sha256_hex_valid(cfg->sha256_hex))
        return auris_fail(err, AURIS_EINVAL, "%s: expected SHA-256 '%s' is not 64 hex digits", url,
                          cfg->sha256_hex);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return auris_fail(err, AURIS_EINTERNAL, "%s: libcurl initialisation failed", url);
    transfer t = {.cfg = cfg};
    char tmp[4096 + 16], got[SHA256_HEX] = "";
    auris_status st = open_temp(dest_path, tmp, sizeof tmp, &t.file, err);
    if (st) {
        curl_global_cleanup();
        return st;
    }
    t.md = EVP_MD_CTX_new();
    t.curl = curl_easy_init();
    if (!t.md || !t.curl || !EVP_DigestInit_ex(t.md, EVP_sha256(), NULL))
        st = auris_fail(err, AURIS_EINTERNAL, "%s: cannot start libcurl or SHA-256", url);
    if (!st)
        st = run_transfer(url, &t, err);
    if (!st)
        st = finish_file(url, &t, cfg->sha256_hex, got, err);
    if (t.file)
        fclose(t.file);
    if (!st && rename(tmp, dest_path) != 0)
        st = auris_fail(err, AURIS_EIO, "%s: cannot rename into place: %s", dest_path, strerror(errno));
    if (st)
        unlink(tmp);
    else if (sha256_out)
        memcpy(sha256_out, got, SHA256_HEX);
    curl_easy_cleanup(t.curl);
    EVP_MD_CTX_free(t.md);
    curl_global_cleanup();
    return st;
}
