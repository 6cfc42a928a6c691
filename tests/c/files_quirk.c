/*
 * The Files API refuses application (Bearer) tokens (api.md §3.5, §12): the error detail reaches C intact.
 * Environment: MDCA_APP_OPTIONS, MDCA_APP_LEGACY_OPTIONS (app credentials plus a legacy token),
 * MDCA_FILE_ID, MDCA_EXPECT_FILES.
 */
#define _POSIX_C_SOURCE 200809L
#include "common.h"

static void check_files_error_detail(void) {
    CHECK(mdca_last_error_code() == 102);
    CHECK(last_error_contains("\"code\":102"));
    CHECK(last_error_contains("\"kind\":\"files_need_legacy_token\""));
    CHECK(last_error_contains("\"http_status\":403"));
    CHECK(last_error_contains("Insufficient role based permissions"));
    CHECK(!last_error_contains("\"correlation_id\":null"));
    CHECK(last_error_contains("\"correlation_id\":\""));
    CHECK(!last_error_contains("\"hint\":null"));
    CHECK(last_error_contains("legacy"));
}

static void listing_files_with_an_app_token_fails_with_code_102(const mdca_client *app) {
    mdca_query *query = NULL;
    CHECK_STATUS(mdca_query_new(app, "files", "{\"all\": true}", &query), MDCA_STATUS_OK);
    char *json = (char *)"untouched";
    size_t len = 12345;
    CHECK_STATUS(mdca_query_next_page(query, &json, &len), MDCA_STATUS_FILES_NEED_LEGACY_TOKEN);
    CHECK(strcmp(json, "untouched") == 0 && len == 12345);
    check_files_error_detail();
    CHECK_STATUS(mdca_query_free(query), MDCA_STATUS_OK);
}

static void fetching_a_file_with_an_app_token_fails_with_code_102(const mdca_client *app) {
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_client_fetch(app, "files", env("MDCA_FILE_ID"), &json, &len),
                 MDCA_STATUS_FILES_NEED_LEGACY_TOKEN);
    CHECK(json == NULL);
    check_files_error_detail();
}

static void a_legacy_token_beside_app_credentials_is_used_for_files(void) {
    mdca_client *both = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_APP_LEGACY_OPTIONS"), &both), MDCA_STATUS_OK);
    if (both == NULL) {
        return;
    }
    CHECK(page_to_end(both, "files", "{\"all\": true}") == env_long("MDCA_EXPECT_FILES"));
    CHECK(page_to_end(both, "alerts", "{\"first\": 10}") == 10);
    CHECK_STATUS(mdca_client_free(both), MDCA_STATUS_OK);
}

int main(void) {
    mdca_client *app = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_APP_OPTIONS"), &app), MDCA_STATUS_OK);
    if (app == NULL) {
        return finish("files_quirk");
    }
    listing_files_with_an_app_token_fails_with_code_102(app);
    fetching_a_file_with_an_app_token_fails_with_code_102(app);
    CHECK_STATUS(mdca_client_free(app), MDCA_STATUS_OK);
    a_legacy_token_beside_app_credentials_is_used_for_files();
    return finish("files_quirk");
}
