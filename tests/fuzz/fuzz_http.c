/*
 * The HTTP request handling: a raw request ("METHOD TARGET" line, header lines, a blank line,
 * the body) is cut up and percent-decoded the way the transport (libmicrohttpd) does it, then
 * answered by xk_srv_handle on a real store holding the four seeds. "$EDITOR" and "$READER" in the
 * Authorization header stand for valid tokens, so the write routes are reached too. Properties:
 * every answer has a status and a content type, and none is 500 (the store works, so a 500
 * is the API failing on what it was sent); every error answer is the JSON error form; nothing
 * is written without the editor token.
 *
 * Scan bodies (PNG, JPEG, TIFF, PDF) are left out: they go to Tesseract, whose speed (seconds a
 * page) would stall the fuzzer and whose limits are tested in tests/e2e/test_ocr.py.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "server/api.h"
#include "xuke/xuke.h"

static struct {
    char dir[64];
    xk_store *st;
    xk_calendar *cal;
    srv_limits limits;
    char reader[XK_TOKEN_MAX], editor[XK_TOKEN_MAX];
} F;

static void remove_dir(void)
{
    xk_store_close(F.st);
    xk_calendar_free(F.cal);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", F.dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", F.dir);
}

static void must_import(const xk_import_report *r, void *ctx)
{
    (void)ctx;
    if (r->status != XK_OK)
        exit(2);
}

static void import_seed(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/seeds/%s.txt", FIXTURES, name);
    FILE *f = fopen(path, "rb");
    static char doc[1 << 16];
    size_t len = f ? fread(doc, 1, sizeof doc, f) : 0;
    if (f)
        fclose(f);
    if (!len || xk_import_bytes(F.st, doc, len, NULL, must_import, NULL) != XK_OK) {
        fprintf(stderr, "fuzz_http: cannot import %s\n", path);
        exit(2);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(F.dir, sizeof F.dir, "/tmp/xuke-fuzz-http-XXXXXX");
    xk_error err;
    char db[128];
    if (!mkdtemp(F.dir) || (snprintf(db, sizeof db, "%s/f.db", F.dir),
                            xk_store_open(db, &F.st, &err) != XK_OK) ||
        xk_calendar_load(DATA_DIR "/calendar.txt", &F.cal, &err) != XK_OK) {
        fprintf(stderr, "fuzz_http: setup failed\n");
        exit(2);
    }
    atexit(remove_dir);
    import_seed("000_a96b5bc2dd3fa082");
    import_seed("001_7e3d263de7829148");
    import_seed("002_48cb51cde2f73ff1");
    import_seed("003_76e38eccd87d7b3e");
    if (xk_token_create(F.st, "reader", XK_ROLE_READER, F.reader, &err) != XK_OK ||
        xk_token_create(F.st, "editor", XK_ROLE_EDITOR, F.editor, &err) != XK_OK) {
        fprintf(stderr, "fuzz_http: tokens: %s\n", err.message);
        exit(2);
    }
    F.limits.max_body = XK_MAX_DOCUMENT_BYTES;
    return 0;
}

/* The request cut into NUL-terminated pieces of one writable copy. */
typedef struct raw {
    char *copy;
    srv_req req;
    char auth[XK_TOKEN_MAX + 16];
} raw;

static char *next_line(char **p, char *end)
{
    char *line = *p;
    if (line >= end)
        return NULL;
    char *nl = memchr(line, '\n', (size_t)(end - line));
    if (!nl)
        nl = end;
    *nl = '\0';
    if (nl > line && nl[-1] == '\r')
        nl[-1] = '\0';
    *p = nl + 1;
    return line;
}

static void add_args(raw *r, char *query)
{
    for (char *save, *kv = strtok_r(query, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        if (r->req.n_args == SRV_MAX_ARGS) {
            r->req.too_many_args = true;
            return;
        }
        char *eq = strchr(kv, '=');
        if (eq)
            *eq++ = '\0';
        MHD_http_unescape(kv);
        if (eq)
            MHD_http_unescape(eq);
        r->req.args[r->req.n_args].key = kv;
        r->req.args[r->req.n_args++].value = eq ? eq : "";
    }
}

static void set_auth(raw *r, const char *value)
{
    const char *tok = strstr(value, "$EDITOR") ? F.editor : strstr(value, "$READER") ? F.reader : NULL;
    if (tok)
        snprintf(r->auth, sizeof r->auth, "Bearer %s", tok);
    else
        snprintf(r->auth, sizeof r->auth, "%s", value);
    r->req.authorization = r->auth;
}

/* Returns false when the input is not a request this target takes. */
static bool cut(raw *r, const uint8_t *data, size_t size)
{
    r->copy = malloc(size + 1);
    memcpy(r->copy, data, size);
    r->copy[size] = '\0';
    char *p = r->copy, *end = r->copy + size;
    char *line = next_line(&p, end);
    char *sp = line ? strchr(line, ' ') : NULL;
    if (!sp)
        return false;
    *sp = '\0';
    r->req.method = line;
    char *target = sp + 1, *q = strchr(target, '?');
    if (q) {
        *q = '\0';
        add_args(r, q + 1);
    }
    MHD_http_unescape(target);
    r->req.path = target;
    r->req.client = "127.0.0.1";
    for (char *h; (h = next_line(&p, end)) && *h;)
        if (strncasecmp(h, "Authorization:", 14) == 0)
            set_auth(r, h + 14 + strspn(h + 14, " \t"));
    r->req.body = p < end ? p : "";
    r->req.body_len = p < end ? (size_t)(end - p) : 0;
    return xk_input_detect(r->req.body, r->req.body_len) == XK_INPUT_TEXT;
}

static long audit_count(void)
{
    xk_store_stats s;
    xk_error err;
    return xk_store_stats_get(F.st, &s, &err) == XK_OK ? (long)s.audit_entries : -1;
}

static void check_answer(const srv_resp *resp, bool editor, long before, const uint8_t *data,
                         size_t size)
{
    if (resp->status < 200 || resp->status > 599 || !resp->content_type)
        fuzz_fail("answer without status or content type", data, size);
    if (resp->status == 500) /* the store works: a 500 is the API failing on what it was sent */
        fuzz_fail("internal error answer", data, size);
    if (resp->status >= 400) {
        json_error_t jerr;
        json_t *j = json_loadb(resp->body, resp->body_len, 0, &jerr);
        if (!j || !json_is_string(json_object_get(json_object_get(j, "error"), "code")) ||
            !json_is_string(json_object_get(json_object_get(j, "error"), "message")))
            fuzz_fail("error answer not in the JSON error form", data, size);
        json_decref(j);
    }
    if (!editor && audit_count() != before)
        fuzz_fail("a request without the editor token wrote to the store", data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    raw r;
    memset(&r, 0, sizeof r);
    if (cut(&r, data, size)) {
        bool editor = r.req.authorization && strstr(r.req.authorization, F.editor);
        long before = audit_count();
        srv_ctx ctx = {.st = F.st, .cal = F.cal, .limits = &F.limits, .rate = NULL,
                       .today = {2026, 11, 23}};
        srv_resp resp;
        xk_srv_handle(&ctx, &r.req, &resp);
        check_answer(&resp, editor, before, data, size);
        xk_srv_resp_free(&resp);
    }
    free(r.copy);
    return 0;
}
