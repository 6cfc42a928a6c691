/*
 * Cancellation from a second thread while a page request is stalled, concurrent use of one query
 * detected, and a query freed while another thread is inside it.
 * Environment: MDCA_TOKEN_OPTIONS (timeout far above the stall); the harness arms a stall fault on the
 * next two alert list requests before each run.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "common.h"

/* Far below the stall (60 s) and the client timeout (120 s), far above valgrind's slowdown. */
#define PROMPTLY_SECONDS 15.0

struct helper_args {
    mdca_query *query;
    mdca_status concurrent_next_page;
    int32_t concurrent_error_code;
    mdca_status progress_status;
    double progress_seconds;
    mdca_status cancel_status;
};

static void *interfere_then_cancel(void *p) {
    struct helper_args *args = p;
    sleep_ms(700);
    /* The main thread is inside mdca_query_next_page on this query: a second call is refused. */
    char *json = NULL;
    size_t len = 0;
    args->concurrent_next_page = mdca_query_next_page(args->query, &json, &len);
    args->concurrent_error_code = mdca_last_error_code();
    /* Progress does not wait for the page in flight. */
    mdca_progress progress = {.struct_size = sizeof(mdca_progress)};
    double start = now_seconds();
    args->progress_status = mdca_query_progress(args->query, &progress);
    args->progress_seconds = now_seconds() - start;
    args->cancel_status = mdca_query_cancel(args->query);
    return NULL;
}

static void cancel_from_a_second_thread_interrupts_a_stalled_page(const mdca_client *client) {
    struct helper_args args;
    memset(&args, 0, sizeof args);
    CHECK_STATUS(mdca_query_new(client, "alerts", "{\"all\": true}", &args.query), MDCA_STATUS_OK);
    pthread_t helper;
    CHECK(pthread_create(&helper, NULL, interfere_then_cancel, &args) == 0);

    char *json = (char *)"untouched";
    size_t len = 777;
    double start = now_seconds();
    CHECK_STATUS(mdca_query_next_page(args.query, &json, &len), MDCA_STATUS_CANCELLED);
    double elapsed = now_seconds() - start;
    CHECK(pthread_join(helper, NULL) == 0);

    fprintf(stderr, "cancelled after %.2f s\n", elapsed);
    CHECK(elapsed < PROMPTLY_SECONDS);
    CHECK(strcmp(json, "untouched") == 0 && len == 777);
    CHECK(mdca_last_error_code() == MDCA_STATUS_CANCELLED);
    CHECK(args.concurrent_next_page == MDCA_STATUS_INVALID_ARGUMENT);
    CHECK(args.concurrent_error_code == MDCA_STATUS_INVALID_ARGUMENT);
    CHECK(args.progress_status == MDCA_STATUS_OK);
    CHECK(args.progress_seconds < 1.0);
    CHECK(args.cancel_status == MDCA_STATUS_OK);

    /* A cancelled query stays cancelled, and cancelling again is harmless. */
    CHECK_STATUS(mdca_query_next_page(args.query, &json, &len), MDCA_STATUS_CANCELLED);
    CHECK_STATUS(mdca_query_cancel(args.query), MDCA_STATUS_OK);
    CHECK_STATUS(mdca_query_free(args.query), MDCA_STATUS_OK);
}

struct free_args {
    mdca_query *query;
    mdca_status free_status;
};

static void *free_the_query(void *p) {
    struct free_args *args = p;
    sleep_ms(700);
    args->free_status = mdca_query_free(args->query);
    return NULL;
}

static void freeing_a_query_in_use_cancels_the_call_and_invalidates_the_handle(const mdca_client *client) {
    struct free_args args;
    memset(&args, 0, sizeof args);
    CHECK_STATUS(mdca_query_new(client, "alerts", "{\"all\": true}", &args.query), MDCA_STATUS_OK);
    pthread_t helper;
    CHECK(pthread_create(&helper, NULL, free_the_query, &args) == 0);
    char *json = NULL;
    size_t len = 0;
    double start = now_seconds();
    CHECK_STATUS(mdca_query_next_page(args.query, &json, &len), MDCA_STATUS_CANCELLED);
    CHECK(now_seconds() - start < PROMPTLY_SECONDS);
    CHECK(pthread_join(helper, NULL) == 0);
    CHECK(args.free_status == MDCA_STATUS_OK);
    CHECK_STATUS(mdca_query_next_page(args.query, &json, &len), MDCA_STATUS_INVALID_HANDLE);
    CHECK_STATUS(mdca_query_free(args.query), MDCA_STATUS_INVALID_HANDLE);
}

static void a_query_cancelled_before_its_first_page_sends_nothing(const mdca_client *client) {
    mdca_query *query = NULL;
    CHECK_STATUS(mdca_query_new(client, "files", "{\"all\": true}", &query), MDCA_STATUS_OK);
    CHECK_STATUS(mdca_query_cancel(query), MDCA_STATUS_OK);
    char *json = NULL;
    size_t len = 0;
    double start = now_seconds();
    CHECK_STATUS(mdca_query_next_page(query, &json, &len), MDCA_STATUS_CANCELLED);
    CHECK(now_seconds() - start < PROMPTLY_SECONDS);
    mdca_progress progress = {.struct_size = sizeof(mdca_progress)};
    CHECK_STATUS(mdca_query_progress(query, &progress), MDCA_STATUS_OK);
    CHECK(progress.requests == 0);
    CHECK_STATUS(mdca_query_free(query), MDCA_STATUS_OK);
}

int main(void) {
    mdca_client *client = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_TOKEN_OPTIONS"), &client), MDCA_STATUS_OK);
    if (client == NULL) {
        return finish("cancel");
    }
    cancel_from_a_second_thread_interrupts_a_stalled_page(client);
    freeing_a_query_in_use_cancels_the_call_and_invalidates_the_handle(client);
    a_query_cancelled_before_its_first_page_sends_nothing(client);
    CHECK_STATUS(mdca_client_free(client), MDCA_STATUS_OK);
    return finish("cancel");
}
