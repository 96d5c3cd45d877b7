/* tests/bench/bench_cwmp.c — CWMP codec speed on one core (make bench-cwmp):
 *   decode + validate of an Inform with 15 parameters, against libxml2's xmlReadMemory of
 *   the same bytes (DOM only, no validation) measured in the same run;
 *   encode of a GetParameterValues; heap held by one idle codec.
 * Usage: bench_cwmp [SECONDS per measurement, default 2]. Prints key=value lines. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "cwmp_body.h"

#define PVS(name, value, type) (&(struct cwmp__ParameterValueStruct){name, {value, type}})

static struct cwmp__DeviceIdStruct device = {"ExampleVoIP", "00D09E", "ATA-2FXS", "EX0123456789"};
static struct ParameterValueList params = {
    (struct cwmp__ParameterValueStruct *[]){
        PVS("Device.RootDataModelVersion", "2.17", "xsd:string"),
        PVS("Device.DeviceInfo.Manufacturer", "ExampleVoIP", "xsd:string"),
        PVS("Device.DeviceInfo.ManufacturerOUI", "00D09E", "xsd:string"),
        PVS("Device.DeviceInfo.ProductClass", "ATA-2FXS", "xsd:string"),
        PVS("Device.DeviceInfo.SerialNumber", "EX0123456789", "xsd:string"),
        PVS("Device.DeviceInfo.HardwareVersion", "HW-1.0", "xsd:string"),
        PVS("Device.DeviceInfo.SoftwareVersion", "1.2.3", "xsd:string"),
        PVS("Device.DeviceInfo.ProvisioningCode", "", "xsd:string"),
        PVS("Device.DeviceInfo.UpTime", "86400", "xsd:unsignedInt"),
        PVS("Device.ManagementServer.ParameterKey", "prov-42", "xsd:string"),
        PVS("Device.ManagementServer.ConnectionRequestURL", "http://192.0.2.10:7547/cr/EX0123456789",
            "xsd:string"),
        PVS("Device.ManagementServer.PeriodicInformInterval", "3600", "xsd:unsignedInt"),
        PVS("Device.IP.Interface.1.IPv4Address.1.IPAddress", "192.0.2.10", "xsd:string"),
        PVS("Device.Services.VoiceService.1.SIP.Client.1.Enable", "true", "xsd:boolean"),
        PVS("Device.Services.VoiceService.1.SIP.Client.1.Status", "Up", "xsd:string"),
    },
    15};
static struct EventList events = {
    (struct cwmp__EventStruct *[]){&(struct cwmp__EventStruct){"1 BOOT", ""},
                                   &(struct cwmp__EventStruct){"4 VALUE CHANGE", ""}},
    2};
static struct _cwmp__Inform inform = {&device, &events, 1, "2024-05-01T12:00:00Z", 0, &params};
static struct _cwmp__GetParameterValues gpv = {&(struct ParameterNames){
    (char *[]){"Device.DeviceInfo.SoftwareVersion", "Device.ManagementServer.PeriodicInformInterval",
               "Device.Services.VoiceService.1.SIP.Client.1.Status",
               "Device.Services.VoiceService.1.SIP.Client.1.RegisterURI",
               "Device.Services.VoiceService.1.SIP.Network.1.ProxyServer"},
    5}};

/* Heap in use (small blocks + mmap'd blocks: struct soap is one ~160 KB block). */
static size_t heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Resident set in bytes. */
static size_t rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (size_t)resident * 4096;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Runs fn until secs have passed; returns calls per second. */
static double rate(double secs, int (*fn)(void *), void *arg)
{
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 200; i++)
            if (fn(arg) != 0) {
                fprintf(stderr, "bench_cwmp: operation failed\n");
                exit(1);
            }
        n += 200;
        t = now_s();
    } while (t - t0 < secs);
    return (double)n / (t - t0);
}

struct input {
    struct cwmp_codec *c;
    const struct buf *b;
};

static int do_decode(void *arg)
{
    struct input *in = arg;
    const struct cwmp_msg *m;
    return cwmp_decode(in->c, in->b->data, in->b->len, 0, &m, NULL);
}

static int do_libxml2(void *arg)
{
    struct input *in = arg;
    xmlDocPtr d = xmlReadMemory(in->b->data, (int)in->b->len, "inform.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    xmlFreeDoc(d);
    return d ? 0 : -1;
}

static int do_encode(void *arg)
{
    struct cwmp_codec *c = arg;
    static struct buf b = {NULL, 0, 0, CWMP_MAX_ENVELOPE};
    struct cwmp_msg m = {.type = CWMP_MSG_GET_PARAMETER_VALUES, .version = CWMP_V1_2,
                         .header.id = "acs-1234", .body.get_parameter_values = &gpv};
    b.len = 0; /* keep the allocation, as a worker reusing its buffer does */
    return cwmp_encode(c, &m, &b, NULL);
}

static int encode_once(struct cwmp_codec *c, enum cwmp_msg_type t, void *body, struct buf *b)
{
    struct cwmp_msg m = {.type = t, .version = CWMP_V1_2, .header.id = "cpe-1", .body.any = body};
    buf_init(b, CWMP_MAX_ENVELOPE);
    return cwmp_encode(c, &m, b, NULL);
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? strtod(argv[1], NULL) : 2.0;
    enum { N_CODECS = 100 };
    static struct cwmp_codec *many[N_CODECS];
    size_t heap0 = heap_bytes(), rss0 = rss_bytes();
    for (int i = 0; i < N_CODECS; i++)
        if (!(many[i] = cwmp_codec_new()))
            return 1;
    printf("codec_idle_heap_bytes=%zu codec_idle_rss_bytes=%zu (mean of %d)\n",
           (heap_bytes() - heap0) / N_CODECS, (rss_bytes() - rss0) / N_CODECS, N_CODECS);
    for (int i = 0; i < N_CODECS; i++)
        cwmp_codec_free(many[i]);
    size_t before = heap_bytes();
    struct cwmp_codec *c = cwmp_codec_new();
    if (!c)
        return 1;

    struct buf inf, out;
    if (encode_once(c, CWMP_MSG_INFORM, &inform, &inf) != 0 ||
        encode_once(c, CWMP_MSG_GET_PARAMETER_VALUES, &gpv, &out) != 0)
        return 1;
    struct input in = {c, &inf};
    xmlInitParser();
    double dec = rate(secs, do_decode, &in);
    double ref = rate(secs, do_libxml2, &in);
    double enc = rate(secs, do_encode, c);
    printf("inform_bytes=%zu inform_params=15\n", inf.len);
    printf("decode_inform_per_s=%.0f libxml2_read_per_s=%.0f decode_vs_libxml2=%.2f\n", dec, ref,
           dec / ref);
    printf("gpv_bytes=%zu encode_gpv_per_s=%.0f\n", out.len, enc);
    buf_cleanup(&inf);
    buf_cleanup(&out);
    printf("codec_heap_after_use_bytes=%zu\n", heap_bytes() - before);
    cwmp_codec_free(c);
    xmlCleanupParser();
    return 0;
}
