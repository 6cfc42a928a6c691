/*
 * The host-lifecycle rules of the ABI: version macros and function agree; a struct declared with an
 * older, smaller size is filled only up to that size; a deeply nested record is refused with its own
 * error; a failing call from a thread-exit destructor returns a status (no abort); mdca_client_cancel
 * stops a stalled one-shot call promptly; a forked child gets MDCA_STATUS_FORKED_CHILD.
 * Environment: MDCA_TOKEN_OPTIONS, MDCA_ALERT_ID (the harness arms a stall on alert fetches), and
 * MDCA_DEEP_OPTIONS (a client of a server whose alert list holds one record nested 100,000 deep).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

/* The rule is 100 ms; valgrind runs everything ~20 times slower, so it gets more. */
static double cancel_within_seconds(void) {
    const char *runner = getenv("MDCA_RUNNER");
    return runner != NULL && strcmp(runner, "Valgrind") == 0 ? 2.0 : 0.1;
}

static void the_version_macros_and_function_agree(void) {
    unsigned number = mdca_version_number();
    CHECK(number / 1000000u == MDCA_VERSION_MAJOR);
    CHECK(number / 1000u % 1000u == MDCA_VERSION_MINOR);
    CHECK(number % 1000u == MDCA_VERSION_PATCH);
    char expected[32];
    snprintf(expected, sizeof expected, "%u.%u.%u", (unsigned)MDCA_VERSION_MAJOR,
             (unsigned)MDCA_VERSION_MINOR, (unsigned)MDCA_VERSION_PATCH);
    CHECK(strncmp(mdca_version(), expected, strlen(expected)) == 0);
}

/* What a caller built against a header whose mdca_progress ended after `pages` would declare. */
struct old_progress {
    size_t struct_size;
    uint64_t records;
    uint64_t pages;
};

static void an_older_struct_is_filled_only_up_to_its_size(const mdca_client *client) {
    mdca_query *query = NULL;
    CHECK_STATUS(mdca_query_new(client, "alerts", "{\"page_size\": 5}", &query), MDCA_STATUS_OK);
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_query_next_page(query, &json, &len), MDCA_STATUS_OK);
    mdca_string_free(json);

    unsigned char buffer[sizeof(mdca_progress) + 16];
    memset(buffer, 0xEE, sizeof buffer);
    struct old_progress old;
    old.struct_size = sizeof old;
    memcpy(buffer, &old, sizeof old);
    CHECK_STATUS(mdca_query_progress(query, (mdca_progress *)(void *)buffer), MDCA_STATUS_OK);
    memcpy(&old, buffer, sizeof old);
    CHECK(old.struct_size == sizeof old);
    CHECK(old.records == 5 && old.pages == 1);
    for (size_t i = sizeof old; i < sizeof buffer; i++) {
        CHECK(buffer[i] == 0xEE);
    }

    /* struct_size left unset (zero) is refused, and nothing is written. */
    mdca_progress unset;
    memset(&unset, 0, sizeof unset);
    CHECK_STATUS(mdca_query_progress(query, &unset), MDCA_STATUS_INVALID_ARGUMENT);
    CHECK(unset.records == 0);
    CHECK(last_error_contains("struct_size"));
    mdca_query_free(query);
}

static void a_deeply_nested_record_is_refused(void) {
    mdca_client *client = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_DEEP_OPTIONS"), &client), MDCA_STATUS_OK);
    mdca_query *query = NULL;
    CHECK_STATUS(mdca_query_new(client, "alerts", NULL, &query), MDCA_STATUS_OK);
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_query_next_page(query, &json, &len), MDCA_STATUS_INVALID_RESPONSE);
    CHECK(json == NULL);
    CHECK(last_error_contains("nested more than 128 levels"));
    mdca_query_free(query);
    mdca_client_free(client);
}

static pthread_key_t exit_key;
static atomic_int destructor_status = -1;

/* Runs when the thread exits, after Rust's own thread-locals may already be gone. */
static void at_thread_exit(void *value) {
    (void)value;
    mdca_client *client = NULL;
    destructor_status = (int)mdca_client_new("{not json", &client);
    mdca_string_free(NULL);
}

static void *thread_that_failed_before(void *unused) {
    (void)unused;
    mdca_client *client = NULL;
    /* Initialises the library's thread-locals on this thread (the last error). */
    CHECK_STATUS(mdca_client_new("{", &client), MDCA_STATUS_INVALID_JSON);
    pthread_setspecific(exit_key, (void *)1);
    return NULL;
}

static void a_failing_call_in_a_thread_exit_destructor_returns_a_status(void) {
    CHECK(pthread_key_create(&exit_key, at_thread_exit) == 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, thread_that_failed_before, NULL) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(destructor_status == MDCA_STATUS_INVALID_JSON);
    pthread_key_delete(exit_key);
}

struct fetch_args {
    const mdca_client *client;
    mdca_status status;
    double returned_at;
};

static void *fetch_stalled_alert(void *p) {
    struct fetch_args *args = p;
    char *json = NULL;
    size_t len = 0;
    args->status = mdca_client_fetch(args->client, "alerts", env("MDCA_ALERT_ID"), &json, &len);
    args->returned_at = now_seconds();
    mdca_string_free(json);
    return NULL;
}

static void client_cancel_stops_a_stalled_fetch_promptly(const mdca_client *client) {
    struct fetch_args args = {client, MDCA_STATUS_OK, 0.0};
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, fetch_stalled_alert, &args) == 0);
    sleep_ms(800);
    double cancelled_at = now_seconds();
    CHECK_STATUS(mdca_client_cancel(client), MDCA_STATUS_OK);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(args.status == MDCA_STATUS_CANCELLED);
    fprintf(stderr, "fetch returned %.3f s after the cancel\n", args.returned_at - cancelled_at);
    CHECK(args.returned_at - cancelled_at < cancel_within_seconds());

    /* Calls started after the cancel run normally (the stall was armed for one request). */
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS(mdca_client_fetch(client, "alerts", env("MDCA_ALERT_ID"), &json, &len), MDCA_STATUS_OK);
    mdca_string_free(json);
    CHECK_STATUS(mdca_client_cancel(NULL), MDCA_STATUS_NULL_POINTER);
}

static void a_forked_child_gets_the_fork_error(const mdca_client *client) {
    /* The child reports through a pipe, not its exit status: under valgrind a forked child's exit runs
       its own leak check over everything it inherited, which says nothing about the library. */
    int report[2];
    CHECK(pipe(report) == 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(report[0]);
        mdca_query *query = NULL;
        int ok = mdca_query_new(client, "alerts", NULL, &query) == MDCA_STATUS_FORKED_CHILD;
        ok = ok && mdca_last_error_code() == MDCA_STATUS_FORKED_CHILD;
        char *json = NULL;
        size_t len = 0;
        ok = ok && mdca_last_error(&json, &len) == MDCA_STATUS_OK && strstr(json, "fork") != NULL;
        ok = ok && mdca_string_free(json) == MDCA_STATUS_OK;
        char verdict = ok ? 'y' : 'n';
        ssize_t written = write(report[1], &verdict, 1);
        (void)written;
        /* _exit: the parent's atexit handlers and buffers are not the child's to run. */
        _exit(0);
    }
    close(report[1]);
    CHECK(pid > 0);
    char verdict = 0;
    CHECK(read(report[0], &verdict, 1) == 1);
    CHECK(verdict == 'y');
    close(report[0]);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    /* The parent is unaffected. */
    mdca_query *query = NULL;
    CHECK_STATUS(mdca_query_new(client, "alerts", NULL, &query), MDCA_STATUS_OK);
    mdca_query_free(query);
}

int main(void) {
    the_version_macros_and_function_agree();
    a_failing_call_in_a_thread_exit_destructor_returns_a_status();
    a_deeply_nested_record_is_refused();

    mdca_client *client = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_TOKEN_OPTIONS"), &client), MDCA_STATUS_OK);
    if (client != NULL) {
        an_older_struct_is_filled_only_up_to_its_size(client);
        client_cancel_stops_a_stalled_fetch_promptly(client);
        a_forked_child_gets_the_fork_error(client);
        CHECK_STATUS(mdca_client_free(client), MDCA_STATUS_OK);
    }
    return finish("native");
}
