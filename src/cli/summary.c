/*
 * The readable form of a record, for people at a terminal: field names in Chinese as the
 * licence prints them, with English beside them, one fact per line.
 */
#include <string.h>

#include "cli.h"

static void list_line(FILE *out, const char *zh, const char *en, const xk_strlist *l)
{
    if (l->len == 0)
        return;
    fprintf(out, "        %s %s: ", zh, en);
    for (size_t i = 0; i < l->len; i++)
        fprintf(out, "%s%s", i ? "、" : "", l->items[i]);
    fputc('\n', out);
}

static void services(FILE *out, const xk_licence *lic)
{
    fprintf(out, "  业务种类 Services:\n");
    for (size_t i = 0; i < lic->n_services; i++) {
        const xk_service *s = &lic->services[i];
        if (s->scope && *s->scope)
            fprintf(out, "    %s %s（%s）\n", s->code, s->name, s->scope);
        else
            fprintf(out, "    %s %s\n", s->code, s->name);
        list_line(out, "仅限", "limited to", &s->limited_to);
        list_line(out, "含", "includes", &s->includes);
        list_line(out, "不含", "excludes", &s->excludes);
        list_line(out, "条件", "conditions", &s->conditions);
        list_line(out, "覆盖范围", "coverage", &s->coverage);
    }
}

static void websites(FILE *out, const xk_licence *lic)
{
    if (lic->n_websites == 0) {
        fprintf(out, "  网站 Websites: none listed\n");
        return;
    }
    fprintf(out, "  网站 Websites:\n");
    for (size_t i = 0; i < lic->n_websites; i++) {
        const xk_website *w = &lic->websites[i];
        fprintf(out, "    [%s] %s\n", w->code[0] ? w->code : "?", w->name);
        list_line(out, "域名", "domains", &w->domains);
        if (*w->server_location)
            fprintf(out, "        服务器放置地 server: %s\n", w->server_location);
        if (*w->access_provider)
            fprintf(out, "        接入服务 access provider: %s\n", w->access_provider);
    }
}

void cli_print_summary(FILE *out, const xk_licence *lic)
{
    char a[16], b[16];
    fprintf(out, "%s  %s\n", lic->number, lic->company);
    fprintf(out, "  法定代表人 Legal representative: %s\n", lic->legal_representative);
    fprintf(out, "  发证机关 Issuer: %s\n", lic->issuer);
    fprintf(out, "  有效期 Valid: %s → %s\n", xk_date_format(lic->issued, a, sizeof a),
            xk_date_format(lic->expires, b, sizeof b));
    services(out, lic);
    websites(out, lic);
    size_t items = 0;
    for (size_t i = 0; i < lic->n_provisions; i++)
        items += lic->provisions[i].n_items;
    fprintf(out, "  特别规定事项 Special provisions: %zu clauses, %zu items\n", lic->n_provisions,
            items);
    size_t nw = xk_licence_warning_count(lic);
    if (nw) {
        fprintf(out, "  警告 Warnings:\n");
        for (size_t i = 0; i < lic->n_problems; i++)
            if (lic->problems[i].severity == XK_SEV_WARNING)
                fprintf(out, "    - %s\n", lic->problems[i].message);
    }
}
