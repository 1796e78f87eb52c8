/*
 * The HTTP API as a pure function: a request (method, decoded path, query arguments, the
 * Authorization header, body) in, a response (status, type, body) out. No sockets here: the
 * transport (http.c, libmicrohttpd) fills srv_req and sends srv_resp, and tests and fuzzers can
 * call xk_srv_handle directly. Every error answers {"error": {"code": …, "message": …}}.
 */
#ifndef XK_SERVER_API_H
#define XK_SERVER_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../core/buf.h"
#include "answers.h"
#include "jobs.h"
#include "ratelimit.h"
#include "xuke/xuke.h"

#define SRV_MAX_ARGS 32

typedef struct srv_arg {
    const char *key, *value;
} srv_arg;

typedef struct srv_req {
    const char *method;
    const char *path; /* percent-decoded, without the query */
    srv_arg args[SRV_MAX_ARGS];
    size_t n_args;
    bool too_many_args;
    const char *authorization; /* the header, or NULL */
    const char *cookie;        /* the Cookie header, or NULL: a session when it holds one */
    const char *csrf;          /* the X-CSRF-Token header, or NULL */
    const char *content_type;  /* the Content-Type header, or NULL */
    bool https; /* reached over TLS, or through the trusted proxy saying X-Forwarded-Proto https */
    const char *if_none_match; /* the header, or NULL */
    const char *client;        /* the peer address, for the anonymous rate limit */
    const char *body;
    size_t body_len;
    bool admitted; /* xk_srv_admit passed it when its headers arrived (its rate already taken) */
} srv_req;

typedef struct srv_resp {
    int status;
    const char *content_type;
    char *body; /* malloc'ed, or NULL with static_body */
    const unsigned char *static_body;
    size_t body_len;
    const char *error_code; /* static; "" for a success */
    char allow[48];         /* 405: the methods the path takes */
    int retry_after;        /* 429: seconds, 0 = none */
    const char *cache;      /* Cache-Control value or NULL */
    char disposition[512];  /* Content-Disposition or "" */
    char actor[XK_TOKEN_NAME_MAX + 1]; /* the token's name, "" when anonymous (for the log) */
    char set_cookie[200];              /* a Set-Cookie value, or "" */
    char etag[XK_VIEW_ETAG_MAX];       /* the ETag header, or "" */
    /* static_body borrowed from kept answers: handed to libmicrohttpd with the response, or
     * called by xk_srv_resp_free */
    void (*release)(void *arg);
    void *release_arg;
} srv_resp;

/* What the handlers share; one store per concurrent request (the transport's pool). */
typedef struct srv_limits {
    size_t max_body;
    _Atomic bool public_read; /* atomic: a reload (SIGHUP) changes it while requests run */
} srv_limits;

typedef struct srv_ctx {
    xk_store *st;
    const xk_calendar *cal;
    const srv_limits *limits;
    srv_ratelimit *rate; /* NULL: no rate limit */
    xk_date today;
    srv_jobs *jobs; /* scans are queued here; NULL: read in the request (tests, fuzzers) */
    /* a scan read in the request (a job's worker) reports its pages and lends them to idle
     * workers through these hooks of xk_ocr_options (on_page, on_page_read, on_page_arg, lend,
     * lend_arg); NULL: none */
    const xk_ocr_options *hooks;
    /* read answers kept per store revision; NULL: none kept (each computed) */
    srv_answers *answers;
    /* licences' facts kept the same way (xk_view_facts), to compose an answer dropped from
     * answers again from the stored record alone; NULL: none kept */
    srv_answers *facts;
    unsigned long calendar_serial; /* which calendar cal is: a reload gives a new one */
    /* the store's revision, read once per request when first needed (0 unread, 1 read, -1 not
     * readable): the tokens and answers kept are checked against it */
    int rev_read;
    xk_store_revision rev;
} srv_ctx;

/* Answers one request. resp is fully set on return; release with xk_srv_resp_free. */
void xk_srv_handle(srv_ctx *ctx, const srv_req *req, srv_resp *resp);
void xk_srv_resp_free(srv_resp *resp);

/*
 * The policy of a request decided from its method, path and headers alone, before its body is
 * read: the route, the token, the rate limit (failed tokens count against their address too) and
 * the role. True when the request may go on (its body may be read); false with resp set to the
 * refusal. A request admitted here is marked req->admitted for xk_srv_handle.
 */
bool xk_srv_admit(srv_ctx *ctx, const srv_req *req, srv_resp *resp);

/* A Content-Length value read strictly: decimal digits only (no sign, space, or hex), at least
 * one. NULL and *out filled (UINT64_MAX when the number does not fit, which is over any limit);
 * otherwise what is wrong with it. */
const char *xk_srv_content_length(const char *value, uint64_t *out);

/* --- for the handlers --------------------------------------------------------------------- */

typedef struct srv_call {
    srv_ctx *ctx;
    const srv_req *req;
    const char *param; /* the {…} segment of the route, percent-decoded; NULL when none */
    const xk_token_info *token; /* NULL when anonymous; a signed-in person's name and role too */
} srv_call;

typedef void (*srv_handler)(const srv_call *c, srv_resp *resp);

/* The value of query argument key, or NULL. */
const char *xk_srv_arg_get(const srv_req *req, const char *key);

/* Sets a JSON body (takes o; compact UTF-8) and the status. */
void xk_srv_json(srv_resp *resp, int status, json_t *o);
/* Sets the error body; message formatted like printf. */
void xk_srv_error(srv_resp *resp, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps a library status to an HTTP error (404 not found, 422 invalid, 500 store, …). */
void xk_srv_fail(srv_resp *resp, const xk_error *err);
/* Sets a body of another type (copied). */
void xk_srv_body(srv_resp *resp, int status, const char *type, const char *body, size_t len);

/*
 * Read answers kept per store revision, with entity tags and conditional requests. A handler
 * names its answer by a key (xk_srv_key_*: the route and every argument that shapes it, the
 * day included), asks xk_srv_kept first and, when that returns false, computes the answer and
 * gives it to xk_srv_answer_text or xk_srv_answer_json, which keep it and send it.
 */
typedef struct srv_kept {
    xk_buf key;
    bool keep; /* a revision was read: the answer may be kept */
} srv_kept;

/* Starts a key with the route's name, the request's date and its arguments as given. */
bool xk_srv_key_start(srv_kept *k, const srv_call *c, const char *name);
/* Adds one more part (any bytes) to the key. */
bool xk_srv_key_add(srv_kept *k, const char *part, size_t len);
/* The answer kept for the key at the store's revision now: sent (200, or 304 when the request's
 * If-None-Match names its tag), true. False: compute it (the revision read first, so a write
 * landing meanwhile can only make what is kept newer than the revision it is kept under). */
bool xk_srv_kept(const srv_call *c, srv_resp *resp, srv_kept *k);
/* Sends text (taken) with its tag as a 200 application/json answer, or 304; keeps it. */
void xk_srv_answer_text(const srv_call *c, srv_resp *resp, srv_kept *k, char *text, size_t len,
                        const char *etag);
/* The same for an answer made as JSON (taken); its tag is the SHA-256 of the bytes. */
void xk_srv_answer_json(const srv_call *c, srv_resp *resp, srv_kept *k, json_t *o);
void xk_srv_kept_free(srv_kept *k);
/* The licence facts kept under k's key at the revision xk_srv_kept read (into *facts, freed
 * with xk_view_facts_free); false when none are (or k may not be kept). */
bool xk_srv_facts_get(const srv_call *c, const srv_kept *k, xk_view_facts *facts);
/* Keeps a copy of facts under k's key (when it may be kept and facts->tail is set). */
void xk_srv_facts_put(const srv_call *c, const srv_kept *k, const xk_view_facts *facts);

/* RFC 9110 If-None-Match: whether header ("*", or a list of entity tags, weak or strong) names
 * etag, compared weakly (a W/ prefix on either side ignored). A malformed header names none. */
bool xk_srv_etag_matches(const char *header, const char *etag);

/* Query helpers: each answers 400 itself and returns false when the value is malformed. */
bool xk_srv_arg_date(const srv_call *c, srv_resp *resp, const char *key, xk_date *out,
                     xk_date dflt);
bool xk_srv_arg_int(const srv_call *c, srv_resp *resp, const char *key, long min, long max,
                    long *out, long dflt);
/* The route's licence number, normalised; 400 when it is not one. */
bool xk_srv_param_number(const srv_call *c, srv_resp *resp, char out[64]);

/* The request body as a JSON object; answers 400 itself and returns NULL when it is not one. */
json_t *xk_srv_body_object(const srv_call *c, srv_resp *resp);

/* Evidence files given with an event (api_evidence.c): decoded copies the files point into. */
typedef struct srv_evidence {
    xk_evidence_file files[XK_MAX_EVIDENCE_FILES];
    char *bytes[XK_MAX_EVIDENCE_FILES];
    size_t n;
} srv_evidence;
/* The body's "evidence" list (absent: none); false (answered 400/413) when it is malformed. */
bool xk_srv_evidence_read(srv_resp *resp, json_t *body, srv_evidence *out);
void xk_srv_evidence_free(srv_evidence *e);
/* The SHA-256 of each file, in order: the names the store keeps them under. */
json_t *xk_srv_evidence_hashes(const srv_evidence *e);
/* One stored evidence file as the events list shows it (with its download URL). */
json_t *xk_srv_evidence_json(const xk_evidence *e);

/* Handlers (api_read.c, api_rules.c, api_write.c, api_evidence.c, assets.c). */
void xk_api_health(const srv_call *c, srv_resp *resp);
void xk_api_openapi(const srv_call *c, srv_resp *resp);
void xk_api_licence(const srv_call *c, srv_resp *resp);
void xk_api_licences(const srv_call *c, srv_resp *resp);
void xk_api_history(const srv_call *c, srv_resp *resp);
void xk_api_sites(const srv_call *c, srv_resp *resp);
void xk_api_diff(const srv_call *c, srv_resp *resp);
void xk_api_source(const srv_call *c, srv_resp *resp);
void xk_api_domain(const srv_call *c, srv_resp *resp);
void xk_api_obligations(const srv_call *c, srv_resp *resp);
void xk_api_events(const srv_call *c, srv_resp *resp);
void xk_api_event_add(const srv_call *c, srv_resp *resp);
void xk_api_event_void(const srv_call *c, srv_resp *resp);
void xk_api_evidence(const srv_call *c, srv_resp *resp);
void xk_api_baseline(const srv_call *c, srv_resp *resp);
void xk_api_baseline_set(const srv_call *c, srv_resp *resp);
void xk_api_status(const srv_call *c, srv_resp *resp);
void xk_api_deadlines(const srv_call *c, srv_resp *resp);
void xk_api_ics(const srv_call *c, srv_resp *resp);
void xk_api_parse(const srv_call *c, srv_resp *resp);
void xk_api_scan_pages(const srv_call *c, srv_resp *resp);
void xk_api_import(const srv_call *c, srv_resp *resp);
void xk_api_remove(const srv_call *c, srv_resp *resp);
void xk_api_import_reviewed(const srv_call *c, srv_resp *resp);
void xk_api_event_types(const srv_call *c, srv_resp *resp);
void xk_api_job(const srv_call *c, srv_resp *resp);
void xk_api_subscriptions(const srv_call *c, srv_resp *resp);
void xk_api_subscription_add(const srv_call *c, srv_resp *resp);
void xk_api_subscription_remove(const srv_call *c, srv_resp *resp);
void xk_api_notifications(const srv_call *c, srv_resp *resp);
void xk_api_session(const srv_call *c, srv_resp *resp);
void xk_api_signin(const srv_call *c, srv_resp *resp);
void xk_api_signout(const srv_call *c, srv_resp *resp);
/* The session cookie's value in req's Cookie header into out; false when there is none. */
bool xk_srv_session_cookie(const srv_req *req, char out[XK_SESSION_COOKIE_MAX]);
/* Reads a queued scan as POST /v1/parse or /v1/licenses would (srv_job_fn of jobs.h). */
void xk_srv_job_run(srv_job_kind kind, xk_store *st, const char *owner, const char *bytes,
                    size_t len, const xk_ocr_options *hooks, int *status, json_t **body);
/* A static page or asset by path; false when there is none. */
bool xk_srv_asset(const char *path, srv_resp *resp);

#endif
