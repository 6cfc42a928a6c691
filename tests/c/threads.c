/*
 * One client shared by several threads, each paging its own queries at the same time; each thread sees
 * only its own last error.
 * Environment: MDCA_TOKEN_OPTIONS, MDCA_EXPECT_<ENTITY>.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "common.h"

#define THREADS 6

struct worker {
    const mdca_client *client;
    const char *entity;
    long expected;
    long got;
    /* Each thread provokes a different error and must find exactly that one as its last error. */
    mdca_status provoked;
    int32_t last_code_after_barrier;
    int last_error_is_own;
};

static pthread_barrier_t barrier;

static mdca_status provoke(int index, const mdca_client *client) {
    mdca_query *query = NULL;
    switch (index % 3) {
    case 0:
        return mdca_query_new(client, "no-such-entity", NULL, &query);
    case 1:
        return mdca_query_new(client, "alerts", "{\"all\": tru", &query);
    default:
        return mdca_query_new(client, "alerts", NULL, NULL);
    }
}

static struct worker workers[THREADS];

static void *worker_main(void *p) {
    int index = (int)(intptr_t)p;
    struct worker *w = &workers[index];
    w->got = page_to_end(w->client, w->entity, "{\"all\": true}");
    w->provoked = provoke(index, w->client);
    /* Wait until every thread has failed differently, then read our own last error. */
    pthread_barrier_wait(&barrier);
    w->last_code_after_barrier = mdca_last_error_code();
    char expected_code[32];
    snprintf(expected_code, sizeof expected_code, "\"code\":%d,", (int)w->provoked);
    w->last_error_is_own = last_error_contains(expected_code);
    return NULL;
}

int main(void) {
    static const char *const entities[] = {"alerts", "files", "entities", "subnets", "activities", "alerts"};
    static const char *const vars[] = {"MDCA_EXPECT_ALERTS", "MDCA_EXPECT_FILES", "MDCA_EXPECT_ENTITIES",
                                       "MDCA_EXPECT_SUBNETS", "MDCA_EXPECT_ACTIVITIES", "MDCA_EXPECT_ALERTS"};
    mdca_client *client = NULL;
    CHECK_STATUS(mdca_client_new(env("MDCA_TOKEN_OPTIONS"), &client), MDCA_STATUS_OK);
    if (client == NULL) {
        return finish("threads");
    }
    CHECK(pthread_barrier_init(&barrier, NULL, THREADS) == 0);
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i].client = client;
        workers[i].entity = entities[i];
        workers[i].expected = env_long(vars[i]);
        CHECK(pthread_create(&threads[i], NULL, worker_main, (void *)(intptr_t)i) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        struct worker *w = &workers[i];
        if (w->got != w->expected) {
            fprintf(stderr, "thread %d: %s gave %ld records, expected %ld\n", i, w->entity, w->got, w->expected);
        }
        CHECK(w->got == w->expected);
        CHECK(w->provoked != MDCA_STATUS_OK);
        CHECK(w->last_code_after_barrier == (int32_t)w->provoked);
        CHECK(w->last_error_is_own);
    }
    CHECK(workers[0].provoked == MDCA_STATUS_UNKNOWN_ENTITY);
    CHECK(workers[1].provoked == MDCA_STATUS_INVALID_JSON);
    CHECK(workers[2].provoked == MDCA_STATUS_NULL_POINTER);
    /* The main thread has not failed: its last error is empty whatever the workers did. */
    CHECK(mdca_last_error_code() == 0);
    CHECK(last_error_contains("null"));
    pthread_barrier_destroy(&barrier);
    CHECK_STATUS(mdca_client_free(client), MDCA_STATUS_OK);
    return finish("threads");
}
