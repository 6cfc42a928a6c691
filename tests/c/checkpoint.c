/*
 * Checkpoints through the C ABI: a pull of alerts stopped after two pages, its checkpoint handed out as
 * JSON, the query freed, and a new query resumed from it (the "resume" key of the request) that returns
 * the rest: together exactly the alerts, none twice. Also the progress JSON, and the refusals.
 * Environment: MDCA_TOKEN_OPTIONS, MDCA_EXPECT_ALERTS.
 */
#define _POSIX_C_SOURCE 200809L
#include "common.h"

#include <stdlib.h>

/* Pages `query` to the end, counting records. */
static long drain(mdca_query *query) {
    long records = 0;
    for (;;) {
        char *json = NULL;
        size_t len = 0;
        mdca_status status = mdca_query_next_page(query, &json, &len);
        if (status == MDCA_STATUS_DONE) {
            return records;
        }
        CHECK_STATUS(status, MDCA_STATUS_OK);
        if (status != MDCA_STATUS_OK) {
            return -1;
        }
        records += count_array_elements(json, len);
        mdca_string_free(json);
    }
}

static void a_pull_resumed_from_its_checkpoint_returns_the_rest(const mdca_client *client) {
    const char *request = "{\"all\": true, \"page_size\": 50}";
    mdca_query *first = NULL;
    CHECK_STATUS(mdca_query_new(client, "alerts", request, &first), MDCA_STATUS_OK);
    long records = 0;
    for (int i = 0; i < 2; i++) {
        char *json = NULL;
        size_t len = 0;
        CHECK_STATUS(mdca_query_next_page(first, &json, &len), MDCA_STATUS_OK);
        records += count_array_elements(json, len);
        mdca_string_free(json);
    }
    char *checkpoint = NULL;
    size_t checkpoint_len = 0;
    CHECK_STATUS(mdca_query_checkpoint(first, &checkpoint, &checkpoint_len), MDCA_STATUS_OK);
    CHECK(checkpoint != NULL && strlen(checkpoint) == checkpoint_len);
    CHECK(strstr(checkpoint, "\"phase\":\"window\"") != NULL);
    CHECK_STATUS(mdca_query_free(first), MDCA_STATUS_OK);

    size_t size = checkpoint_len + 64;
    char *resumed_request = malloc(size);
    CHECK(resumed_request != NULL);
    snprintf(resumed_request, size, "{\"all\": true, \"page_size\": 50, \"resume\": %s}", checkpoint);
    mdca_query *second = NULL;
    CHECK_STATUS(mdca_query_new(client, "alerts", resumed_request, &second), MDCA_STATUS_OK);
    records += drain(second);
    CHECK(records == env_long("MDCA_EXPECT_ALERTS"));

    char *progress = NULL;
    size_t progress_len = 0;
    CHECK_STATUS(mdca_query_progress_json(second, &progress, &progress_len), MDCA_STATUS_OK);
    CHECK(strstr(progress, "\"done\":true") != NULL);
    CHECK(strstr(progress, "\"shortfall\":null") != NULL);
    mdca_string_free(progress);
    CHECK_STATUS(mdca_query_free(second), MDCA_STATUS_OK);

    /* The same checkpoint for another query is refused. */
    snprintf(resumed_request, size, "{\"all\": true, \"page_size\": 49, \"resume\": %s}", checkpoint);
    mdca_query *other = NULL;
    CHECK_STATUS(mdca_query_new(client, "files", resumed_request, &other), MDCA_STATUS_INVALID_ARGUMENT);
    CHECK(other == NULL);
    CHECK(last_error_contains("another query"));
    free(resumed_request);
    mdca_string_free(checkpoint);
}

static void null_outputs_are_refused(const mdca_client *client) {
    mdca_query *query = NULL;
    CHECK_STATUS(mdca_query_new(client, "alerts", NULL, &query), MDCA_STATUS_OK);
    size_t len = 0;
    char *json = NULL;
    CHECK_STATUS(mdca_query_checkpoint(query, NULL, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_query_checkpoint(query, &json, NULL), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_query_progress_json(NULL, &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK(json == NULL);
    CHECK_STATUS(mdca_query_free(query), MDCA_STATUS_OK);
    CHECK_STATUS(mdca_query_checkpoint(query, &json, &len), MDCA_STATUS_INVALID_HANDLE);
}

int main(void) {
    mdca_client *client = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_TOKEN_OPTIONS"), &client), MDCA_STATUS_OK);
    if (client == NULL) {
        return finish("checkpoint");
    }
    a_pull_resumed_from_its_checkpoint_returns_the_rest(client);
    null_outputs_are_refused(client);
    CHECK_STATUS(mdca_client_free(client), MDCA_STATUS_OK);
    return finish("checkpoint");
}
