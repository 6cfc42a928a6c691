/*
 * The Windows build of the library, exercised under Wine by scripts/check-native.sh: the version macros
 * and function agree, misuse gives statuses, every alert pages to the end, progress fills its sized
 * struct, and a 404 carries its detail. Portable C (no pthreads), so mingw builds it as is.
 * Environment: MDCA_URL, MDCA_TOKEN (the simulator on loopback).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdca.h"

static int failures;
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);              \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

int main(void) {
    const char *url = getenv("MDCA_URL");
    const char *token = getenv("MDCA_TOKEN");
    if (url == NULL || token == NULL) {
        fprintf(stderr, "set MDCA_URL and MDCA_TOKEN\n");
        return 2;
    }
    CHECK(mdca_version_number() / 1000000u == MDCA_VERSION_MAJOR);

    mdca_client *client = NULL;
    CHECK(mdca_client_new(NULL, &client) == MDCA_STATUS_NULL_POINTER);
    CHECK(mdca_client_new("{not json", &client) == MDCA_STATUS_INVALID_JSON);
    CHECK(mdca_last_error_code() == MDCA_STATUS_INVALID_JSON);

    char options[1024];
    snprintf(options, sizeof options,
             "{\"url\": \"%s\", \"auth\": {\"type\": \"token\", \"token\": \"%s\"}, \"rate_limit\": {\"requests\": 0}}",
             url, token);
    CHECK(mdca_client_new(options, &client) == MDCA_STATUS_OK);
    if (client == NULL) {
        return 1;
    }

    mdca_query *query = NULL;
    CHECK(mdca_query_new(client, "alerts", "{\"all\": true}", &query) == MDCA_STATUS_OK);
    size_t pages = 0, bytes = 0;
    for (;;) {
        char *page = NULL;
        size_t len = 0;
        mdca_status status = mdca_query_next_page(query, &page, &len);
        if (status == MDCA_STATUS_DONE) {
            break;
        }
        CHECK(status == MDCA_STATUS_OK);
        if (status != MDCA_STATUS_OK) {
            break;
        }
        CHECK(page != NULL && strlen(page) == len && page[0] == '[');
        pages++;
        bytes += len;
        CHECK(mdca_string_free(page) == MDCA_STATUS_OK);
    }
    mdca_progress progress = {.struct_size = sizeof(mdca_progress)};
    CHECK(mdca_query_progress(query, &progress) == MDCA_STATUS_OK);
    CHECK(progress.done && progress.pages == pages && progress.records > 0);
    CHECK(mdca_query_free(query) == MDCA_STATUS_OK);
    CHECK(mdca_query_free(query) == MDCA_STATUS_INVALID_HANDLE);

    char *json = NULL;
    size_t len = 0;
    CHECK(mdca_client_fetch(client, "alerts", "0123456789abcdef01234567", &json, &len) == MDCA_STATUS_NOT_FOUND);
    CHECK(mdca_last_error(&json, &len) == MDCA_STATUS_OK && strstr(json, "\"http_status\":404") != NULL);
    mdca_string_free(json);
    CHECK(mdca_client_free(client) == MDCA_STATUS_OK);

    if (failures != 0) {
        fprintf(stderr, "winsmoke: %d check(s) failed\n", failures);
        return 1;
    }
    printf("winsmoke: %llu alerts in %zu pages (%zu bytes); all checks passed\n",
           (unsigned long long)progress.records, pages, bytes);
    return 0;
}
