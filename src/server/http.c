/*
 * The HTTP transport (see server.h): libmicrohttpd with epoll and a thread pool. Each request
 * is read under the body and header limits, handed to xk_srv_handle with a store connection from
 * the pool, answered, and logged as one JSON line when it completes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <time.h>

#include <fcntl.h>
#include <unistd.h>

#include "api.h"
#include "forwarded.h"
#include "jobs.h"
#include "server.h"

void xk_srv_config_defaults(srv_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->host, sizeof cfg->host, "127.0.0.1");
    cfg->port = 8080;
    cfg->threads = 2;
    cfg->max_body = SRV_DEFAULT_MAX_BODY;
    cfg->max_header = SRV_DEFAULT_MAX_HEADER;
    cfg->max_connections = SRV_DEFAULT_MAX_CONNECTIONS;
    cfg->per_ip_connections = SRV_DEFAULT_PER_IP;
    cfg->idle_timeout = SRV_DEFAULT_IDLE_TIMEOUT;
    cfg->grace = SRV_DEFAULT_GRACE;
    cfg->rate = SRV_DEFAULT_RATE;
    cfg->burst = SRV_DEFAULT_BURST;
    cfg->access_log = stderr;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->ocr_workers = cores > 1 ? (unsigned)(cores - 1) : 1;
    cfg->ocr_queue = XK_SRV_OCR_QUEUE;
    cfg->ocr_per_token = XK_SRV_OCR_PER_TOKEN;
}

/* --- the pool of store connections: one per request being handled ------------------------- */

typedef struct pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    xk_store **stores;
    bool *busy;
    unsigned n;
} pool;

static xk_store *pool_take(pool *p)
{
    pthread_mutex_lock(&p->lock);
    for (;;) {
        for (unsigned i = 0; i < p->n; i++)
            if (!p->busy[i]) {
                p->busy[i] = true;
                pthread_mutex_unlock(&p->lock);
                return p->stores[i];
            }
        pthread_cond_wait(&p->freed, &p->lock);
    }
}

static void pool_give(pool *p, xk_store *st)
{
    pthread_mutex_lock(&p->lock);
    for (unsigned i = 0; i < p->n; i++)
        if (p->stores[i] == st)
            p->busy[i] = false;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

/* A calendar and the requests using it: a reload puts a new one in front; the one it replaced
 * is freed when the last request that started with it ends. */
typedef struct held_calendar {
    xk_calendar *cal;
    unsigned long serial; /* which one it is: kept answers name it */
    unsigned users;
    struct held_calendar *next; /* older ones still in use */
} held_calendar;

typedef struct server {
    const srv_config *cfg;
    srv_limits limits;
    pool pool;
    pthread_mutex_t cal_lock;
    held_calendar *cal; /* the current one first */
    srv_ratelimit *rate;
    pthread_mutex_t log_lock;
    time_t transport_logged_at; /* under log_lock: libmicrohttpd's messages, one a second */
    unsigned long transport_suppressed;
    atomic_int inflight;
    atomic_int connections; /* open now (libmicrohttpd's connection notifications) */
    atomic_size_t body_bytes; /* memory held for request bodies, all connections together */
    atomic_size_t spilled_bytes; /* bytes of bodies in temporary files, all connections */
    srv_jobs *jobs;         /* scans are read here, off the HTTP threads */
    srv_answers *answers;   /* read answers kept per store revision */
    srv_answers *facts;     /* licences' facts kept per store revision */
    unsigned long calendars; /* calendars installed so far: the next one's serial */
} server;

/* --- one request -------------------------------------------------------------------------- */

/*
 * A body up to SRV_BODY_SPILL bytes is held in memory (cap bytes of it counted in body_bytes);
 * a longer one goes on in an unlinked temporary file (fd), mapped read-only once complete, so a
 * large upload costs the page cache, not the heap.
 */
typedef struct request {
    struct timespec start;
    char *body;
    size_t len, cap;
    int fd;          /* the temporary file of a spilled body, or -1 */
    size_t mapped;   /* bytes of body mapped from fd (len + 1, NUL-terminated); 0 = not mapped */
    bool too_big, answered, admitted, over_memory, spill_failed;
    bool https; /* this server does not speak TLS: only the trusted proxy can say so */
    int status;
    size_t bytes;
    char actor[XK_TOKEN_NAME_MAX + 1];
    char client[INET6_ADDRSTRLEN];
    char method[16];
    char path[512]; /* for the log: the query is left out, it may hold anything */
} request;

static double elapsed_us(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) * 1e6 + (double)(b.tv_nsec - a->tv_nsec) / 1e3;
}

static xk_date today_china(void)
{
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    return (xk_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

static void client_address(struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, size, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)size);
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    srv_req *r = cls;
    if (r->n_args == SRV_MAX_ARGS) {
        r->too_many_args = true;
        return MHD_NO;
    }
    r->args[r->n_args].key = key;
    r->args[r->n_args].value = value ? value : "";
    r->n_args++;
    return MHD_YES;
}

static enum MHD_Result respond(struct MHD_Connection *conn, request *rq, srv_resp *resp)
{
    struct MHD_Response *r;
    if (resp->body) {
        r = MHD_create_response_from_buffer(resp->body_len, resp->body, MHD_RESPMEM_MUST_FREE);
        if (r)
            resp->body = NULL; /* MHD frees it */
    } else if (resp->release) { /* a kept answer's bytes, let go of when MHD is done with them */
        r = MHD_create_response_from_buffer_with_free_callback_cls(
            resp->body_len, (void *)resp->static_body, resp->release, resp->release_arg);
        if (r)
            resp->release = NULL;
    } else {
        r = MHD_create_response_from_buffer(resp->body_len, (void *)resp->static_body,
                                            MHD_RESPMEM_PERSISTENT);
    }
    if (!r) {
        xk_srv_resp_free(resp);
        return MHD_NO;
    }
    if (resp->status != 304)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    if (resp->etag[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, resp->etag);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    /* blob: images and frames are the page's own: a scan shown beside its fields on review,
     * made in the browser from the file the person chose (never fetched from elsewhere) */
    if (strncmp(resp->content_type, "text/html", 9) == 0)
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data: blob:; frame-src blob:; "
                                "style-src 'self'; frame-ancestors 'none'");
    /* API answers hold records and sources: never kept by a browser or a shared cache */
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
                            resp->cache ? resp->cache : "private, no-store");
    if (resp->allow[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, resp->allow);
    if (resp->disposition[0])
        MHD_add_response_header(r, "Content-Disposition", resp->disposition);
    if (resp->retry_after) {
        char s[16];
        snprintf(s, sizeof s, "%d", resp->retry_after);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, s);
    }
    if (resp->set_cookie[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, resp->set_cookie);
    if (resp->status == 401)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"xuke\"");
    rq->status = resp->status;
    rq->bytes = resp->body_len;
    rq->answered = true;
    snprintf(rq->actor, sizeof rq->actor, "%s", resp->actor);
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ok;
}

/* An error answered by the transport itself (limits), in the API's error form. */
static enum MHD_Result refuse(struct MHD_Connection *conn, request *rq, int status,
                              const char *code, const char *fmt, size_t limit)
{
    srv_resp resp;
    memset(&resp, 0, sizeof resp);
    xk_srv_error(&resp, status, code, fmt, limit);
    enum MHD_Result ok = respond(conn, rq, &resp);
    xk_srv_resp_free(&resp);
    return ok;
}

/* Did the client reach us over HTTPS? Only the configured trusted proxy (--trusted-proxy)
 * may say so, by X-Forwarded-Proto: anyone else's header is ignored. */
static bool via_https(const srv_config *cfg, struct MHD_Connection *conn, const char *client)
{
    if (!cfg->trusted_proxy || strcmp(cfg->trusted_proxy, client) != 0)
        return false;
    const char *proto = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
    return proto && strcasecmp(proto, "https") == 0;
}

/* The last X-Forwarded-For header (a proxy appends to the last one). */
static enum MHD_Result last_forwarded(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    if (strcasecmp(key, "X-Forwarded-For") == 0 && value)
        *(const char **)cls = value;
    return MHD_YES;
}

/* Behind the trusted proxy, the client is the right-most address of X-Forwarded-For that is not
 * the proxy (forwarded.c): the per-address limits and the access log name it, not the proxy
 * every request comes from. Anyone else's header is ignored. */
static void forwarded_client(const srv_config *cfg, struct MHD_Connection *conn, char *client,
                             size_t size)
{
    if (!cfg->trusted_proxy || strcmp(cfg->trusted_proxy, client) != 0)
        return;
    const char *xff = NULL;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, last_forwarded, &xff);
    xk_srv_forwarded_client(xff, cfg->trusted_proxy, client, size);
}

/* Does the Host header (its name, without the port) name this server? */
static bool host_allowed(const srv_config *cfg, const char *value)
{
    char name[300];
    size_t n = strlen(value);
    if (n >= sizeof name)
        return false;
    memcpy(name, value, n + 1);
    char *end = name[0] == '[' ? strchr(name, ']') : strrchr(name, ':');
    if (name[0] == '[') {
        if (!end)
            return false;
        memmove(name, name + 1, (size_t)(end - name) - 1);
        name[end - name - 1] = '\0';
    } else if (end) {
        *end = '\0';
    }
    n = strlen(name);
    if (n && name[n - 1] == '.')
        name[n - 1] = '\0';
    static const char *const loopback[] = {"localhost", "127.0.0.1", "::1"};
    for (size_t i = 0; i < 3; i++)
        if (strcasecmp(name, loopback[i]) == 0)
            return true;
    if (strcasecmp(name, cfg->host) == 0)
        return true;
    for (unsigned i = 0; i < cfg->n_allow_hosts; i++)
        if (strcasecmp(name, cfg->allow_hosts[i]) == 0)
            return true;
    return false;
}

static srv_ctx context(server *s)
{
    pthread_mutex_lock(&s->cal_lock);
    s->cal->users++;
    const xk_calendar *cal = s->cal->cal;
    unsigned long serial = s->cal->serial;
    pthread_mutex_unlock(&s->cal_lock);
    return (srv_ctx){.st = pool_take(&s->pool),
                     .cal = cal,
                     .limits = &s->limits,
                     .rate = s->rate,
                     .today = today_china(),
                     .jobs = s->jobs,
                     .answers = s->answers,
                     .facts = s->facts,
                     .calendar_serial = serial};
}

/* The end of what context() started: the store back to the pool, the calendar let go of. */
static void context_done(server *s, srv_ctx *ctx)
{
    pool_give(&s->pool, ctx->st);
    pthread_mutex_lock(&s->cal_lock);
    for (held_calendar **h = &s->cal; *h; h = &(*h)->next) {
        if ((*h)->cal != ctx->cal)
            continue;
        held_calendar *held = *h;
        held->users--;
        if (held != s->cal && held->users == 0) {
            *h = held->next;
            xk_calendar_free(held->cal);
            free(held);
        }
        break;
    }
    pthread_mutex_unlock(&s->cal_lock);
}

/* The request as the API sees it, without its body. */
static void request_of(struct MHD_Connection *conn, request *rq, const char *url,
                       const char *method, srv_req *req)
{
    memset(req, 0, sizeof *req);
    req->method = method;
    req->path = url;
    req->client = rq->client;
    req->admitted = rq->admitted;
    req->authorization =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    req->cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
    req->csrf = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
    req->content_type =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    req->https = rq->https;
    req->if_none_match =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, req);
}

/* A request that may carry a body is decided on its headers (xk_srv_admit): a write without a
 * valid editor token, or over the rate, is answered before a byte of its body is held. */
static enum MHD_Result admit(server *s, struct MHD_Connection *conn, request *rq, const char *url,
                             const char *method)
{
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        return MHD_YES;
    srv_req req;
    request_of(conn, rq, url, method, &req);
    srv_ctx ctx = context(s);
    srv_resp resp;
    bool ok = xk_srv_admit(&ctx, &req, &resp);
    context_done(s, &ctx);
    if (ok) {
        rq->admitted = true;
        xk_srv_resp_free(&resp);
        return MHD_YES;
    }
    enum MHD_Result r = respond(conn, rq, &resp);
    xk_srv_resp_free(&resp);
    return r;
}

/* The declared body length is read strictly (libmicrohttpd checks it too, but what this server
 * refuses must not hang on one library version's parser): garbage is 400, over the cap 413. */
static enum MHD_Result content_length_then_admit(server *s, struct MHD_Connection *conn,
                                                 request *rq, const char *url,
                                                 const char *method, const char *value)
{
    uint64_t declared;
    const char *bad = xk_srv_content_length(value, &declared);
    if (bad) {
        srv_resp resp;
        memset(&resp, 0, sizeof resp);
        xk_srv_error(&resp, 400, "bad_request", "the Content-Length header %s", bad);
        enum MHD_Result ok = respond(conn, rq, &resp);
        xk_srv_resp_free(&resp);
        return ok;
    }
    if (declared > s->cfg->max_body)
        return refuse(conn, rq, 413, "payload_too_large",
                      "request body is larger than the limit of %zu bytes", s->cfg->max_body);
    return admit(s, conn, rq, url, method);
}

static enum MHD_Result first_call(server *s, struct MHD_Connection *conn, request *rq,
                                  const char *url, const char *method)
{
    size_t header_bytes = 0;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &header_bytes);
    if (header_bytes > s->cfg->max_header)
        return refuse(conn, rq, 431, "headers_too_large",
                      "request headers are larger than the limit of %zu bytes",
                      s->cfg->max_header);
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (s->cfg->public_read && host && !host_allowed(s->cfg, host))
        return refuse(conn, rq, 421, "misdirected_request",
                      "this server answers only its own host names (see --allow-host); "
                      "the Host header names another%.0zu", /* (no limit to print) */
                      (size_t)0);
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl)
        return content_length_then_admit(s, conn, rq, url, method, cl);
    return admit(s, conn, rq, url, method);
}

/* An unlinked temporary file in $TMPDIR (or /tmp); -1 when none can be made. */
static int spill_file(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd;
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
#endif
    char path[4096];
    if (snprintf(path, sizeof path, "%s/xuke-body-XXXXXX", dir) >= (int)sizeof path)
        return -1;
    fd = mkstemp(path);
    if (fd >= 0)
        unlink(path);
    return fd;
}

static bool write_all(int fd, const char *data, size_t n)
{
    while (n) {
        ssize_t w = write(fd, data, n);
        if (w < 0)
            return false;
        data += w;
        n -= (size_t)w;
    }
    return true;
}

/* Counts n more bytes against SRV_BODY_DISK_MAX; false (nothing counted) when over it. */
static bool take_disk(server *s, size_t n)
{
    if (atomic_fetch_add(&s->spilled_bytes, n) + n > SRV_BODY_DISK_MAX) {
        atomic_fetch_sub(&s->spilled_bytes, n);
        return false;
    }
    return true;
}

/* Moves the body held so far into a temporary file and frees its memory. */
static bool spill(server *s, request *rq)
{
    int fd = spill_file();
    if (fd < 0)
        return false;
    if (!take_disk(s, rq->len)) {
        close(fd);
        return false;
    }
    if (!write_all(fd, rq->body, rq->len)) {
        atomic_fetch_sub(&s->spilled_bytes, rq->len);
        close(fd);
        return false;
    }
    rq->fd = fd;
    atomic_fetch_sub(&s->body_bytes, rq->cap);
    free(rq->body);
    rq->body = NULL;
    rq->cap = 0;
    return true;
}

static bool append_spilled(server *s, request *rq, const char *data, size_t n)
{
    if (!take_disk(s, n)) {
        rq->over_memory = true;
        return true;
    }
    if (!write_all(rq->fd, data, n)) {
        atomic_fetch_sub(&s->spilled_bytes, n);
        rq->spill_failed = true;
        return true;
    }
    rq->len += n;
    return true;
}

static bool append_body(server *s, request *rq, const char *data, size_t n)
{
    if (rq->over_memory || rq->spill_failed)
        return true;
    if (rq->too_big || rq->len + n > s->cfg->max_body) {
        rq->too_big = true;
        return true;
    }
    if (rq->fd < 0 && rq->len + n > SRV_BODY_SPILL && !spill(s, rq)) {
        rq->spill_failed = true;
        return true;
    }
    if (rq->fd >= 0)
        return append_spilled(s, rq, data, n);
    if (rq->len + n + 1 > rq->cap) {
        size_t cap = rq->cap ? rq->cap : 16384;
        while (cap < rq->len + n + 1)
            cap *= 2;
        /* bodies held by all connections together stay under SRV_BODY_MEMORY_MAX */
        size_t more = cap - rq->cap;
        if (atomic_fetch_add(&s->body_bytes, more) + more > SRV_BODY_MEMORY_MAX) {
            atomic_fetch_sub(&s->body_bytes, more);
            rq->over_memory = true;
            return true;
        }
        char *grown = realloc(rq->body, cap);
        if (!grown) {
            atomic_fetch_sub(&s->body_bytes, more);
            return false;
        }
        rq->body = grown;
        rq->cap = cap;
    }
    memcpy(rq->body + rq->len, data, n);
    rq->len += n;
    rq->body[rq->len] = '\0';
    return true;
}

/* A spilled body, complete: NUL-terminated and mapped read-only for the handlers. */
static bool map_spilled(server *s, request *rq)
{
    if (!take_disk(s, 1))
        return false;
    if (!write_all(rq->fd, "", 1)) {
        atomic_fetch_sub(&s->spilled_bytes, 1);
        return false;
    }
    void *p = mmap(NULL, rq->len + 1, PROT_READ, MAP_PRIVATE, rq->fd, 0);
    if (p == MAP_FAILED) {
        atomic_fetch_sub(&s->spilled_bytes, 1);
        return false;
    }
    rq->body = p;
    rq->mapped = rq->len + 1;
    return true;
}

static void release_body(server *s, request *rq)
{
    if (rq->fd >= 0) {
        if (rq->mapped)
            munmap(rq->body, rq->mapped);
        atomic_fetch_sub(&s->spilled_bytes, rq->len + (rq->mapped ? 1 : 0));
        close(rq->fd);
    } else {
        atomic_fetch_sub(&s->body_bytes, rq->cap);
        free(rq->body);
    }
    rq->body = NULL;
}

static enum MHD_Result answer(server *s, struct MHD_Connection *conn, request *rq,
                              const char *url, const char *method)
{
    srv_req req;
    request_of(conn, rq, url, method, &req);
    req.body = rq->body;
    req.body_len = rq->len;
    srv_ctx ctx = context(s);
    srv_resp resp;
    xk_srv_handle(&ctx, &req, &resp);
    context_done(s, &ctx);
    enum MHD_Result ok = respond(conn, rq, &resp);
    xk_srv_resp_free(&resp);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    server *s = cls;
    request *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        rq->fd = -1;
        clock_gettime(CLOCK_MONOTONIC, &rq->start);
        client_address(conn, rq->client, sizeof rq->client);
        rq->https = via_https(s->cfg, conn, rq->client);
        forwarded_client(s->cfg, conn, rq->client, sizeof rq->client);
        snprintf(rq->method, sizeof rq->method, "%s", method);
        snprintf(rq->path, sizeof rq->path, "%s", url);
        atomic_fetch_add(&s->inflight, 1);
        *con_cls = rq;
        return first_call(s, conn, rq, url, method);
    }
    if (rq->answered) { /* refused on the first call: drop what the client still sends */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!append_body(s, rq, upload_data, *upload_data_size))
            return MHD_NO;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rq->over_memory)
        return refuse(conn, rq, 503, "server_busy",
                      "the server holds its limit of request bodies (%zu MiB in memory, "
                      "2048 MiB in temporary files); retry shortly",
                      (size_t)(SRV_BODY_MEMORY_MAX >> 20));
    if (rq->too_big)
        return refuse(conn, rq, 413, "payload_too_large",
                      "request body is larger than the limit of %zu bytes", s->cfg->max_body);
    if (rq->spill_failed || (rq->fd >= 0 && !map_spilled(s, rq)))
        return refuse(conn, rq, 503, "server_busy",
                      "the body of %zu bytes could not be kept in a temporary file ($TMPDIR); "
                      "retry shortly",
                      rq->len);
    return answer(s, conn, rq, url, method);
}

/* A log line being written: a fixed buffer (every field of a request is bounded, so a line
 * fits; a line that would not is cut at a character and still closed as JSON by the caller). */
typedef struct log_line {
    char text[8192];
    size_t len;
} log_line;

static void line_put(log_line *l, const char *s, size_t n)
{
    if (n > sizeof l->text - 64 - l->len) /* room kept for the closing members */
        n = sizeof l->text - 64 - l->len;
    memcpy(l->text + l->len, s, n);
    l->len += n;
}

static void line_puts(log_line *l, const char *s)
{
    line_put(l, s, strlen(s));
}

/* n in decimal (the log's numbers: no printf to parse a format for each request) */
static void line_number(log_line *l, unsigned long long n)
{
    char digits[24];
    size_t i = sizeof digits;
    do
        digits[--i] = (char)('0' + n % 10);
    while ((n /= 10) != 0);
    line_put(l, digits + i, sizeof digits - i);
}

/* A JSON string's content for any bytes: quotes, backslashes and controls escaped, and each
 * byte that starts no valid UTF-8 sequence written as U+FFFD, so every log line parses. */
static void json_escape(log_line *l, const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        size_t run = i; /* plain ASCII written as one piece */
        while (run < len && (unsigned char)s[run] >= 0x20 && (unsigned char)s[run] < 0x7f &&
               s[run] != '"' && s[run] != '\\')
            run++;
        line_put(l, s + i, run - i);
        if ((i = run) == len)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            unsigned cp;
            size_t n = xk_utf8_decode(s + i, len - i, &cp);
            if (n == 0) {
                line_puts(l, "\\ufffd");
                i++;
            } else {
                line_put(l, s + i, n);
                i += n;
            }
            continue;
        }
        char esc[8];
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", c);
        else
            snprintf(esc, sizeof esc, "\\u%04x", c);
        line_puts(l, esc);
        i++;
    }
}

static const char *termination(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
        return NULL;
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        return "shutdown";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return "client_abort";
    default:
        return "error";
    }
}

/* The time now as the log writes it; returns it as a time_t too. Formatted once a second per
 * thread. */
static time_t log_time(char at[32])
{
    static _Thread_local time_t last = (time_t)-1;
    static _Thread_local char text[32];
    time_t t = time(NULL);
    if (t != last) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
        last = t;
    }
    memcpy(at, text, 32);
    return t;
}

/* One JSON line per request: time, client, method, path, status, bytes, µs, token name. The
 * line is made before the log's lock is taken; only its writing is serialised. */
static void log_request(server *s, const request *rq, enum MHD_RequestTerminationCode toe)
{
    char at[32];
    log_time(at);
    const char *ended = termination(toe);
    log_line l; /* not zeroed: 8 KiB a request, and only its first len bytes are read */
    l.len = 0;
    line_puts(&l, "{\"time\":\"");
    line_puts(&l, at);
    line_puts(&l, "\",\"client\":\"");
    line_puts(&l, rq->client);
    line_puts(&l, "\",\"method\":\"");
    json_escape(&l, rq->method);
    line_puts(&l, "\",\"path\":\"");
    json_escape(&l, rq->path);
    double us = elapsed_us(&rq->start);
    line_puts(&l, "\",\"status\":");
    line_number(&l, (unsigned long long)(rq->status > 0 ? rq->status : 0));
    line_puts(&l, ",\"bytes\":");
    line_number(&l, rq->bytes);
    line_puts(&l, ",\"us\":");
    line_number(&l, (unsigned long long)(us > 0 ? us + 0.5 : 0));
    line_puts(&l, ",\"token\":");
    if (rq->actor[0]) {
        line_puts(&l, "\"");
        json_escape(&l, rq->actor);
        line_puts(&l, "\"");
    } else {
        line_puts(&l, "null");
    }
    l.len = l.len < sizeof l.text - 64 ? l.len : sizeof l.text - 64;
    if (ended)
        l.len += (size_t)snprintf(l.text + l.len, 40, ",\"ended\":\"%s\"", ended);
    memcpy(l.text + l.len, "}\n", 2);
    l.len += 2;
    pthread_mutex_lock(&s->log_lock);
    fwrite(l.text, 1, l.len, s->cfg->access_log);
    fflush(s->cfg->access_log);
    pthread_mutex_unlock(&s->log_lock);
}

/*
 * libmicrohttpd's own messages (a connection refused at a limit, a malformed request) go to
 * the access log as JSON lines, at most one a second with a count of those left out: a flood of
 * connections must neither fill the log nor block the server on a full stderr pipe.
 */
static void on_transport_message(void *cls, const char *fmt, va_list ap)
{
    server *s = cls;
    FILE *f = s->cfg->access_log;
    if (!f)
        return;
    char msg[256], at[32];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\r\n")] = '\0';
    xk_utf8_scrub(msg);
    time_t now = log_time(at);
    pthread_mutex_lock(&s->log_lock);
    if (now == s->transport_logged_at) {
        s->transport_suppressed++;
    } else {
        log_line l;
        l.len = 0;
        json_escape(&l, msg);
        fprintf(f, "{\"time\":\"%s\",\"transport\":\"%.*s\",\"suppressed_before\":%lu}\n", at,
                (int)l.len, l.text, s->transport_suppressed);
        fflush(f);
        s->transport_logged_at = now;
        s->transport_suppressed = 0;
    }
    pthread_mutex_unlock(&s->log_lock);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    server *s = cls;
    request *rq = *con_cls;
    if (!rq)
        return;
    if (s->cfg->access_log)
        log_request(s, rq, toe);
    release_body(s, rq);
    free(rq);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

/* --- start, serve, stop ------------------------------------------------------------------- */

static void pool_close(pool *p)
{
    for (unsigned i = 0; p->stores && i < p->n; i++)
        xk_store_close(p->stores[i]);
    free(p->stores);
    free(p->busy);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->freed);
}

static bool pool_open(pool *p, const char *db, unsigned n, char *errbuf, size_t errsize)
{
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->freed, NULL);
    p->stores = calloc(n, sizeof *p->stores);
    p->busy = calloc(n, sizeof *p->busy);
    p->n = 0;
    if (!p->stores || !p->busy) {
        snprintf(errbuf, errsize, "out of memory");
        return false;
    }
    for (; p->n < n; p->n++) {
        xk_error err;
        xk_error_clear(&err);
        /* the records a walk over the registry reads come from the page cache through the
         * map: no pread into each connection's own cache and copy out of it */
        if (xk_store_open(db, &p->stores[p->n], &err) != XK_OK ||
            xk_store_map_reads(p->stores[p->n], (size_t)XK_SRV_STORE_MAP_BYTES, &err) != XK_OK) {
            snprintf(errbuf, errsize, "%s", err.message);
            if (p->stores[p->n])
                p->n++; /* opened: closed with the others */
            return false;
        }
    }
    return true;
}

static bool parse_address(const srv_config *cfg, struct sockaddr_storage *ss, char *errbuf,
                          size_t errsize)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)ss;
    /* "localhost" is the loopback address people type; no resolver is asked (it could name a
     * non-loopback address) */
    const char *host = strcmp(cfg->host, "localhost") == 0 ? "127.0.0.1" : cfg->host;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((unsigned short)cfg->port);
        return true;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((unsigned short)cfg->port);
        return true;
    }
    snprintf(errbuf, errsize, "--listen: \"%s\" is not localhost or a numeric IPv4 or IPv6 address",
             cfg->host);
    return false;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)conn;
    (void)socket_context;
    server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&s->connections, 1);
    else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
        atomic_fetch_sub(&s->connections, 1);
}

/*
 * Over --max-connections a new connection is closed at once, so the client learns it now.
 * (libmicrohttpd's own limit, set higher, would instead stop accepting and leave it waiting
 * in the kernel's queue.)
 */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
    (void)addr;
    (void)len;
    server *s = cls;
    return atomic_load(&s->connections) < (int)s->cfg->max_connections ? MHD_YES : MHD_NO;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Percent-decoding of the path and the query, in place, as libmicrohttpd's own does, except
 * that %00 stays as it is: a NUL would end the C string there and cut what the handlers see
 * ("/v1/domains/a.cn%00evil" would be checked as a.cn). Kept, the '%' makes it a 400.
 */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    char *w = s;
    for (const char *r = s; *r;) {
        int hi, lo;
        if (r[0] == '%' && (hi = hex_value(r[1])) >= 0 && (lo = hex_value(r[2])) >= 0 &&
            (hi | lo) != 0) {
            *w++ = (char)(hi * 16 + lo);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

static struct MHD_Daemon *start(server *s, const struct sockaddr_storage *ss)
{
    const srv_config *c = s->cfg;
    size_t memory = c->max_header * 2 + 32 * 1024;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (ss->ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    return MHD_start_daemon(
        flags, (uint16_t)c->port, accept_policy, s, on_request, s,
        /* first, or libmicrohttpd prints what it says before it is set */
        MHD_OPTION_EXTERNAL_LOGGER, on_transport_message, s, MHD_OPTION_SOCK_ADDR, ss,
        MHD_OPTION_THREAD_POOL_SIZE, c->threads, MHD_OPTION_CONNECTION_LIMIT,
        c->max_connections * 2 + 16, MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->per_ip_connections,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_UNESCAPE_CALLBACK, unescape, s,
        MHD_OPTION_CONNECTION_TIMEOUT, c->idle_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        memory, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
}

/* Waits for SIGTERM, SIGINT or SIGHUP (blocked in every thread, so only this sigwait sees
 * them); returns the signal. */
static int wait_for_signal(const sigset_t *set)
{
    int sig;
    while (sigwait(set, &sig) != 0 || sig == SIGPIPE)
        ;
    return sig;
}

/* Puts cal in front: requests from now on use it. */
static bool install_calendar(server *s, xk_calendar *cal)
{
    held_calendar *h = calloc(1, sizeof *h);
    if (!h)
        return false;
    h->cal = cal;
    pthread_mutex_lock(&s->cal_lock);
    h->serial = ++s->calendars;
    h->next = s->cal;
    s->cal = h;
    /* the one replaced goes now if no request holds it */
    held_calendar *old = h->next;
    if (old && old->users == 0) {
        h->next = old->next;
        xk_calendar_free(old->cal);
        free(old);
    }
    pthread_mutex_unlock(&s->cal_lock);
    return true;
}

static void free_calendars(server *s)
{
    while (s->cal) {
        held_calendar *h = s->cal;
        s->cal = h->next;
        xk_calendar_free(h->cal);
        free(h);
    }
}

/* The settings a reload cannot change under running connections, named when they differ. */
static void report_restart_needed(const srv_config *now, const srv_config *fresh)
{
    const char *what[8]; /* one per test below */
    size_t n = 0;
    if (strcmp(now->host, fresh->host) != 0 || now->port != fresh->port)
        what[n++] = "listen";
    if (strcmp(now->db ? now->db : "", fresh->db ? fresh->db : "") != 0)
        what[n++] = "db";
    if (now->threads != fresh->threads)
        what[n++] = "threads";
    if (now->max_connections != fresh->max_connections ||
        now->per_ip_connections != fresh->per_ip_connections ||
        now->idle_timeout != fresh->idle_timeout || now->max_header != fresh->max_header ||
        now->max_body != fresh->max_body || now->grace != fresh->grace)
        what[n++] = "connection limits";
    if (now->rate != fresh->rate || now->burst != fresh->burst)
        what[n++] = "rate";
    if (now->n_allow_hosts != fresh->n_allow_hosts)
        what[n++] = "allow-host";
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "xuke serve: reload: %s changed: it takes effect at the next restart\n",
                what[i]);
}

/* SIGHUP, for log rotation: the access log's path opened again and the stream moved onto the
 * new file (dup2 under the log's lock, so no line is split between the two files and the caller
 * still owns and closes the same FILE). A path that cannot be opened keeps the old file. */
static void reopen_access_log(server *s)
{
    const char *path = s->cfg->access_log_path;
    if (!path || !s->cfg->access_log)
        return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        fprintf(stderr, "xuke serve: reload: cannot open access log %s again (%s): writing on "
                        "to the file open now\n", path, strerror(errno));
        return;
    }
    pthread_mutex_lock(&s->log_lock);
    fflush(s->cfg->access_log);
    int moved = dup2(fd, fileno(s->cfg->access_log));
    pthread_mutex_unlock(&s->log_lock);
    if (moved < 0)
        fprintf(stderr, "xuke serve: reload: cannot move the access log onto %s (%s)\n", path,
                strerror(errno));
    close(fd);
}

/* SIGHUP: the access log reopened, the configuration and the calendar read again; on any error
 * in the configuration or the calendar nothing of them changes. */
static void reload(server *s)
{
    reopen_access_log(s);
    srv_config fresh;
    char why[512] = "";
    const srv_config *use = s->cfg;
    if (s->cfg->reload) {
        xk_srv_config_defaults(&fresh);
        if (!s->cfg->reload(s->cfg->reload_arg, &fresh, why, sizeof why)) {
            fprintf(stderr, "xuke serve: reload refused, nothing changed: %s\n", why);
            return;
        }
        use = &fresh;
    }
    const char *path = xk_calendar_default_path(use->calendar);
    xk_calendar *cal;
    xk_error err;
    xk_error_clear(&err);
    if (xk_calendar_load(path, &cal, &err) != XK_OK) {
        fprintf(stderr, "xuke serve: reload refused, nothing changed: %s\n", err.message);
        return;
    }
    if (!install_calendar(s, cal)) {
        xk_calendar_free(cal);
        fprintf(stderr, "xuke serve: reload refused, nothing changed: out of memory\n");
        return;
    }
    atomic_store(&s->limits.public_read, use->public_read);
    if (use != s->cfg)
        report_restart_needed(s->cfg, use);
    int first, last;
    xk_calendar_range(cal, &first, &last);
    fprintf(stderr, "xuke serve: reloaded: calendar %s (%d-%d), public-read %s\n", path, first,
            last, use->public_read ? "on" : "off");
}

static void drain(server *s)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (atomic_load(&s->inflight) > 0 && elapsed_us(&start) < s->cfg->grace * 1e6) {
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

int xk_srv_run(const srv_config *cfg, char *errbuf, size_t errsize)
{
    server s;
    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    s.limits.max_body = cfg->max_body;
    atomic_init(&s.limits.public_read, cfg->public_read);
    pthread_mutex_init(&s.log_lock, NULL);
    pthread_mutex_init(&s.cal_lock, NULL);
    struct sockaddr_storage ss;
    xk_error err;
    int rc = 1;
    if (!parse_address(cfg, &ss, errbuf, errsize))
        return 1;
    xk_calendar *cal;
    if (xk_calendar_load(xk_calendar_default_path(cfg->calendar), &cal, &err) != XK_OK) {
        snprintf(errbuf, errsize, "%s", err.message);
        return 1;
    }
    if (!install_calendar(&s, cal)) {
        xk_calendar_free(cal);
        snprintf(errbuf, errsize, "out of memory");
        return 1;
    }
    if (cfg->rate > 0)
        s.rate = xk_srv_ratelimit_new(cfg->rate, cfg->burst, 4096);
    s.answers = xk_srv_answers_new(XK_SRV_ANSWERS_BYTES); /* NULL: every answer computed */
    s.facts = xk_srv_answers_new(XK_SRV_FACTS_BYTES);     /* NULL: every licence's computed */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPIPE);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct MHD_Daemon *d = NULL;
    /* one connection per pool thread, and one spare for a handler that waits on another */
    srv_jobs_config jc = {cfg->ocr_workers, cfg->ocr_queue, cfg->ocr_per_token,
                          XK_SRV_OCR_KEEP, cfg->db,        xk_srv_job_run};
    if (pool_open(&s.pool, cfg->db, cfg->threads + 1, errbuf, errsize) &&
        (s.jobs = xk_srv_jobs_start(&jc, errbuf, errsize)) != NULL) {
        d = start(&s, &ss);
        if (!d)
            snprintf(errbuf, errsize, "cannot listen on %s port %u (in use, or no permission)",
                     cfg->host, cfg->port);
    }
    if (d) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        bool v6 = ss.ss_family == AF_INET6;
        printf("listening on http://%s%s%s:%u/\n", v6 ? "[" : "", cfg->host, v6 ? "]" : "",
               info ? info->port : cfg->port);
        fflush(stdout);
        while (wait_for_signal(&set) == SIGHUP)
            reload(&s);
        MHD_quiesce_daemon(d); /* no new connections; requests in flight go on */
        drain(&s);
        MHD_stop_daemon(d);
        rc = 0;
    }
    xk_srv_jobs_stop(s.jobs); /* lets the scans being read finish */
    pool_close(&s.pool);
    xk_srv_ratelimit_free(s.rate);
    xk_srv_answers_free(s.answers);
    xk_srv_answers_free(s.facts);
    free_calendars(&s);
    pthread_mutex_destroy(&s.cal_lock);
    pthread_mutex_destroy(&s.log_lock);
    return rc;
}
