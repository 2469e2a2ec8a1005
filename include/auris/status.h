/* Status codes, error messages and the log callback shared by every auris object.
 *
 * Every call that can fail returns an auris_status (0 = OK, negative = a named error).
 * Constructors take an optional auris_error* that receives a one-line message naming
 * the input and the reason ("speech.wav: truncated WAV data chunk"); objects keep the
 * message of their last failure, readable with auris_X_error(). */
#ifndef AURIS_STATUS_H
#define AURIS_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum auris_status {
    AURIS_OK = 0,
    AURIS_EINVAL = -1,       /* invalid argument or configuration */
    AURIS_ENOMEM = -2,       /* out of memory */
    AURIS_EIO = -3,          /* cannot open, read or write */
    AURIS_EFORMAT = -4,      /* not a format auris can read */
    AURIS_ECORRUPT = -5,     /* malformed or truncated data */
    AURIS_EEMPTY = -6,       /* no audio in the input */
    AURIS_ERANGE = -7,       /* a value outside what auris supports (absurd header values) */
    AURIS_EDATA = -8,        /* non-finite (NaN/Inf) samples */
    AURIS_EMODEL = -9,       /* missing or malformed model */
    AURIS_EUNSUPPORTED = -10,/* valid input that this build cannot handle */
    AURIS_EINTERNAL = -11,   /* a library call failed unexpectedly */
    AURIS_ECANCELED = -12    /* stopped by the caller (a callback or an interrupt) */
} auris_status;

#define AURIS_ERROR_MAX 512

/* A message buffer filled by a failing call. Zero-initialise it before use. */
typedef struct auris_error {
    auris_status status;
    char message[AURIS_ERROR_MAX];
} auris_error;

/* A short fixed description of a status code ("malformed or truncated data"). */
const char *auris_strerror(auris_status status);

typedef enum auris_log_level {
    AURIS_LOG_DEBUG = 0,
    AURIS_LOG_INFO = 1,
    AURIS_LOG_WARN = 2,
    AURIS_LOG_ERROR = 3
} auris_log_level;

typedef void (*auris_log_fn)(auris_log_level level, const char *message, void *user);

/* Route the library's log messages (warnings such as skipped files) to fn; NULL silences
 * them, which is the default: the library never prints on its own. Set it once at start-up,
 * before other threads use the library. */
void auris_log_set(auris_log_fn fn, void *user);

/* The library version, e.g. "0.1.0". */
const char *auris_version(void);

#ifdef __cplusplus
}
#endif
#endif
