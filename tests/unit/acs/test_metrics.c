/* tests/unit/acs/test_metrics.c — counters, fault classes, auth reasons, the session histogram
 * and the Prometheus text format (every line checked with a strict regex), under threads. */
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acs_cr.h"
#include "acs_metrics.h"
#include "ca_verify.h"
#include "cwmp.h"

static char *format(void)
{
    struct buf b;
    buf_init(&b, ACS_METRICS_MAX_TEXT);
    assert_int_equal(acs_metrics_format(&b), 0);
    return buf_take(&b);
}

/* The value of one series line ("name{labels}"), -1 if absent. */
static long series(const char *text, const char *name)
{
    char pat[256];
    snprintf(pat, sizeof pat, "\n%s ", name);
    const char *p = strstr(text, pat);
    return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

static void test_counters(void **state)
{
    (void)state;
    acs_metrics_reset();
    acs_metrics_count(ACS_METRIC_SESSIONS, ACS_MS_OK);
    acs_metrics_count(ACS_METRIC_SESSIONS, ACS_MS_OK);
    acs_metrics_count(ACS_METRIC_SESSIONS, 999); /* out of range: the last label */
    acs_metrics_count(ACS_METRIC__COUNT, 0);     /* ignored */
    acs_metrics_count(ACS_METRIC_HTTP_503, ACS_ML_CWMP);
    acs_metrics_count(ACS_METRIC_HTTP_413, ACS_ML_NBI);
    acs_metrics_count(ACS_METRIC_CONN_REQ, ACS_CR_BUSY);
    acs_metrics_count(ACS_METRIC_CONN_REQ, ACS_CR_REFUSED);
    acs_metrics_count(ACS_METRIC_CR_REFUSED, ACS_CRV_SELF - ACS_CRV_LOOPBACK);
    acs_metrics_rpc("getParameterValues");
    acs_metrics_rpc("GetParameterValues");
    acs_metrics_rpc("Inform");
    acs_metrics_rpc("X_VENDOR_Thing");
    acs_metrics_rpc(NULL);
    char *t = format();
    assert_int_equal(series(t, "acs_cwmp_sessions_total{result=\"ok\"}"), 2);
    assert_int_equal(series(t, "acs_cwmp_sessions_total{result=\"aborted\"}"), 1);
    assert_int_equal(series(t, "acs_http_503_total{listener=\"cwmp\"}"), 1);
    assert_int_equal(series(t, "acs_http_413_total{listener=\"nbi\"}"), 1);
    assert_int_equal(series(t, "acs_connection_requests_total{result=\"busy\"}"), 1);
    assert_int_equal(series(t, "acs_connection_requests_total{result=\"policy_refused\"}"), 1);
    assert_int_equal(series(t, "acs_cr_refused_total{reason=\"self\"}"), 1); /* labels = verdict names */
    for (int v = ACS_CRV_LOOPBACK; v < ACS_CRV__COUNT; v++) {
        char name[96];
        snprintf(name, sizeof name, "acs_cr_refused_total{reason=\"%s\"}", acs_cr_verdict_name(v));
        assert_int_equal(series(t, name), v == ACS_CRV_SELF);
    }
    assert_int_equal(series(t, "acs_cwmp_rpcs_total{method=\"GetParameterValues\"}"), 2);
    assert_int_equal(series(t, "acs_cwmp_rpcs_total{method=\"Inform\"}"), 1);
    assert_int_equal(series(t, "acs_cwmp_rpcs_total{method=\"other\"}"), 2);
    free(t);
}

/* One count per kind per message: the label is the kind's name from the codec's table. */
static void test_lenient(void **state)
{
    (void)state;
    acs_metrics_reset();
    acs_metrics_lenient(CWMP_LENIENT_ARRAY_COUNT_LARGER | CWMP_LENIENT_NO_ID);
    acs_metrics_lenient(CWMP_LENIENT_ARRAY_COUNT_LARGER);
    acs_metrics_lenient(0);
    acs_metrics_lenient(CWMP_LENIENT_NO_MORE_REQUESTS_DEPRECATED);
    char *t = format();
    assert_int_equal(series(t, "acs_cwmp_lenient_total{kind=\"array_count_larger\"}"), 2);
    assert_int_equal(series(t, "acs_cwmp_lenient_total{kind=\"no_id\"}"), 1);
    assert_int_equal(series(t, "acs_cwmp_lenient_total{kind=\"array_count_smaller\"}"), 0);
    assert_int_equal(series(t, "acs_cwmp_lenient_total{kind=\"no_more_requests_deprecated\"}"), 1);
    assert_non_null(strstr(t, "# TYPE acs_cwmp_lenient_total counter"));
    free(t);
}

static void test_faults_and_auth(void **state)
{
    (void)state;
    assert_int_equal(acs_metrics_fault_class(8002), ACS_MF_ACS);
    assert_int_equal(acs_metrics_fault_class(9000), ACS_MF_REQUEST);
    assert_int_equal(acs_metrics_fault_class(9004), ACS_MF_REQUEST);
    assert_int_equal(acs_metrics_fault_class(9005), ACS_MF_PARAMETER);
    assert_int_equal(acs_metrics_fault_class(9008), ACS_MF_PARAMETER);
    assert_int_equal(acs_metrics_fault_class(9010), ACS_MF_TRANSFER);
    assert_int_equal(acs_metrics_fault_class(9850), ACS_MF_VENDOR);
    assert_int_equal(acs_metrics_fault_class(0), ACS_MF_OTHER);
    assert_int_equal(acs_metrics_fault_class(9500), ACS_MF_OTHER);
    assert_int_equal(acs_metrics_auth_from_verify(CA_VERIFY_NO_CERT), ACS_MA_NO_CERT);
    assert_int_equal(acs_metrics_auth_from_verify(CA_VERIFY_UNKNOWN_CA), ACS_MA_UNKNOWN_CA);
    assert_int_equal(acs_metrics_auth_from_verify(CA_VERIFY_EXPIRED), ACS_MA_EXPIRED);
    assert_int_equal(acs_metrics_auth_from_verify(CA_VERIFY_REVOKED), ACS_MA_REVOKED);
    assert_int_equal(acs_metrics_auth_from_verify(CA_VERIFY_NO_IDENTITY), ACS_MA_NO_IDENTITY);
    assert_int_equal(acs_metrics_auth_from_verify(CA_VERIFY_INTERNAL), ACS_MA_INTERNAL);
    assert_int_equal(acs_metrics_auth_from_verify(77), ACS_MA_INTERNAL);
    acs_metrics_reset();
    acs_metrics_fault(9008);
    acs_metrics_fault(9003);
    acs_metrics_count(ACS_METRIC_AUTH_REFUSED, ACS_MA_IDENTITY_MISMATCH);
    char *t = format();
    assert_int_equal(series(t, "acs_cwmp_faults_total{class=\"parameter_9005_9008\"}"), 1);
    assert_int_equal(series(t, "acs_cwmp_faults_total{class=\"request_9000_9004\"}"), 1);
    assert_int_equal(series(t, "acs_auth_refusals_total{reason=\"identity_mismatch\"}"), 1);
    assert_int_equal(series(t, "acs_auth_refusals_total{reason=\"revoked\"}"), 0);
    free(t);
}

static void test_histogram(void **state)
{
    (void)state;
    acs_metrics_reset();
    acs_metrics_session_end(ACS_MS_OK, 5);  /* <= 10 ms */
    acs_metrics_session_end(ACS_MS_OK, 10); /* <= 10 ms: bounds are inclusive */
    acs_metrics_observe_session(300);       /* <= 0.5 s */
    acs_metrics_observe_session(-4);        /* clamped to 0 */
    acs_metrics_observe_session(999999);    /* above every bound */
    acs_metrics_sessions_open_add(3);
    acs_metrics_sessions_open_add(-1);
    char *t = format();
    assert_int_equal(series(t, "acs_cwmp_session_duration_seconds_bucket{le=\"0.010\"}"), 3);
    assert_int_equal(series(t, "acs_cwmp_session_duration_seconds_bucket{le=\"0.250\"}"), 3);
    assert_int_equal(series(t, "acs_cwmp_session_duration_seconds_bucket{le=\"0.500\"}"), 4);
    assert_int_equal(series(t, "acs_cwmp_session_duration_seconds_bucket{le=\"60.000\"}"), 4);
    assert_int_equal(series(t, "acs_cwmp_session_duration_seconds_bucket{le=\"+Inf\"}"), 5);
    assert_int_equal(series(t, "acs_cwmp_session_duration_seconds_count"), 5);
    assert_non_null(strstr(t, "\nacs_cwmp_session_duration_seconds_sum 1000.314\n"));
    assert_int_equal(series(t, "acs_cwmp_sessions_open"), 2);
    assert_int_equal(series(t, "acs_cwmp_sessions_total{result=\"ok\"}"), 2);
    free(t);
}

static void test_format_lines(void **state)
{
    (void)state;
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^(# HELP [a-z_:][a-z0-9_:]* .+|# TYPE [a-z_:][a-z0-9_:]* (counter|gauge|histogram)|"
                             "[a-z_:][a-z0-9_:]*(\\{[a-z_][a-z0-9_]*=\"[^\"\\\\]*\"(,[a-z_][a-z0-9_]*=\"[^\"\\\\]*\")*"
                             "\\})? -?[0-9]+(\\.[0-9]+)?)$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    char *t = format(), *save = NULL;
    size_t n = strlen(t), lines = 0, types = 0;
    assert_true(n > 0 && t[n - 1] == '\n');
    for (char *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (regexec(&re, line, 0, NULL, 0) != 0)
            fail_msg("not exposition text: %s", line);
        /* every counter's name ends in _total */
        if (!strncmp(line, "# TYPE ", 7) && strstr(line, " counter"))
            assert_non_null(strstr(line, "_total counter"));
        types += !strncmp(line, "# TYPE ", 7);
        lines++;
    }
    assert_int_equal(types, ACS_METRIC__COUNT + 2);
    assert_true(lines > 60);
    regfree(&re);
    free(t);
}

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000; i++) {
        acs_metrics_count(ACS_METRIC_RPCS, ACS_MR_INFORM);
        acs_metrics_observe_session(i % 100);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t th[4];
    acs_metrics_reset();
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, hammer, NULL), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    char *t = format();
    assert_int_equal(series(t, "acs_cwmp_rpcs_total{method=\"Inform\"}"), 400000);
    assert_int_equal(series(t, "acs_cwmp_session_duration_seconds_count"), 400000);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_lenient),     cmocka_unit_test(test_faults_and_auth), cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_format_lines), cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
