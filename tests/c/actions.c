/*
 * Fetch by id, entity tree, alert close/read, activity feedback, subnet create/update/delete and the raw
 * request, through the C ABI against the simulator; server errors carry their detail.
 * Environment: MDCA_TOKEN_OPTIONS, MDCA_READER_OPTIONS, MDCA_ALERT_ID, MDCA_ACTIVITY_ID, MDCA_FILE_ID,
 * MDCA_ENTITY_PK.
 */
#define _POSIX_C_SOURCE 200809L
#include "common.h"

/* Fetches and checks the result is one JSON object containing `needle`. */
static void fetch_returns_the_record(const mdca_client *client, const char *entity, const char *id) {
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_client_fetch(client, entity, id, &json, &len), MDCA_STATUS_OK);
    if (json != NULL) {
        CHECK(len > 2 && json[0] == '{' && json[len - 1] == '}' && strlen(json) == len);
        CHECK(strstr(json, id) != NULL || strcmp(entity, "entities") == 0);
        CHECK_STATUS(mdca_string_free(json), MDCA_STATUS_OK);
    }
}

static void fetch_by_id_works_for_every_entity(const mdca_client *client) {
    fetch_returns_the_record(client, "alerts", env("MDCA_ALERT_ID"));
    fetch_returns_the_record(client, "activities", env("MDCA_ACTIVITY_ID"));
    fetch_returns_the_record(client, "files", env("MDCA_FILE_ID"));
    fetch_returns_the_record(client, "entities", env("MDCA_ENTITY_PK"));
    fetch_returns_the_record(client, "Alert", env("MDCA_ALERT_ID"));
}

static void an_unknown_id_is_not_found_with_the_http_status(const mdca_client *client) {
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_client_fetch(client, "alerts", "000000000000000000000000", &json, &len),
                 MDCA_STATUS_NOT_FOUND);
    CHECK(json == NULL);
    CHECK(last_error_contains("\"code\":200"));
    CHECK(last_error_contains("\"http_status\":404"));
}

static void the_entity_tree_is_json(const mdca_client *client) {
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_client_entity_tree(client, env("MDCA_ENTITY_PK"), &json, &len), MDCA_STATUS_OK);
    if (json != NULL) {
        CHECK(len > 0 && strlen(json) == len);
        CHECK_STATUS(mdca_string_free(json), MDCA_STATUS_OK);
    }
}

static void alerts_are_closed_read_and_unread(const mdca_client *client) {
    const char *alert = env("MDCA_ALERT_ID");
    CHECK_STATUS(mdca_client_set_alert_read(client, alert, true), MDCA_STATUS_OK);
    CHECK_STATUS(mdca_client_set_alert_read(client, alert, false), MDCA_STATUS_OK);
    CHECK_STATUS(mdca_client_set_alert_read(client, "000000000000000000000000", true), MDCA_STATUS_NOT_FOUND);

    char request[512];
    snprintf(request, sizeof request,
             "{\"ids\": [\"%s\", \"000000000000000000000000\"], \"as\": \"benign\", \"comment\": \"triaged "
             "from C\", \"reason_id\": 2}",
             alert);
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_client_close_alerts(client, request, &json, &len), MDCA_STATUS_OK);
    if (json != NULL) {
        CHECK(strstr(json, "\"closed\":1") != NULL);
        CHECK(strstr(json, "\"not_found\":[\"000000000000000000000000\"]") != NULL);
        CHECK_STATUS(mdca_string_free(json), MDCA_STATUS_OK);
    }
    fetch_returns_the_record(client, "alerts", alert);
}

static void a_reader_cannot_close_alerts(void) {
    mdca_client *reader = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_READER_OPTIONS"), &reader), MDCA_STATUS_OK);
    if (reader == NULL) {
        return;
    }
    char request[256];
    snprintf(request, sizeof request, "{\"ids\": [\"%s\"], \"as\": \"false_positive\"}", env("MDCA_ALERT_ID"));
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_client_close_alerts(reader, request, &json, &len), MDCA_STATUS_FORBIDDEN);
    CHECK(json == NULL);
    CHECK(last_error_contains("\"http_status\":403"));
    CHECK(!last_error_contains("\"correlation_id\":null"));
    CHECK_STATUS(mdca_client_free(reader), MDCA_STATUS_OK);
}

static void activity_feedback_is_sent(const mdca_client *client) {
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_client_activity_feedback(client, env("MDCA_ACTIVITY_ID"),
                                               "{\"feedbackValue\": 1, \"feedbackText\": \"from C\"}", &json, &len),
                 MDCA_STATUS_OK);
    if (json != NULL) {
        CHECK(strlen(json) == len);
        CHECK_STATUS(mdca_string_free(json), MDCA_STATUS_OK);
    }
}

static void subnets_are_created_updated_and_deleted(const mdca_client *client) {
    char *id = NULL;
    size_t id_len = 0;
    CHECK_STATUS(mdca_client_create_subnet(
                     client, "{\"name\": \"c-abi-office\", \"category\": 1, \"subnets\": [\"10.20.0.0/16\"]}", &id,
                     &id_len),
                 MDCA_STATUS_OK);
    if (id == NULL) {
        return;
    }
    CHECK(id_len > 0 && strlen(id) == id_len);
    /* Names are unique: a second create is refused with the server's validation detail. */
    char *second = NULL;
    size_t second_len = 0;
    CHECK_STATUS(mdca_client_create_subnet(
                     client, "{\"name\": \"c-abi-office\", \"category\": 1, \"subnets\": [\"10.30.0.0/16\"]}",
                     &second, &second_len),
                 MDCA_STATUS_BAD_REQUEST);
    CHECK(second == NULL);
    CHECK(last_error_contains("\"http_status\":400"));

    CHECK_STATUS(mdca_client_update_subnet(
                     client, id, "{\"name\": \"c-abi-office\", \"category\": 4, \"subnets\": [\"10.21.0.0/16\"]}"),
                 MDCA_STATUS_OK);
    char *record = NULL;
    size_t record_len = 0;
    CHECK_STATUS(mdca_client_fetch(client, "subnets", id, &record, &record_len), MDCA_STATUS_OK);
    if (record != NULL) {
        CHECK(strstr(record, "10.21.0.0") != NULL);
        mdca_string_free(record);
    }
    CHECK_STATUS(mdca_client_delete_subnet(client, id), MDCA_STATUS_OK);
    CHECK_STATUS(mdca_client_delete_subnet(client, id), MDCA_STATUS_NOT_FOUND);
    CHECK_STATUS(mdca_string_free(id), MDCA_STATUS_OK);
}

static void the_raw_request_returns_the_body(const mdca_client *client) {
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_client_request(client,
                                     "{\"method\": \"POST\", \"path\": \"v1/alerts/\", \"body\": {\"limit\": 2}, "
                                     "\"idempotent\": true}",
                                     &json, &len),
                 MDCA_STATUS_OK);
    if (json != NULL) {
        CHECK(strstr(json, "\"data\":[") != NULL);
        CHECK(strstr(json, "\"hasNext\":true") != NULL);
        CHECK_STATUS(mdca_string_free(json), MDCA_STATUS_OK);
    }
    CHECK_STATUS(mdca_client_request(client, "{\"method\": \"GET\", \"path\": \"v1/nothing-here/\"}", &json, &len),
                 MDCA_STATUS_NOT_FOUND);
}

int main(void) {
    mdca_client *client = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_TOKEN_OPTIONS"), &client), MDCA_STATUS_OK);
    if (client == NULL) {
        return finish("actions");
    }
    fetch_by_id_works_for_every_entity(client);
    an_unknown_id_is_not_found_with_the_http_status(client);
    the_entity_tree_is_json(client);
    alerts_are_closed_read_and_unread(client);
    a_reader_cannot_close_alerts();
    activity_feedback_is_sent(client);
    subnets_are_created_updated_and_deleted(client);
    the_raw_request_returns_the_body(client);
    CHECK_STATUS(mdca_client_free(client), MDCA_STATUS_OK);
    return finish("actions");
}
