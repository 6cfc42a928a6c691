/*
 * The C contender: pulls every record of one entity through the C ABI and writes each page (a JSON
 * array) to stdout, as a C program feeding another tool would. The records, pages, requests, retries and
 * throttle wait are printed as one JSON line on stderr at the end.
 *
 *   MDCA_URL=http://127.0.0.1:8765 MDCA_TOKEN=... ./consumer activities [REQUESTS/SECONDS|off [REQUEST_JSON]]
 *
 * REQUEST_JSON is the query request (docs/c-api.md), `{"all": true}` by default.
 *
 * The token comes from the environment so that it never shows in the process list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdca.h"

static int fail(const char *what, mdca_status status) {
    char *detail = NULL;
    size_t len = 0;
    fprintf(stderr, "%s failed with status %d\n", what, (int)status);
    if (mdca_last_error(&detail, &len) == MDCA_STATUS_OK) {
        fprintf(stderr, "%s\n", detail);
        mdca_string_free(detail);
    }
    return 1;
}

int main(int argc, char **argv) {
    const char *url = getenv("MDCA_URL");
    const char *token = getenv("MDCA_TOKEN");
    if (argc < 2 || url == NULL || token == NULL) {
        fprintf(stderr, "usage: MDCA_URL=... MDCA_TOKEN=... %s ENTITY [REQUESTS/SECONDS|off [REQUEST_JSON]]\n", argv[0]);
        return 2;
    }
    /* Pacing as the CLI spells it; off by default, as in the unthrottled runs. */
    unsigned requests = 0;
    double per_secs = 60.0;
    if (argc > 2 && strcmp(argv[2], "off") != 0 && sscanf(argv[2], "%u/%lf", &requests, &per_secs) != 2) {
        fprintf(stderr, "bad rate limit `%s`\n", argv[2]);
        return 2;
    }

    /* A loopback URL and a hex token need no JSON escaping. */
    char options[2048];
    snprintf(options, sizeof options,
             "{\"url\": \"%s\", \"auth\": {\"type\": \"token\", \"token\": \"%s\"},"
             " \"rate_limit\": {\"requests\": %u, \"per_secs\": %g}}",
             url, token, requests, per_secs);
    mdca_client *client = NULL;
    mdca_status status = mdca_client_new(options, &client);
    memset(options, 0, sizeof options);
    if (status != MDCA_STATUS_OK) {
        return fail("mdca_client_new", status);
    }

    mdca_query *query = NULL;
    const char *request = argc > 3 ? argv[3] : "{\"all\": true}";
    status = mdca_query_new(client, argv[1], request, &query);
    if (status != MDCA_STATUS_OK) {
        mdca_client_free(client);
        return fail("mdca_query_new", status);
    }

    int exit_code = 0;
    for (;;) {
        char *page = NULL;
        size_t page_len = 0;
        status = mdca_query_next_page(query, &page, &page_len);
        if (status == MDCA_STATUS_DONE) {
            break;
        }
        if (status != MDCA_STATUS_OK) {
            exit_code = fail("mdca_query_next_page", status);
            break;
        }
        if (fwrite(page, 1, page_len, stdout) != page_len || fputc('\n', stdout) == EOF) {
            mdca_string_free(page);
            fprintf(stderr, "write failed\n");
            exit_code = 1;
            break;
        }
        mdca_string_free(page);
    }

    mdca_progress p = {.struct_size = sizeof(mdca_progress)};
    if (mdca_query_progress(query, &p) == MDCA_STATUS_OK) {
        fprintf(stderr,
                "{\"records\": %llu, \"pages\": %llu, \"requests\": %llu, \"retries\": %llu,"
                " \"throttle_wait_ms\": %llu}\n",
                (unsigned long long)p.records, (unsigned long long)p.pages, (unsigned long long)p.requests,
                (unsigned long long)p.retries, (unsigned long long)p.throttle_wait_ms);
    }
    mdca_query_free(query);
    mdca_client_free(client);
    return exit_code;
}
