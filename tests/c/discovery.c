/*
 * Cloud Discovery through the C ABI against the simulator: a log upload with a progress callback
 * (monotone, ending at the total), a refused source, streams, categories and a block script.
 * Environment: MDCA_TOKEN_OPTIONS.
 */
#define _POSIX_C_SOURCE 200809L
#include "common.h"

#include <unistd.h>

struct progress_seen {
    uint64_t last;
    uint64_t total;
    long calls;
    int went_back;
};

static void on_progress(uint64_t sent, uint64_t total, void *user_data) {
    struct progress_seen *seen = user_data;
    if (sent < seen->last) {
        seen->went_back = 1;
    }
    seen->last = sent;
    seen->total = total;
    seen->calls++;
}

/* Writes `len` bytes of log lines to a fresh temporary file; returns its path (static buffer). */
static const char *write_log(size_t len) {
    static char path[128];
    snprintf(path, sizeof path, "/tmp/mdca-c-discovery-%ld.log", (long)getpid());
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f == NULL) {
        return path;
    }
    const char *line = "2026-01-01T00:00:01Z fw1 TRAFFIC allow 10.0.0.7 52.1.2.3 https\n";
    size_t n = strlen(line);
    for (size_t written = 0; written < len; written += n) {
        fwrite(line, 1, len - written < n ? len - written : n, f);
    }
    fclose(f);
    return path;
}

static void a_log_is_uploaded_with_progress(const mdca_client *client) {
    const size_t len = 3 * 1024 * 1024 + 11;
    const char *path = write_log(len);
    struct progress_seen seen = {0, 0, 0, 0};
    char *json = NULL;
    size_t out_len = 0;
    CHECK_STATUS(mdca_client_discovery_upload(client, path,
                                              "{\"source\": \"palo_alto_syslog\", \"stream_name\": \"From C\", "
                                              "\"snapshot\": true}",
                                              on_progress, &seen, &json, &out_len),
                 MDCA_STATUS_OK);
    if (json != NULL) {
        char expected[64];
        snprintf(expected, sizeof expected, "\"bytes\":%zu", len);
        CHECK(strstr(json, expected) != NULL);
        CHECK(strstr(json, "\"source\":\"PALO_ALTO_SYSLOG\"") != NULL);
        CHECK_STATUS(mdca_string_free(json), MDCA_STATUS_OK);
    }
    CHECK(seen.calls > 0);
    CHECK(!seen.went_back);
    CHECK(seen.last == len && seen.total == len);

    /* An undocumented source is refused before anything is sent, and the outputs stay untouched. */
    json = NULL;
    CHECK_STATUS(mdca_client_discovery_upload(client, path, "{\"source\": \"NOPE\", \"stream_name\": \"x\"}",
                                              NULL, NULL, &json, &out_len),
                 MDCA_STATUS_INVALID_ARGUMENT);
    CHECK(json == NULL);
    CHECK(last_error_contains("PALO_ALTO_SYSLOG"));
    unlink(path);
}

static void streams_categories_and_block_scripts_are_read(const mdca_client *client) {
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_client_discovery_streams(client, &json, &len), MDCA_STATUS_OK);
    if (json == NULL) {
        return;
    }
    CHECK(json[0] == '[' && strstr(json, "\"From C\"") != NULL);
    /* The first stream's _id: 24 hex digits after "_id":". */
    char id[25] = {0};
    const char *at = strstr(json, "\"_id\":\"");
    CHECK(at != NULL);
    if (at != NULL) {
        memcpy(id, at + 7, 24);
    }
    CHECK_STATUS(mdca_string_free(json), MDCA_STATUS_OK);

    json = NULL;
    CHECK_STATUS(mdca_client_discovery_categories(client, id, 30, &json, &len), MDCA_STATUS_OK);
    if (json != NULL) {
        CHECK(json[0] == '[' && strstr(json, "SAASDB_") != NULL);
        CHECK_STATUS(mdca_string_free(json), MDCA_STATUS_OK);
    }
    json = NULL;
    CHECK_STATUS(mdca_client_discovery_categories(client, "000000000000000000000000", 0, &json, &len),
                 MDCA_STATUS_NOT_FOUND);

    char *text = NULL;
    CHECK_STATUS(mdca_client_discovery_block_script(client, "palo-alto", &text, &len), MDCA_STATUS_OK);
    if (text != NULL) {
        CHECK(strncmp(text, "set profiles custom-url-category", 32) == 0 && strlen(text) == len);
        CHECK_STATUS(mdca_string_free(text), MDCA_STATUS_OK);
    }
    text = NULL;
    CHECK_STATUS(mdca_client_discovery_block_script(client, "checkpoint", &text, &len),
                 MDCA_STATUS_INVALID_ARGUMENT);
    CHECK(text == NULL);
    CHECK_STATUS(mdca_client_discovery_block_script(client, NULL, &text, &len), MDCA_STATUS_NULL_POINTER);
}

int main(void) {
    mdca_client *client = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_TOKEN_OPTIONS"), &client), MDCA_STATUS_OK);
    if (client == NULL) {
        return finish("discovery");
    }
    a_log_is_uploaded_with_progress(client);
    streams_categories_and_block_scripts_are_read(client);
    CHECK_STATUS(mdca_client_free(client), MDCA_STATUS_OK);
    return finish("discovery");
}
