/* tests/unit/cpe/test_cpe_dm.c — libcpe schema and data model: loading key-params.tsv,
 * path templates, defaults and computed values, value checks, AddObject numbering,
 * DeleteObject, walks; and the CWMP retry back-off (TR-069 3.2.1.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpe_backoff.h"
#include "cpe_dm.h"
#include "cpe_test.h"

static struct cpe_schema *schema;
static struct cpe_dm_ctx ctx = {
    .manufacturer = "ExampleVoIP", .oui = "00D09E", .product_class = "SimBox", .serial = "SIM00000001",
    .cr_url = "http://127.0.0.1:7548/cr/00D09E-SimBox-SIM00000001", .acs_url = "https://127.0.0.1:7547/",
    .periodic_interval = 300, .boot_ms = T0_MS, .now_ms = T0_MS + 42000, .hash = 0x12345678,
};

static int setup(void **state)
{
    (void)state;
    char *err = NULL;
    schema = cpe_schema_load(datamodel_path(), &err);
    if (!schema)
        fprintf(stderr, "schema: %s\n", err ? err : "?");
    free(err);
    return schema ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cpe_schema_free(schema);
    return 0;
}

static void schema_loaded(void **state)
{
    (void)state;
    assert_true(schema->nparams > 200);
    bool node;
    int i = cpe_schema_find(schema, "Device.Services.VoiceService.{i}.SIP.Client.{i}.AuthPassword", &node);
    assert_true(i >= 0);
    assert_false(node);
    assert_true(schema->params[i].secured);
    assert_int_equal(schema->params[i].access, CPE_RW);
    i = cpe_schema_find(schema, "Device.IP.Interface.", &node);
    assert_true(i >= 0 && node);
    assert_int_equal(schema->nodes[i].kind, CPE_NODE_TABLE);
    i = cpe_schema_find(schema, "Device.Services.VoiceService.{i}.SIP.Network.{i}.ProxyServerPort", &node);
    assert_true(schema->params[i].has_max);
    assert_int_equal(schema->params[i].max, 65535);
    assert_string_equal(schema->params[i].def, "5060");
}

/* A model list: the shared key parameters, then cpe-sim's extra rows; a path twice is refused. */
static void schema_list(void **state)
{
    (void)state;
    char list[1024], *err = NULL;
    snprintf(list, sizeof list, "%s:cpe-sim/datamodel/tr-104-extra.tsv", datamodel_path());
    struct cpe_schema *s = cpe_schema_load(list, &err);
    assert_non_null(s);
    bool node;
    assert_true(cpe_schema_find(schema, "Device.Services.VoiceService.{i}.VoIPProfile.{i}.Enable", &node) < 0);
    int i = cpe_schema_find(s, "Device.Services.VoiceService.{i}.VoIPProfile.{i}.Enable", &node);
    assert_true(i >= 0 && !node);
    assert_int_equal(s->params[i].access, CPE_RW);
    assert_int_equal(s->nparams, schema->nparams + 1);
    cpe_schema_free(s);
    snprintf(list, sizeof list, "%s:%s", datamodel_path(), datamodel_path());
    assert_null(cpe_schema_load(list, &err));
    assert_non_null(strstr(err, "duplicate path"));
    free(err);
}

static void bad_schema(void **state)
{
    (void)state;
    char *err = NULL;
    assert_null(cpe_schema_load("/nonexistent/key-params.tsv", &err));
    assert_non_null(err);
    free(err);
    char path[] = "/tmp/cpe-schema-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char bad[] = "#c\nDevice.X.Y\tnosuchtype\tro\t-\n";
    assert_int_equal(write(fd, bad, sizeof bad - 1), (ssize_t)sizeof bad - 1);
    close(fd);
    err = NULL;
    assert_null(cpe_schema_load(path, &err));
    assert_non_null(strstr(err, ":2: unknown type"));
    free(err);
    unlink(path);
}

static void templates(void **state)
{
    (void)state;
    char t[CPE_MAX_PATH], back[CPE_MAX_PATH];
    uint32_t idx[CPE_MAX_DEPTH];
    assert_int_equal(cpe_path_template("Device.IP.Interface.3.IPv4Address.12.IPAddress", t, sizeof t, idx), 2);
    assert_string_equal(t, "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress");
    assert_int_equal(idx[0], 3);
    assert_int_equal(idx[1], 12);
    assert_int_equal(cpe_path_format(t, idx, back, sizeof back), 0);
    assert_string_equal(back, "Device.IP.Interface.3.IPv4Address.12.IPAddress");
    assert_int_equal(cpe_path_template("Device..X", t, sizeof t, idx), -1);
    assert_int_equal(cpe_path_template("Device.IP.Interface.0.", t, sizeof t, idx), -1);
    assert_int_equal(cpe_path_template("Device.A.1.B.2.C.3.D.4.E.5.", t, sizeof t, idx), -1);
    assert_int_equal(cpe_path_format(t, idx, back, 8), -ERR_TOO_BIG);
}

static const char *get(struct cpe_dm *dm, const char *path)
{
    static char buf[256];
    return cpe_dm_get(dm, path, buf, sizeof buf);
}

static void values(void **state)
{
    (void)state;
    struct cpe_dm *dm = cpe_dm_new(schema, &ctx);
    assert_non_null(dm);
    assert_string_equal(get(dm, "Device.DeviceInfo.SerialNumber"), "SIM00000001");
    assert_string_equal(get(dm, "Device.DeviceInfo.UpTime"), "42");
    assert_string_equal(get(dm, "Device.ManagementServer.ConnectionRequestURL"), ctx.cr_url);
    assert_string_equal(get(dm, "Device.ManagementServer.PeriodicInformInterval"), "300");
    assert_string_equal(get(dm, "Device.Services.VoiceService.1.SIP.Network.1.ProxyServerTransport"), "UDP");
    assert_string_equal(get(dm, "Device.Services.VoiceServiceNumberOfEntries"), "1");
    assert_string_equal(get(dm, "Device.Ethernet.Interface.1.MACAddress"), "02:12:34:56:78:01");
    assert_null(get(dm, "Device.Services.VoiceService.2.SIP.Client.1.Enable")); /* no instance 2 */
    assert_null(get(dm, "Device.NoSuch.Thing"));

    struct cpe_ref ref;
    assert_int_equal(cpe_dm_resolve(dm, "Device.Services.VoiceService.1.SIP.Network.1.ProxyServerPort", &ref), 0);
    assert_int_equal(cpe_dm_check_value(dm, &ref, "5061"), 0);
    assert_int_equal(cpe_dm_check_value(dm, &ref, "65536"), 9007);
    assert_int_equal(cpe_dm_check_value(dm, &ref, "-1"), 9007);
    assert_int_equal(cpe_dm_check_value(dm, &ref, "12a"), 9007);
    assert_int_equal(cpe_dm_resolve(dm, "Device.Services.VoiceService.1.SIP.Network.1.ProxyServerTransport", &ref), 0);
    assert_int_equal(cpe_dm_check_value(dm, &ref, "TLS"), 0);
    assert_int_equal(cpe_dm_check_value(dm, &ref, "QUIC"), 9007);
    assert_int_equal(cpe_dm_resolve(dm, "Device.ManagementServer.PeriodicInformEnable", &ref), 0);
    assert_int_equal(cpe_dm_check_value(dm, &ref, "maybe"), 9007);
    assert_int_equal(cpe_dm_set(dm, &ref, "0"), 0);
    assert_string_equal(get(dm, "Device.ManagementServer.PeriodicInformEnable"), "false");
    assert_int_equal(cpe_dm_set_path(dm, "Device.ManagementServer.PeriodicInformInterval", "60"), 0);
    assert_string_equal(get(dm, "Device.ManagementServer.PeriodicInformInterval"), "60");
    assert_int_equal(cpe_dm_reset(dm), 0);
    assert_string_equal(get(dm, "Device.ManagementServer.PeriodicInformEnable"), "true");
    cpe_dm_free(dm);
}

static int count_cb(void *ud, const struct cpe_ref *ref, const char *path)
{
    (void)ref;
    (void)path;
    (*(int *)ud)++;
    return 0;
}

static void add_delete(void **state)
{
    (void)state;
    struct cpe_dm *dm = cpe_dm_new(schema, &ctx);
    struct cpe_ref t, r;
    uint32_t inst = 0;
    assert_int_equal(cpe_dm_resolve(dm, "Device.Services.VoiceService.1.SIP.Client.", &t), 0);
    /* a factory device has two SIP clients (1 and 2) */
    assert_int_equal(cpe_dm_add(dm, &t, &inst), 0);
    assert_int_equal(inst, 3);
    assert_int_equal(cpe_dm_add(dm, &t, &inst), 0);
    assert_int_equal(inst, 4);
    assert_string_equal(get(dm, "Device.Services.VoiceService.1.SIP.Client.4.Enable"), "false");
    assert_int_equal(cpe_dm_set_path(dm, "Device.Services.VoiceService.1.SIP.Client.4.AuthUserName", "x"), 0);
    assert_int_equal(cpe_dm_resolve(dm, "Device.Services.VoiceService.1.SIP.Client.4.", &r), 0);
    assert_int_equal(cpe_dm_delete(dm, &r), 0);
    assert_int_equal(cpe_dm_resolve(dm, "Device.Services.VoiceService.1.SIP.Client.4.", &r), 9005);
    /* numbers are not reused after a delete */
    assert_int_equal(cpe_dm_add(dm, &t, &inst), 0);
    assert_int_equal(inst, 5);
    assert_string_equal(get(dm, "Device.Services.VoiceService.1.SIP.Client.5.AuthUserName"), "");
    /* not a table */
    assert_int_equal(cpe_dm_resolve(dm, "Device.DeviceInfo.", &r), 0);
    assert_int_equal(cpe_dm_add(dm, &r, &inst), 9005);
    assert_int_equal(cpe_dm_delete(dm, &r), 9005);
    /* deleting a VoiceService removes its clients */
    assert_int_equal(cpe_dm_resolve(dm, "Device.Services.VoiceService.1.", &r), 0);
    assert_int_equal(cpe_dm_delete(dm, &r), 0);
    assert_null(get(dm, "Device.Services.VoiceService.1.SIP.Client.2.Enable"));
    assert_string_equal(get(dm, "Device.Services.VoiceServiceNumberOfEntries"), "0");
    /* walks */
    int n = 0;
    assert_int_equal(cpe_dm_resolve(dm, "Device.IP.Interface.", &r), 0);
    assert_int_equal(cpe_dm_walk(dm, &r, CPE_WALK_NODES | CPE_WALK_NEXT_LEVEL, count_cb, &n), 0);
    assert_int_equal(n, 1); /* Device.IP.Interface.1. */
    n = 0;
    assert_int_equal(cpe_dm_resolve(dm, "", &r), 0);
    assert_int_equal(cpe_dm_walk(dm, &r, CPE_WALK_PARAMS, count_cb, &n), 0);
    assert_true(n > 50);
    assert_true(cpe_dm_mem(dm) < 4096);
    cpe_dm_free(dm);
}

static void backoff(void **state)
{
    (void)state;
    uint64_t lo, hi;
    static const uint64_t want[][2] = {{5, 10}, {10, 20}, {20, 40}, {40, 80}, {80, 160}, {160, 320},
                                       {320, 640}, {640, 1280}, {1280, 2560}, {2560, 5120}, {2560, 5120}};
    for (unsigned n = 1; n <= 11; n++) {
        cpe_backoff_range(CPE_BACKOFF_DEFAULT_M, CPE_BACKOFF_DEFAULT_K, n, &lo, &hi);
        assert_int_equal(lo, want[n - 1][0] * 1000);
        assert_int_equal(hi, want[n - 1][1] * 1000);
    }
    cpe_backoff_range(10, 1500, 3, &lo, &hi); /* 10*1.5^2 .. 10*1.5^3 */
    assert_int_equal(lo, 22500);
    assert_int_equal(hi, 33750);
    cpe_backoff_range(0, 0, 1, &lo, &hi); /* clamped to 1 s, x1 */
    assert_int_equal(lo, 1000);
    assert_int_equal(hi, 1000);
    cpe_backoff_range(5, 2000, 0, &lo, &hi);
    assert_int_equal(hi, 0);
    cpe_backoff_range(65535, 65535, 10, &lo, &hi);
    assert_int_equal(hi, CPE_BACKOFF_CAP_MS);
    assert_int_equal(cpe_backoff_ms(5, 2000, 1, 0), 5000);
    uint64_t w = cpe_backoff_ms(5, 2000, 1, 0xffffffffu);
    assert_true(w >= 5000 && w < 10000);
    w = cpe_backoff_ms(5, 2000, 2, 0x80000000u);
    assert_int_equal(w, 15000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_loaded), cmocka_unit_test(schema_list), cmocka_unit_test(bad_schema), cmocka_unit_test(templates),
        cmocka_unit_test(values),        cmocka_unit_test(add_delete), cmocka_unit_test(backoff),
    };
    return cmocka_run_group_tests_name("cpe/dm", tests, setup, teardown);
}
