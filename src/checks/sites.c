/*
 * Homepage checks: for each licensed website, its homepage fetched with libcurl (https first,
 * then http when https cannot be reached or its TLS fails), then analysed (site_page.c) and
 * stored. Every fetch is bounded: total time, bytes (a larger page is an error, not read in
 * part), redirects (http and https only), a pace per host and a cap on fetches at once, and a
 * descriptive User-Agent. Addresses are checked as each connection opens, DNS answers and
 * redirects included: private, loopback and link-local ones are refused unless the operator
 * allows them or names them in a --connect-to rule.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <sodium.h>

#include "xuke/limits.h"
#include "xuke/sites.h"
#include "xuke/xuke.h"

#define USER_AGENT                                                                                 \
    "xuke/" XUKE_VERSION " (checks that the licence number is shown on the homepage, as "         \
    "provision 2 of a value-added telecom licence requires)"

void xk_site_options_init(xk_site_options *o)
{
    memset(o, 0, sizeof *o);
    o->timeout_seconds = XK_SITE_TIMEOUT_SECONDS;
    o->max_bytes = XK_SITE_MAX_BYTES;
    o->max_redirects = XK_SITE_MAX_REDIRECTS;
    o->concurrency = XK_SITE_CONCURRENCY;
    o->per_host_ms = XK_SITE_PER_HOST_MS;
}

/* --- addresses ------------------------------------------------------------------------------- */

static bool private_v4(const unsigned char *a)
{
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
           (a[0] == 172 && (a[1] & 0xF0) == 16) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 100 && (a[1] & 0xC0) == 64) || a[0] >= 224;
}

static bool private_address(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return private_v4((const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
    if (sa->sa_family != AF_INET6)
        return true;
    const unsigned char *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (memcmp(a, mapped, 12) == 0)
        return private_v4(a + 12);
    static const unsigned char zero[15] = {0};
    return memcmp(a, zero, 15) == 0 /* :: and ::1 */ || (a[0] & 0xFE) == 0xFC ||
           (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) || a[0] == 0xFF;
}

/* Whether sa is the ADDRESS of one of the --connect-to rules (HOST:PORT:ADDRESS:PORT). */
static bool named_address(const xk_site_options *o, const struct sockaddr *sa)
{
    for (size_t i = 0; i < o->n_connect_to; i++) {
        const char *rule = o->connect_to[i];
        const char *a = strchr(rule, ':');
        a = a ? strchr(a + 1, ':') : NULL;
        if (!a)
            continue;
        a++;
        char addr[64];
        size_t n = *a == '[' ? strcspn(a + 1, "]") : strcspn(a, ":");
        if (n == 0 || n >= sizeof addr)
            continue;
        memcpy(addr, *a == '[' ? a + 1 : a, n);
        addr[n] = '\0';
        unsigned char bin[16];
        if (sa->sa_family == AF_INET && inet_pton(AF_INET, addr, bin) == 1 &&
            memcmp(bin, &((const struct sockaddr_in *)sa)->sin_addr, 4) == 0)
            return true;
        if (sa->sa_family == AF_INET6 && inet_pton(AF_INET6, addr, bin) == 1 &&
            memcmp(bin, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16) == 0)
            return true;
    }
    return false;
}

/* --- one fetch ------------------------------------------------------------------------------- */

typedef struct fetch {
    const xk_site_options *o;
    char *body;
    size_t len;
    bool too_big;
    bool refused; /* a connection to a private address was refused */
    char refused_addr[64];
    char content_type[128];
    long status;
    CURLcode code;
    char url[512];
    char error[CURL_ERROR_SIZE];
} fetch;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    fetch *f = ud;
    size_t n = size * nmemb;
    if (f->len + n > f->o->max_bytes) {
        f->too_big = true;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    char *grown = realloc(f->body, f->len + n + 1);
    if (!grown)
        return 0;
    f->body = grown;
    memcpy(f->body + f->len, p, n);
    f->len += n;
    f->body[f->len] = '\0';
    return n;
}

static curl_socket_t open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *addr)
{
    fetch *f = ud;
    (void)purpose;
    const struct sockaddr *sa = &addr->addr;
    if (!f->o->allow_private && private_address(sa) && !named_address(f->o, sa)) {
        f->refused = true;
        const void *bin = sa->sa_family == AF_INET
                              ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
                              : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (!inet_ntop(sa->sa_family, bin, f->refused_addr, sizeof f->refused_addr))
            snprintf(f->refused_addr, sizeof f->refused_addr, "?");
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

static void fetch_url(const xk_site_options *o, struct curl_slist *connect_to, const char *url,
                      fetch *f)
{
    memset(f, 0, sizeof *f);
    f->o = o;
    snprintf(f->url, sizeof f->url, "%s", url);
    CURL *c = curl_easy_init();
    if (!c) {
        f->code = CURLE_OUT_OF_MEMORY;
        return;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, f);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, o->max_redirects);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_seconds);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, f->error);
    if (connect_to)
        curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to);
    f->code = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
    char *ct = NULL, *eff = NULL;
    if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
        snprintf(f->content_type, sizeof f->content_type, "%s", ct);
    if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
        snprintf(f->url, sizeof f->url, "%s", eff);
    curl_easy_cleanup(c);
}

static bool tls_failure(CURLcode code)
{
    return code == CURLE_SSL_CONNECT_ERROR || code == CURLE_PEER_FAILED_VERIFICATION ||
           code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_CIPHER ||
           code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_ISSUER_ERROR ||
           code == CURLE_SSL_PINNEDPUBKEYNOTMATCH || code == CURLE_SSL_INVALIDCERTSTATUS ||
           code == CURLE_USE_SSL_FAILED || code == CURLE_SSL_ENGINE_INITFAILED;
}

/* The result of a fetch in words; true when the site answered (analysed or an HTTP error). */
static bool classify(const xk_site_options *o, const char *number, const fetch *f,
                     xk_site_check *out)
{
    const char *what = "unreachable";
    out->detail[0] = '\0';
    out->http_status = (int)f->status;
    snprintf(out->url, sizeof out->url, "%s", f->url);
    if (f->refused) {
        snprintf(out->detail, sizeof out->detail,
                 "refused to connect to %s: a private address (--allow-private allows it)",
                 f->refused_addr);
    } else if (f->too_big || f->code == CURLE_FILESIZE_EXCEEDED) {
        what = "http_error";
        snprintf(out->detail, sizeof out->detail,
                 "the homepage is larger than %zu bytes: not read", o->max_bytes);
    } else if (f->code == CURLE_TOO_MANY_REDIRECTS) {
        what = "http_error";
        snprintf(out->detail, sizeof out->detail, "more than %ld redirects", o->max_redirects);
    } else if (f->code == CURLE_OPERATION_TIMEDOUT) {
        snprintf(out->detail, sizeof out->detail, "no whole answer within %ld s",
                 o->timeout_seconds);
    } else if (tls_failure(f->code)) {
        what = "tls_error";
        snprintf(out->detail, sizeof out->detail, "%s",
                 *f->error ? f->error : curl_easy_strerror(f->code));
    } else if (f->code != CURLE_OK) {
        snprintf(out->detail, sizeof out->detail, "%s",
                 *f->error ? f->error : curl_easy_strerror(f->code));
    } else if (f->status >= 400 || f->status < 200) {
        what = "http_error";
        snprintf(out->detail, sizeof out->detail, "HTTP status %ld", f->status);
    } else {
        xk_site_analyse(number, f->body ? f->body : "", f->len, f->content_type, out);
        unsigned char hash[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(hash, (const unsigned char *)(f->body ? f->body : ""), f->len);
        sodium_bin2hex(out->sha256, sizeof out->sha256, hash, sizeof hash);
        return true;
    }
    snprintf(out->result, sizeof out->result, "%s", what);
    return strcmp(what, "http_error") == 0;
}

/* --- the pace per host ------------------------------------------------------------------------ */

typedef struct pace {
    pthread_mutex_t lock;
    struct {
        char host[XK_MAX_HOST + 1];
        long long next_ms;
    } *hosts;
    size_t n, cap;
} pace;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until host may be asked again and books the next slot: politeness, not a test wait. */
static void pace_wait(pace *p, const char *host, long interval_ms)
{
    long long wait = 0, now = now_ms();
    pthread_mutex_lock(&p->lock);
    size_t i = 0;
    while (i < p->n && strcmp(p->hosts[i].host, host) != 0)
        i++;
    if (i == p->n && p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        void *grown = realloc(p->hosts, cap * sizeof *p->hosts);
        if (grown) {
            p->hosts = grown;
            p->cap = cap;
        }
    }
    if (i < p->cap) {
        if (i == p->n) {
            snprintf(p->hosts[i].host, sizeof p->hosts[i].host, "%s", host);
            p->hosts[i].next_ms = now;
            p->n++;
        }
        long long at = p->hosts[i].next_ms > now ? p->hosts[i].next_ms : now;
        wait = at - now;
        p->hosts[i].next_ms = at + interval_ms;
    }
    pthread_mutex_unlock(&p->lock);
    if (wait > 0) {
        struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
}

static void check_with(const xk_site_options *o, pace *p, const char *number, const char *host,
                       xk_site_check *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->number, sizeof out->number, "%s", number);
    snprintf(out->host, sizeof out->host, "%s", host);
    struct curl_slist *rules = NULL;
    for (size_t i = 0; i < o->n_connect_to; i++) {
        struct curl_slist *grown = curl_slist_append(rules, o->connect_to[i]);
        if (grown)
            rules = grown;
    }
    const char *schemes[] = {"https", "http"};
    xk_site_check first;
    memset(&first, 0, sizeof first);
    for (int k = 0; k < 2; k++) {
        char url[512];
        snprintf(url, sizeof url, "%s://%s/", schemes[k], host);
        fetch f;
        if (p)
            pace_wait(p, host, o->per_host_ms);
        fetch_url(o, rules, url, &f);
        bool answered = classify(o, number, &f, out);
        free(f.body);
        if (answered)
            break;
        if (k == 0) {
            first = *out;
        } else {
            /* neither answered: the https failure says more (a TLS error stays one) */
            char http_detail[256];
            snprintf(http_detail, sizeof http_detail, "%s", out->detail);
            *out = first;
            size_t used = strlen(out->detail);
            snprintf(out->detail + used, sizeof out->detail - used, "; http: %s", http_detail);
        }
    }
    curl_slist_free_all(rules);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out->checked_at, sizeof out->checked_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void xk_site_check_one(const xk_site_options *o, const char *number, const char *host,
                       xk_site_check *out)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    check_with(o, NULL, number, host, out);
    curl_global_cleanup();
}

/* --- every website ----------------------------------------------------------------------------- */

typedef struct target {
    char number[64];
    char host[XK_MAX_HOST + 1];
} target;

typedef struct run {
    const xk_site_options *o;
    target *targets;
    xk_site_check *results;
    size_t n, cap, next;
    pthread_mutex_t lock;
    pace pace;
    bool oom;
} run;

static bool add_target(const char *number, const char *host, void *ctx)
{
    run *r = ctx;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        target *grown = cap <= XK_SITE_MAX_TARGETS ? realloc(r->targets, cap * sizeof *grown)
                                                   : NULL;
        if (!grown) {
            r->oom = true;
            return false;
        }
        r->targets = grown;
        r->cap = cap;
    }
    snprintf(r->targets[r->n].number, sizeof r->targets[r->n].number, "%s", number);
    snprintf(r->targets[r->n].host, sizeof r->targets[r->n].host, "%s", host);
    r->n++;
    return true;
}

static void *worker(void *arg)
{
    run *r = arg;
    for (;;) {
        pthread_mutex_lock(&r->lock);
        size_t i = r->next < r->n ? r->next++ : r->n;
        pthread_mutex_unlock(&r->lock);
        if (i == r->n)
            return NULL;
        check_with(r->o, &r->pace, r->targets[i].number, r->targets[i].host, &r->results[i]);
    }
}

static xk_status run_all(run *r, xk_error *err)
{
    unsigned threads = r->o->concurrency ? r->o->concurrency : 1;
    if (threads > r->n)
        threads = (unsigned)r->n;
    pthread_t *ids = calloc(threads, sizeof *ids);
    if (!ids)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    unsigned started = 0;
    for (; started < threads; started++)
        if (pthread_create(&ids[started], NULL, worker, r) != 0)
            break;
    if (started == 0)
        worker(r); /* no thread could start: this one does the work */
    for (unsigned i = 0; i < started; i++)
        pthread_join(ids[i], NULL);
    free(ids);
    return XK_OK;
}

xk_status xk_sites_check(xk_store *st, const xk_site_options *o, const char *number,
                         xk_site_check_fn fn, void *ctx, xk_error *err)
{
    run r;
    memset(&r, 0, sizeof r);
    r.o = o;
    pthread_mutex_init(&r.lock, NULL);
    pthread_mutex_init(&r.pace.lock, NULL);
    xk_status rc = xk_store_site_hosts(st, number, add_target, &r, err);
    if (rc == XK_OK && r.oom)
        rc = xk_error_set(err, XK_ETOOBIG, 0, "more than %u websites to check, or out of memory",
                          XK_SITE_MAX_TARGETS);
    if (rc == XK_OK && number && r.n == 0)
        rc = xk_error_set(err, XK_ENOTFOUND, 0, "licence %s lists no website", number);
    if (rc == XK_OK && r.n > 0 && !(r.results = calloc(r.n, sizeof *r.results)))
        rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    if (rc == XK_OK && r.n > 0) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        xmlInitParser(); /* before the threads: libxml2 sets itself up once */
        rc = run_all(&r, err);
        curl_global_cleanup();
    }
    for (size_t i = 0; rc == XK_OK && i < r.n; i++) {
        rc = xk_store_site_check_add(st, &r.results[i], err);
        if (rc == XK_OK && fn && !fn(&r.results[i], ctx))
            break;
    }
    free(r.targets);
    free(r.results);
    free(r.pace.hosts);
    pthread_mutex_destroy(&r.lock);
    pthread_mutex_destroy(&r.pace.lock);
    return rc;
}
