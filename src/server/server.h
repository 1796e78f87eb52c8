/*
 * `xuke serve`: the HTTP transport (libmicrohttpd, epoll, its own thread pool) around the API of
 * api.h. Owns the limits, the pool of store connections, the access log and graceful shutdown.
 */
#ifndef XK_SERVER_H
#define XK_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Defaults, documented in the README's Limits table. */
/* a scan (20 MiB); a text document in it is still held to its own 4 MiB limit (413) */
#define SRV_DEFAULT_MAX_BODY (20u * 1024u * 1024u)
#define SRV_DEFAULT_MAX_HEADER (16u * 1024u)
#define SRV_DEFAULT_MAX_CONNECTIONS 512u
#define SRV_DEFAULT_PER_IP 256u
#define SRV_DEFAULT_IDLE_TIMEOUT 15u
#define SRV_DEFAULT_RATE 100.0
#define SRV_DEFAULT_BURST 200.0
#define SRV_DEFAULT_GRACE 10u
/* Memory held for request bodies by all connections together; a body that would go over it is
 * answered 503 (a write is admitted on its headers first, so anonymous uploads hold none). A
 * body longer than SRV_BODY_SPILL goes on in an unlinked temporary file in $TMPDIR (or /tmp);
 * those files together hold at most SRV_BODY_DISK_MAX bytes (503 beyond). */
#define SRV_BODY_MEMORY_MAX (128u * 1024u * 1024u)
#define SRV_BODY_SPILL (256u * 1024u)
#define SRV_BODY_DISK_MAX ((size_t)2048u * 1024u * 1024u)
/* Host names --allow-host may add to the loopback names a --public-read server answers. */
#define SRV_MAX_ALLOW_HOSTS 16u
/* OCR jobs: XK_SRV_OCR_* in xuke/limits.h */

typedef struct srv_config {
    char host[64];     /* numeric IPv4 or IPv6 address */
    unsigned port;     /* 0 = any free port (printed) */
    const char *db;    /* store path */
    const char *calendar; /* NULL = the installed one */
    bool public_read;
    /* under public_read, the Host names answered besides localhost, 127.0.0.1, [::1] and the
     * listening address: any other Host is 421 (a DNS-rebinding page cannot read the registry) */
    const char *allow_hosts[SRV_MAX_ALLOW_HOSTS];
    unsigned n_allow_hosts;
    /* the numeric address of a reverse proxy whose X-Forwarded-Proto: https marks the session
     * cookie Secure; NULL: none (this server itself speaks plain HTTP) */
    const char *trusted_proxy;
    unsigned threads;
    size_t max_body, max_header;
    unsigned max_connections, per_ip_connections, idle_timeout, grace;
    double rate, burst; /* per token (or address); rate 0 = no limit */
    FILE *access_log;   /* one JSON line per request */
    /* the file access_log was opened from (NULL for stderr, stdout): SIGHUP opens the path
     * again and moves the stream onto it, so a log rotated by renaming is let go */
    const char *access_log_path;
    unsigned ocr_workers, ocr_queue, ocr_per_token; /* the OCR job queue (jobs.h) */
    /* SIGHUP: fills fresh with the configuration as it now reads (the file and the command
     * line again); false with err set keeps the running one. NULL: the calendar is reread from
     * the same path. What a reload can change is listed at xk_srv_run. */
    bool (*reload)(void *arg, struct srv_config *fresh, char *err, size_t size);
    void *reload_arg;
} srv_config;

void xk_srv_config_defaults(srv_config *cfg);

/* Serves until SIGTERM or SIGINT, then stops accepting, lets requests in flight finish (up to
 * cfg->grace seconds) and returns 0. SIGHUP rereads the configuration (cfg->reload) and the
 * calendar without closing a connection: the calendar and public_read take effect for the next
 * requests (one under way keeps the calendar it started with); a changed listening address,
 * store, thread count, limit, rate or allowed host is reported as needing a restart. The access
 * log is opened again at its path (cfg->access_log_path), whether or not the rest reloads. A reload
 * that fails (a bad file, a calendar that does not parse) keeps everything as it was and says
 * why on stderr. Non-zero (errbuf says why) when it cannot start. Prints
 * "listening on http://HOST:PORT/" on stdout once it accepts connections. */
int xk_srv_run(const srv_config *cfg, char *errbuf, size_t errsize);

#endif
