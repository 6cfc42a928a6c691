/*
 * A complete mdca C program: connect with a legacy API token, list every open high-severity alert page
 * by page, and report errors with their full detail. (docs/c-api.md shows this file; tests/ffi_c.rs
 * compiles it with -Wall -Wextra -Werror and runs it against the simulator, under valgrind and ASan.)
 *
 *   cc -std=c11 -Iinclude example.c -Ltarget/debug -lmdca -o example
 *   MDCA_URL=https://contoso.us3.portal.cloudappsecurity.com MDCA_TOKEN=... ./example
 */
#include <stdio.h>
#include <stdlib.h>

#include "mdca.h"

/* Prints the detail of the last failing call on this thread: code, message, HTTP status, hint... */
static void report(const char *what, mdca_status status) {
    char *detail = NULL;
    size_t len = 0;
    fprintf(stderr, "%s failed with status %d\n", what, (int)status);
    if (mdca_last_error(&detail, &len) == MDCA_STATUS_OK) {
        fprintf(stderr, "%s\n", detail);
        mdca_string_free(detail);
    }
}

int main(void) {
    const char *url = getenv("MDCA_URL");
    const char *token = getenv("MDCA_TOKEN");
    if (url == NULL || token == NULL) {
        fprintf(stderr, "set MDCA_URL and MDCA_TOKEN\n");
        return 2;
    }

    /* Options are JSON. (Real code should JSON-escape the values; a URL and a hex token need none.) */
    char options[1024];
    snprintf(options, sizeof options, "{\"url\": \"%s\", \"auth\": {\"type\": \"token\", \"token\": \"%s\"}}",
             url, token);

    mdca_client *client = NULL;
    mdca_status status = mdca_client_new(options, &client);
    if (status != MDCA_STATUS_OK) {
        report("mdca_client_new", status);
        return 1;
    }

    /* severity 2 = high, resolutionStatus 0 = open (raw MDCA filters, passed through untouched). */
    const char *request = "{\"filters\": {\"severity\": {\"eq\": [2]}, \"resolutionStatus\": {\"eq\": [0]}},"
                          " \"all\": true}";
    mdca_query *query = NULL;
    status = mdca_query_new(client, "alerts", request, &query);
    if (status != MDCA_STATUS_OK) {
        report("mdca_query_new", status);
        mdca_client_free(client);
        return 1;
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
            report("mdca_query_next_page", status);
            exit_code = 1;
            break;
        }
        /* `page` is a UTF-8 JSON array of alert records, `page_len` bytes long: hand it to a JSON parser. */
        printf("page of %zu bytes\n", page_len);
        mdca_string_free(page);
    }

    mdca_progress progress = {.struct_size = sizeof(mdca_progress)};
    if (mdca_query_progress(query, &progress) == MDCA_STATUS_OK) {
        printf("%llu alerts in %llu pages (%llu requests, %llu ms waiting on the throttle)\n",
               (unsigned long long)progress.records, (unsigned long long)progress.pages,
               (unsigned long long)progress.requests, (unsigned long long)progress.throttle_wait_ms);
    }

    mdca_query_free(query);
    mdca_client_free(client);
    return exit_code;
}
