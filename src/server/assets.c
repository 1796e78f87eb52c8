/*
 * The web pages and the OpenAPI document, served from the table compiled into the binary: a
 * path is looked up by exact name, so nothing outside web/ can be reached ("/../" and encoded
 * variants name no entry). "/" and the app's own routes ("/l/…", "/dashboard", "/upload",
 * "/notify") serve index.html, which routes in the browser.
 */
#include <string.h>

#include "api.h"
#include "assets.h"

static const srv_asset_entry *lookup(const char *path)
{
    for (size_t i = 0; i < xk_srv_n_assets; i++)
        if (strcmp(xk_srv_assets[i].path, path) == 0)
            return &xk_srv_assets[i];
    return NULL;
}

static bool app_route(const char *path)
{
    return strcmp(path, "/") == 0 || strcmp(path, "/dashboard") == 0 ||
           strcmp(path, "/upload") == 0 || strcmp(path, "/search") == 0 ||
           strcmp(path, "/notify") == 0 || strcmp(path, "/signin") == 0 ||
           (strncmp(path, "/l/", 3) == 0 && path[3] && !strchr(path + 3, '/'));
}

bool xk_srv_asset(const char *path, srv_resp *resp)
{
    const srv_asset_entry *a = lookup(app_route(path) ? "/index.html" : path);
    if (!a || strcmp(a->path, "/openapi.json") == 0)
        return false;
    resp->status = 200;
    resp->content_type = a->type;
    resp->static_body = a->data;
    resp->body_len = a->len;
    resp->cache = "no-cache";
    return true;
}

void xk_api_openapi(const srv_call *c, srv_resp *resp)
{
    (void)c;
    const srv_asset_entry *a = lookup("/openapi.json");
    if (!a) {
        xk_srv_error(resp, 500, "internal", "the OpenAPI document was not built in");
        return;
    }
    resp->status = 200;
    resp->content_type = a->type;
    resp->static_body = a->data;
    resp->body_len = a->len;
}
