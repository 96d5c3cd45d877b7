/* pki-ca/cli/cmd_batch.c — acs-ca batch: factory-mode issuance. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ca_batch.h"
#include "cli.h"

int cmd_batch(struct cli *c, int argc, char **argv)
{
    static const char use[] = "batch --count N --oui OUI --product-class PC --out DIR "
                              "[--serial-prefix P] [--start N] [--issuer NAME] [--key-type T] [--per-device-files] "
                              "[--jobs N (default: cores)]";
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'},         {"oui", required_argument, NULL, 'o'},
        {"product-class", required_argument, NULL, 'p'}, {"out", required_argument, NULL, 'd'},
        {"serial-prefix", required_argument, NULL, 's'}, {"start", required_argument, NULL, 'S'},
        {"issuer", required_argument, NULL, 'i'},        {"key-type", required_argument, NULL, 't'},
        {"per-device-files", no_argument, NULL, 'f'},    {"jobs", required_argument, NULL, 'j'},
        {0, 0, 0, 0}};
    struct ca_batch_opts o = {.serial_prefix = "SIM", .key_type = "ec-p256", .count = -1};
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end = NULL;
        switch (opt) {
        case 'n': o.count = strtol(optarg, &end, 10); break;
        case 'S': o.start = strtol(optarg, &end, 10); break;
        case 'o': o.oui = optarg; break;
        case 'p': o.product_class = optarg; break;
        case 'd': o.out_dir = optarg; break;
        case 's': o.serial_prefix = optarg; break;
        case 'i': o.issuer = optarg; break;
        case 't': o.key_type = optarg; break;
        case 'f': o.per_device_files = 1; break;
        case 'j':
            o.jobs = (int)strtol(optarg, &end, 10);
            if (o.jobs < 1 || o.jobs > CA_BATCH_MAX_JOBS)
                return cli_usage(use, "--jobs needs a number 1-64");
            break;
        default: return cli_usage(use, NULL);
        }
        if (end && *end)
            return cli_usage(use, "--count, --start and --jobs need numbers");
    }
    if (o.count < 0 || !o.oui || !o.product_class || !o.out_dir || optind != argc)
        return cli_usage(use, "--count, --oui, --product-class and --out are required");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long done = 0;
    char *err = NULL;
    int rc = ca_issue_batch(c->ca, &o, &done, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "acs-ca: batch issued %ld of %ld in %.2f s (%.0f/s) into %s\n", done, o.count, secs,
            secs > 0 ? (double)done / secs : 0.0, o.out_dir);
    return rc < 0 ? cli_fail_free(rc, err) : CLI_OK;
}
