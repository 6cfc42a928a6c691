/*
 * Paging every entity to the end, with exact counts, with a legacy-token client and an app-context client.
 * Environment: MDCA_TOKEN_OPTIONS, MDCA_APP_OPTIONS (client options JSON), MDCA_EXPECT_<ENTITY> (counts).
 */
#define _POSIX_C_SOURCE 200809L
#include "common.h"

static const char *const ENTITIES[] = {"activities", "alerts", "files", "entities", "subnets"};
static const char *const EXPECT_VARS[] = {"MDCA_EXPECT_ACTIVITIES", "MDCA_EXPECT_ALERTS", "MDCA_EXPECT_FILES",
                                          "MDCA_EXPECT_ENTITIES", "MDCA_EXPECT_SUBNETS"};

static void every_entity_pages_to_the_end_with_exact_counts(const mdca_client *client) {
    for (size_t i = 0; i < sizeof ENTITIES / sizeof ENTITIES[0]; i++) {
        long expected = env_long(EXPECT_VARS[i]);
        long got = page_to_end(client, ENTITIES[i], "{\"all\": true}");
        if (got != expected) {
            fprintf(stderr, "%s: %ld records, expected %ld\n", ENTITIES[i], got, expected);
        }
        CHECK(got == expected);
    }
}

static void first_and_skip_bound_the_records(const mdca_client *client) {
    long alerts = env_long("MDCA_EXPECT_ALERTS");
    CHECK(page_to_end(client, "alerts", "{\"first\": 150}") == 150);
    CHECK(page_to_end(client, "alerts", "{\"all\": true, \"skip\": 30}") == alerts - 30);
    /* Without all or first a query is one page (100 records by default, or page_size). */
    CHECK(page_to_end(client, "alerts", NULL) == 100);
    CHECK(page_to_end(client, "alerts", "{\"page_size\": 7}") == 7);
}

static void progress_reports_the_total_before_the_end(const mdca_client *client) {
    mdca_query *query = NULL;
    CHECK_STATUS(mdca_query_new(client, "files", "{\"all\": true}", &query), MDCA_STATUS_OK);
    mdca_progress before = {.struct_size = sizeof(mdca_progress)};
    CHECK_STATUS(mdca_query_progress(query, &before), MDCA_STATUS_OK);
    CHECK(before.records == 0 && before.pages == 0 && !before.done);
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_query_next_page(query, &json, &len), MDCA_STATUS_OK);
    mdca_string_free(json);
    mdca_progress after = {.struct_size = sizeof(mdca_progress)};
    CHECK_STATUS(mdca_query_progress(query, &after), MDCA_STATUS_OK);
    CHECK(after.pages == 1);
    CHECK(after.records == 100);
    CHECK(after.total_known);
    CHECK((long)after.total == env_long("MDCA_EXPECT_FILES"));
    CHECK(!after.done);
    /* Freeing a query in the middle of a pull is allowed. */
    CHECK_STATUS(mdca_query_free(query), MDCA_STATUS_OK);
}

int main(void) {
    mdca_client *token_client = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_TOKEN_OPTIONS"), &token_client), MDCA_STATUS_OK);
    if (token_client == NULL) {
        return finish("paging");
    }
    every_entity_pages_to_the_end_with_exact_counts(token_client);
    first_and_skip_bound_the_records(token_client);
    progress_reports_the_total_before_the_end(token_client);
    CHECK_STATUS(mdca_client_free(token_client), MDCA_STATUS_OK);

    /* An app-context client (client credentials against the simulator's identity endpoint) pages every
     * entity the Files API lets a bearer token read. */
    mdca_client *app_client = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_APP_OPTIONS"), &app_client), MDCA_STATUS_OK);
    if (app_client != NULL) {
        CHECK(page_to_end(app_client, "alerts", "{\"all\": true}") == env_long("MDCA_EXPECT_ALERTS"));
        CHECK(page_to_end(app_client, "entities", "{\"all\": true}") == env_long("MDCA_EXPECT_ENTITIES"));
        CHECK(page_to_end(app_client, "activities", "{\"all\": true}") == env_long("MDCA_EXPECT_ACTIVITIES"));
        CHECK_STATUS(mdca_client_free(app_client), MDCA_STATUS_OK);
    }
    return finish("paging");
}
