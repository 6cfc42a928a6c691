/*
 * Helpers shared by the C test programs (tests/ffi_c.rs compiles and runs them against the simulator).
 * The harness passes client options and expected values in environment variables.
 */
#ifndef MDCA_TEST_COMMON_H
#define MDCA_TEST_COMMON_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mdca.h"

/* Atomic: worker threads record failures too. */
static atomic_int check_failures;

/* Records a failed expectation and carries on, so one run reports every broken rule. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);              \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

/* Checks a status, printing the last error when it is not the expected one. */
#define CHECK_STATUS(call, expected)                                                               \
    do {                                                                                           \
        mdca_status check_status_ = (call);                                                        \
        if (check_status_ != (expected)) {                                                         \
            fprintf(stderr, "%s:%d: %s returned %d, expected %d (%s)\n", __FILE__, __LINE__,      \
                    #call, (int)check_status_, (int)(expected), #expected);                        \
            print_last_error();                                                                    \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

/* Prints this thread's last error to stderr. */
static inline void print_last_error(void) {
    char *json = NULL;
    size_t len = 0;
    if (mdca_last_error(&json, &len) == MDCA_STATUS_OK) {
        fprintf(stderr, "  last error: %.*s\n", (int)len, json);
        mdca_string_free(json);
    }
}

/* A required environment variable. */
static inline const char *env(const char *name) {
    const char *value = getenv(name);
    if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "environment variable %s is not set (run through tests/ffi_c.rs)\n", name);
        exit(2);
    }
    return value;
}

static inline long env_long(const char *name) {
    return strtol(env(name), NULL, 10);
}

/* Whether this thread's last error JSON contains `needle`. */
static inline int last_error_contains(const char *needle) {
    char *json = NULL;
    size_t len = 0;
    int found = 0;
    if (mdca_last_error(&json, &len) == MDCA_STATUS_OK) {
        found = strstr(json, needle) != NULL;
        mdca_string_free(json);
    }
    return found;
}

/*
 * Counts the elements of a JSON array by scanning its bytes (depth and strings tracked), independently
 * of the library's own counters. Returns -1 if the text is not an array.
 */
static inline long count_array_elements(const char *json, size_t len) {
    size_t i = 0;
    while (i < len && (json[i] == ' ' || json[i] == '\n' || json[i] == '\r' || json[i] == '\t')) {
        i++;
    }
    if (i >= len || json[i] != '[') {
        return -1;
    }
    long commas = 0;
    int depth = 1, in_string = 0, escaped = 0, seen_value = 0;
    for (i++; i < len; i++) {
        char ch = json[i];
        if (in_string) {
            if (escaped) {
                escaped = 0;
            } else if (ch == '\\') {
                escaped = 1;
            } else if (ch == '"') {
                in_string = 0;
            }
            continue;
        }
        if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') {
            continue;
        }
        if (depth == 1 && ch == ']') {
            return seen_value ? commas + 1 : 0;
        }
        if (depth == 1 && ch == ',') {
            commas++;
            continue;
        }
        seen_value = 1;
        if (ch == '"') {
            in_string = 1;
        } else if (ch == '[' || ch == '{') {
            depth++;
        } else if (ch == ']' || ch == '}') {
            depth--;
        }
    }
    return -1;
}

static inline double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/*
 * Pages `entity` to the end with `request_json`, returning the number of records (counted from the
 * bytes) or -1 on an error. Checks on the way that every page is a non-empty array whose length is
 * `out_len`, that progress agrees, and that DONE repeats.
 */
static inline long page_to_end(const mdca_client *client, const char *entity, const char *request_json) {
    mdca_query *query = NULL;
    mdca_status status = mdca_query_new(client, entity, request_json, &query);
    if (status != MDCA_STATUS_OK) {
        fprintf(stderr, "mdca_query_new(%s) failed with %d\n", entity, (int)status);
        print_last_error();
        return -1;
    }
    long records = 0, pages = 0;
    for (;;) {
        char *json = NULL;
        size_t len = 0;
        status = mdca_query_next_page(query, &json, &len);
        if (status == MDCA_STATUS_DONE) {
            CHECK(json == NULL && len == 0);
            break;
        }
        if (status != MDCA_STATUS_OK) {
            fprintf(stderr, "mdca_query_next_page(%s) failed with %d after %ld records\n", entity,
                    (int)status, records);
            print_last_error();
            mdca_query_free(query);
            return -1;
        }
        CHECK(json != NULL);
        CHECK(strlen(json) == len);
        long n = count_array_elements(json, len);
        CHECK(n > 0);
        records += n;
        pages++;
        CHECK_STATUS(mdca_string_free(json), MDCA_STATUS_OK);
    }
    mdca_progress progress;
    memset(&progress, 0xAB, sizeof progress);
    progress.struct_size = sizeof progress;
    CHECK_STATUS(mdca_query_progress(query, &progress), MDCA_STATUS_OK);
    CHECK(progress.done);
    CHECK((long)progress.records == records);
    CHECK((long)progress.pages == pages);
    CHECK(progress.requests >= (uint64_t)pages);
    char *again = NULL;
    size_t again_len = 0;
    CHECK_STATUS(mdca_query_next_page(query, &again, &again_len), MDCA_STATUS_DONE);
    CHECK(again == NULL);
    CHECK_STATUS(mdca_query_free(query), MDCA_STATUS_OK);
    return records;
}

/* The exit status for main: 0 when every CHECK held. */
static inline int finish(const char *program) {
    if (check_failures != 0) {
        fprintf(stderr, "%s: %d check(s) failed\n", program, (int)check_failures);
        return 1;
    }
    printf("%s: all checks passed\n", program);
    return 0;
}

#endif
