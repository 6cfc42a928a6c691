/*
 * Every misuse a script can commit is a status, never a crash: NULL everywhere, invalid UTF-8, malformed
 * JSON, double free of clients, queries and strings, use after free, wrong handle types, foreign pointers.
 * Outputs are untouched on failure. Environment: MDCA_TOKEN_OPTIONS, MDCA_URL, MDCA_ALERT_ID.
 */
#define _POSIX_C_SOURCE 200809L
#include "common.h"

static const char BAD_UTF8[] = {'a', 'l', (char)0xff, (char)0xfe, 't', 0};
static const char BAD_UTF8_JSON[] = {'{', '"', 'x', '"', ':', '"', (char)0xc3, (char)0x28, '"', '}', 0};

/* Sentinels: a failing call must leave outputs exactly as they were. */
static char SENTINEL_TEXT[] = "sentinel";
#define SENTINEL_LEN ((size_t)0x5E5E)

#define CHECK_UNTOUCHED(json, len) CHECK((json) == SENTINEL_TEXT && (len) == SENTINEL_LEN)

static void version_is_a_static_string(void) {
    const char *version = mdca_version();
    CHECK(version != NULL && strlen(version) > 0);
    CHECK(version == mdca_version());
}

static void the_last_error_is_null_before_any_failure(void) {
    CHECK(mdca_last_error_code() == 0);
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_last_error(&json, &len), MDCA_STATUS_OK);
    CHECK(json != NULL && strcmp(json, "null") == 0 && len == 4);
    mdca_string_free(json);
}

static void client_new_rejects_bad_input(void) {
    mdca_client *client = (mdca_client *)SENTINEL_TEXT;
    CHECK_STATUS(mdca_client_new(NULL, &client), MDCA_STATUS_NULL_POINTER);
    CHECK(client == (mdca_client *)SENTINEL_TEXT);
    CHECK(last_error_contains("options_json"));
    CHECK_STATUS(mdca_client_new(env("MDCA_TOKEN_OPTIONS"), NULL), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_new(BAD_UTF8, &client), MDCA_STATUS_INVALID_UTF8);
    CHECK_STATUS(mdca_client_new(BAD_UTF8_JSON, &client), MDCA_STATUS_INVALID_UTF8);
    CHECK_STATUS(mdca_client_new("{\"url\": ", &client), MDCA_STATUS_INVALID_JSON);
    CHECK(last_error_contains("\"code\":4,"));
    CHECK_STATUS(mdca_client_new("", &client), MDCA_STATUS_INVALID_JSON);
    CHECK_STATUS(mdca_client_new("[]", &client), MDCA_STATUS_INVALID_CONFIG);
    CHECK_STATUS(mdca_client_new("{\"url\": \"http://example.com\", \"auth\": {\"type\": \"token\", "
                                 "\"token\": \"SECRET-NEVER-SHOWN-123\"}}",
                                 &client),
                 MDCA_STATUS_INVALID_CONFIG);
    CHECK(last_error_contains("http"));
    CHECK(!last_error_contains("SECRET-NEVER-SHOWN-123"));
    /* A secret put under a wrong key is not echoed either. */
    CHECK_STATUS(mdca_client_new("{\"url\": \"https://contoso.portal.cloudappsecurity.com\", \"auth\": "
                                 "{\"type\": \"token\", \"token\": \"SECRET-A-777\", \"secret\": \"SECRET-B-888\"}}",
                                 &client),
                 MDCA_STATUS_INVALID_CONFIG);
    CHECK(!last_error_contains("SECRET-A-777"));
    CHECK(!last_error_contains("SECRET-B-888"));
    CHECK(client == (mdca_client *)SENTINEL_TEXT);
}

static void query_new_rejects_bad_input(const mdca_client *client) {
    mdca_query *query = (mdca_query *)SENTINEL_TEXT;
    CHECK_STATUS(mdca_query_new(NULL, "alerts", NULL, &query), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_query_new(client, NULL, NULL, &query), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_query_new(client, "alerts", NULL, NULL), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_query_new(client, BAD_UTF8, NULL, &query), MDCA_STATUS_INVALID_UTF8);
    CHECK_STATUS(mdca_query_new(client, "alerts", BAD_UTF8_JSON, &query), MDCA_STATUS_INVALID_UTF8);
    CHECK_STATUS(mdca_query_new(client, "alerts", "{\"all\": tr", &query), MDCA_STATUS_INVALID_JSON);
    CHECK_STATUS(mdca_query_new(client, "alerts", "{\"all\": true} trailing", &query), MDCA_STATUS_INVALID_JSON);
    CHECK_STATUS(mdca_query_new(client, "alerts", "{\"bogus\": 1}", &query), MDCA_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(mdca_query_new(client, "alerts", "{\"all\": \"yes\"}", &query), MDCA_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(mdca_query_new(client, "users", NULL, &query), MDCA_STATUS_UNKNOWN_ENTITY);
    CHECK_STATUS(mdca_query_new(client, "", NULL, &query), MDCA_STATUS_UNKNOWN_ENTITY);
    /* Only NULL means "no request"; an empty string is not JSON. */
    CHECK_STATUS(mdca_query_new(client, "alerts", "", &query), MDCA_STATUS_INVALID_JSON);
    CHECK(query == (mdca_query *)SENTINEL_TEXT);
}

static void query_calls_reject_null(const mdca_client *client) {
    mdca_query *query = NULL;
    CHECK_STATUS(mdca_query_new(client, "alerts", "{\"page_size\": 5}", &query), MDCA_STATUS_OK);
    char *json = SENTINEL_TEXT;
    size_t len = SENTINEL_LEN;
    CHECK_STATUS(mdca_query_next_page(NULL, &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_query_next_page(query, NULL, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_query_next_page(query, &json, NULL), MDCA_STATUS_NULL_POINTER);
    CHECK_UNTOUCHED(json, len);
    mdca_progress progress = {.struct_size = sizeof(mdca_progress)};
    CHECK_STATUS(mdca_query_progress(NULL, &progress), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_query_progress(query, NULL), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_query_cancel(NULL), MDCA_STATUS_NULL_POINTER);
    /* The query still works after all that. */
    CHECK_STATUS(mdca_query_next_page(query, &json, &len), MDCA_STATUS_OK);
    CHECK(count_array_elements(json, len) == 5);
    CHECK_STATUS(mdca_string_free(json), MDCA_STATUS_OK);
    CHECK_STATUS(mdca_query_free(query), MDCA_STATUS_OK);
}

static void client_calls_reject_null_and_bad_input_before_sending(const mdca_client *client) {
    const char *alert = env("MDCA_ALERT_ID");
    char *json = SENTINEL_TEXT;
    size_t len = SENTINEL_LEN;
    CHECK_STATUS(mdca_client_fetch(NULL, "alerts", alert, &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_fetch(client, NULL, alert, &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_fetch(client, "alerts", NULL, &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_fetch(client, "alerts", alert, NULL, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_fetch(client, "alerts", alert, &json, NULL), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_fetch(client, "alerts", BAD_UTF8, &json, &len), MDCA_STATUS_INVALID_UTF8);
    CHECK_STATUS(mdca_client_fetch(client, "nothing", alert, &json, &len), MDCA_STATUS_UNKNOWN_ENTITY);

    CHECK_STATUS(mdca_client_entity_tree(NULL, "x", &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_entity_tree(client, NULL, &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_entity_tree(client, "x", NULL, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_entity_tree(client, BAD_UTF8, &json, &len), MDCA_STATUS_INVALID_UTF8);

    const char *close = "{\"ids\": [\"x\"], \"as\": \"benign\"}";
    CHECK_STATUS(mdca_client_close_alerts(NULL, close, &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_close_alerts(client, NULL, &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_close_alerts(client, close, NULL, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_close_alerts(client, close, &json, NULL), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_close_alerts(client, BAD_UTF8_JSON, &json, &len), MDCA_STATUS_INVALID_UTF8);
    CHECK_STATUS(mdca_client_close_alerts(client, "{\"ids\": [", &json, &len), MDCA_STATUS_INVALID_JSON);
    CHECK_STATUS(mdca_client_close_alerts(client, "{\"ids\": [\"x\"], \"as\": \"maybe\"}", &json, &len),
                 MDCA_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(mdca_client_close_alerts(client, "{\"ids\": [\"x\"], \"filter\": {}, \"as\": \"benign\"}", &json,
                                          &len),
                 MDCA_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(mdca_client_close_alerts(client, "{\"as\": \"benign\"}", &json, &len),
                 MDCA_STATUS_INVALID_ARGUMENT);

    CHECK_STATUS(mdca_client_set_alert_read(NULL, alert, true), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_set_alert_read(client, NULL, true), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_set_alert_read(client, BAD_UTF8, false), MDCA_STATUS_INVALID_UTF8);

    CHECK_STATUS(mdca_client_activity_feedback(NULL, "a", "{}", &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_activity_feedback(client, NULL, "{}", &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_activity_feedback(client, "a", NULL, &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_activity_feedback(client, "a", "{}", NULL, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_activity_feedback(client, BAD_UTF8, "{}", &json, &len), MDCA_STATUS_INVALID_UTF8);
    CHECK_STATUS(mdca_client_activity_feedback(client, "a", "{", &json, &len), MDCA_STATUS_INVALID_JSON);
    CHECK_STATUS(mdca_client_activity_feedback(client, "a", "[1]", &json, &len), MDCA_STATUS_INVALID_ARGUMENT);

    const char *spec = "{\"name\": \"n\", \"category\": 1, \"subnets\": [\"10.0.0.0/8\"]}";
    CHECK_STATUS(mdca_client_create_subnet(NULL, spec, &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_create_subnet(client, NULL, &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_create_subnet(client, spec, NULL, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_create_subnet(client, spec, &json, NULL), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_create_subnet(client, "{\"name\": ", &json, &len), MDCA_STATUS_INVALID_JSON);
    CHECK_STATUS(mdca_client_create_subnet(client, "{\"name\": 5}", &json, &len), MDCA_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(mdca_client_create_subnet(client, BAD_UTF8_JSON, &json, &len), MDCA_STATUS_INVALID_UTF8);

    CHECK_STATUS(mdca_client_update_subnet(NULL, "1", spec), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_update_subnet(client, NULL, spec), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_update_subnet(client, "1", NULL), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_update_subnet(client, BAD_UTF8, spec), MDCA_STATUS_INVALID_UTF8);
    CHECK_STATUS(mdca_client_update_subnet(client, "1", "nope"), MDCA_STATUS_INVALID_JSON);

    CHECK_STATUS(mdca_client_delete_subnet(NULL, "1"), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_delete_subnet(client, NULL), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_delete_subnet(client, BAD_UTF8), MDCA_STATUS_INVALID_UTF8);

    const char *raw = "{\"method\": \"GET\", \"path\": \"v1/alerts/\"}";
    CHECK_STATUS(mdca_client_request(NULL, raw, &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_request(client, NULL, &json, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_request(client, raw, NULL, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_request(client, raw, &json, NULL), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_client_request(client, "{\"method\": \"GET\"", &json, &len), MDCA_STATUS_INVALID_JSON);
    CHECK_STATUS(mdca_client_request(client, "{\"path\": \"v1/alerts/\"}", &json, &len),
                 MDCA_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(mdca_client_request(client, BAD_UTF8_JSON, &json, &len), MDCA_STATUS_INVALID_UTF8);

    CHECK_STATUS(mdca_last_error(NULL, &len), MDCA_STATUS_NULL_POINTER);
    CHECK_STATUS(mdca_last_error(&json, NULL), MDCA_STATUS_NULL_POINTER);
    CHECK_UNTOUCHED(json, len);
}

static void strings_are_freed_once_and_only_ours(void) {
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_last_error(&json, &len), MDCA_STATUS_OK);
    CHECK(json != NULL && strlen(json) == len);
    CHECK_STATUS(mdca_string_free(json + 1), MDCA_STATUS_INVALID_HANDLE);
    CHECK_STATUS(mdca_string_free(json), MDCA_STATUS_OK);
    CHECK_STATUS(mdca_string_free(json), MDCA_STATUS_INVALID_HANDLE);
    CHECK(last_error_contains("not a live string"));

    char on_stack[] = "mine";
    CHECK_STATUS(mdca_string_free(on_stack), MDCA_STATUS_INVALID_HANDLE);
    CHECK(strcmp(on_stack, "mine") == 0);
    char *from_malloc = malloc(16);
    CHECK(from_malloc != NULL);
    strcpy(from_malloc, "also mine");
    CHECK_STATUS(mdca_string_free(from_malloc), MDCA_STATUS_INVALID_HANDLE);
    CHECK(strcmp(from_malloc, "also mine") == 0);
    free(from_malloc);
    CHECK_STATUS(mdca_string_free((char *)mdca_version()), MDCA_STATUS_INVALID_HANDLE);
    /* NULL is a no-op, like free(NULL), and leaves the last error alone. */
    int32_t before = mdca_last_error_code();
    CHECK_STATUS(mdca_string_free(NULL), MDCA_STATUS_OK);
    CHECK(mdca_last_error_code() == before);
}

static void handles_are_checked_for_type_liveness_and_origin(void) {
    mdca_client *client = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_TOKEN_OPTIONS"), &client), MDCA_STATUS_OK);
    mdca_query *query = NULL;
    CHECK_STATUS(mdca_query_new(client, "alerts", "{\"page_size\": 3}", &query), MDCA_STATUS_OK);
    char *json = SENTINEL_TEXT;
    size_t len = SENTINEL_LEN;

    /* Wrong type: a query is not a client and the reverse; neither is freed by the mistake. */
    CHECK_STATUS(mdca_client_free((mdca_client *)query), MDCA_STATUS_INVALID_HANDLE);
    CHECK(last_error_contains("mdca_query handle, but a mdca_client is required"));
    CHECK_STATUS(mdca_query_free((mdca_query *)client), MDCA_STATUS_INVALID_HANDLE);
    CHECK_STATUS(mdca_query_next_page((mdca_query *)client, &json, &len), MDCA_STATUS_INVALID_HANDLE);
    mdca_query *other = (mdca_query *)SENTINEL_TEXT;
    CHECK_STATUS(mdca_query_new((const mdca_client *)query, "alerts", NULL, &other), MDCA_STATUS_INVALID_HANDLE);
    CHECK(other == (mdca_query *)SENTINEL_TEXT);

    /* Foreign pointers are never dereferenced. */
    int local = 42;
    CHECK_STATUS(mdca_client_free((mdca_client *)&local), MDCA_STATUS_INVALID_HANDLE);
    CHECK(last_error_contains("never returned by this library"));
    CHECK_STATUS(mdca_query_cancel((const mdca_query *)(uintptr_t)0x1234), MDCA_STATUS_INVALID_HANDLE);
    CHECK_STATUS(mdca_client_fetch((const mdca_client *)(uintptr_t)UINTPTR_MAX, "alerts", "1", &json, &len),
                 MDCA_STATUS_INVALID_HANDLE);
    CHECK(local == 42);

    /* A query outlives its client. */
    CHECK_STATUS(mdca_client_free(client), MDCA_STATUS_OK);
    CHECK_STATUS(mdca_query_next_page(query, &json, &len), MDCA_STATUS_OK);
    CHECK(count_array_elements(json, len) == 3);
    CHECK_STATUS(mdca_string_free(json), MDCA_STATUS_OK);
    json = SENTINEL_TEXT;
    len = SENTINEL_LEN;

    /* Use after free and double free of a client. */
    CHECK_STATUS(mdca_client_free(client), MDCA_STATUS_INVALID_HANDLE);
    CHECK(last_error_contains("already freed"));
    mdca_query *after = (mdca_query *)SENTINEL_TEXT;
    CHECK_STATUS(mdca_query_new(client, "alerts", NULL, &after), MDCA_STATUS_INVALID_HANDLE);
    CHECK(after == (mdca_query *)SENTINEL_TEXT);
    CHECK_STATUS(mdca_client_fetch(client, "alerts", "1", &json, &len), MDCA_STATUS_INVALID_HANDLE);
    CHECK_STATUS(mdca_client_set_alert_read(client, "1", true), MDCA_STATUS_INVALID_HANDLE);
    CHECK_STATUS(mdca_client_delete_subnet(client, "1"), MDCA_STATUS_INVALID_HANDLE);

    /* Use after free and double free of a query. */
    CHECK_STATUS(mdca_query_free(query), MDCA_STATUS_OK);
    CHECK_STATUS(mdca_query_free(query), MDCA_STATUS_INVALID_HANDLE);
    CHECK_STATUS(mdca_query_next_page(query, &json, &len), MDCA_STATUS_INVALID_HANDLE);
    mdca_progress progress = {.struct_size = sizeof(mdca_progress)};
    memset(&progress, 0x5A, sizeof progress);
    mdca_progress copy = progress;
    CHECK_STATUS(mdca_query_progress(query, &progress), MDCA_STATUS_INVALID_HANDLE);
    CHECK(memcmp(&progress, &copy, sizeof progress) == 0);
    CHECK_STATUS(mdca_query_cancel(query), MDCA_STATUS_INVALID_HANDLE);
    CHECK_UNTOUCHED(json, len);

    /* Freeing NULL handles is a no-op. */
    CHECK_STATUS(mdca_client_free(NULL), MDCA_STATUS_OK);
    CHECK_STATUS(mdca_query_free(NULL), MDCA_STATUS_OK);
}

static void the_last_error_has_the_documented_shape(void) {
    mdca_client *client = (mdca_client *)SENTINEL_TEXT;
    CHECK_STATUS(mdca_client_new("{", &client), MDCA_STATUS_INVALID_JSON);
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_last_error(&json, &len), MDCA_STATUS_OK);
    CHECK(json != NULL && json[0] == '{' && json[len - 1] == '}');
    const char *keys[] = {"\"code\":4", "\"kind\":\"invalid_json\"", "\"message\":", "\"http_status\":null",
                          "\"detail\":", "\"correlation_id\":", "\"hint\":"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        CHECK(strstr(json, keys[i]) != NULL);
    }
    mdca_string_free(json);
    /* A successful call leaves the last error in place, like errno. */
    CHECK(mdca_version() != NULL);
    CHECK(mdca_last_error_code() == MDCA_STATUS_INVALID_JSON);
}

int main(void) {
    version_is_a_static_string();
    the_last_error_is_null_before_any_failure();
    client_new_rejects_bad_input();
    mdca_client *client = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_TOKEN_OPTIONS"), &client), MDCA_STATUS_OK);
    if (client != NULL) {
        query_new_rejects_bad_input(client);
        query_calls_reject_null(client);
        client_calls_reject_null_and_bad_input_before_sending(client);
        CHECK_STATUS(mdca_client_free(client), MDCA_STATUS_OK);
    }
    strings_are_freed_once_and_only_ours();
    handles_are_checked_for_type_liveness_and_origin();
    the_last_error_has_the_documented_shape();
    return finish("misuse");
}
