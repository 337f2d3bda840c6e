/* test_cfgflags.c - coordinator/cfgflags.c: config flags from the table. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgflags.h"
#include "err.h"
#include "test.h"

/* Parse argv (NULL-terminated, argv[0] included) as a command would. */
static int parse(struct cfgflags *f, const char *const *args, int *unknown)
{
    char *argv[32];
    int argc = 0, c;

    while (args[argc]) {
        argv[argc] = (char *)args[argc];
        argc++;
    }
    argv[argc] = NULL;
    *unknown = 0;
    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":", f->opts, NULL)) != -1)
        if (!cfgflags_take(f, c, optarg, argv))
            (*unknown)++;
    return optind;
}

static void test_every_field_has_a_flag(void)
{
    struct cfgflags f;

    cfgflags_init(&f, NULL);
    for (size_t i = 0; i < cf_config_nfields(); i++) {
        char name[64];
        int found = 0;

        snprintf(name, sizeof(name), "%s", cf_config_field_name(i));
        for (char *p = name; *p; p++)
            if (*p == '_')
                *p = '-';
        for (size_t k = 0; f.opts[k].name; k++)
            if (strcmp(f.opts[k].name, name) == 0)
                found = 1;
        CHECKF(found, "no flag --%s", name);
    }
    cfgflags_cleanup(&f);
}

static void test_values(void)
{
    static const char *const args[] = {"seed",
                                       "--max-depth",
                                       "3",
                                       "--delay",
                                       "500",
                                       "--no-robots",
                                       "--allow-private",
                                       "--timeout=2s",
                                       "--lease-ms",
                                       "9000",
                                       "--scope",
                                       "any",
                                       "--store-links=1",
                                       "--follow-nofollow=0",
                                       "http://a.example/",
                                       NULL};
    struct cfgflags f;
    struct cf_config c;
    char err[CF_ERRSTR_LEN];
    int unknown, ind;

    cfgflags_init(&f, NULL);
    cf_config_init(&c);
    ind = parse(&f, args, &unknown);
    CHECK_INT(unknown, 0);
    CHECK_INT(ind, 14); /* the URL is left for the command */
    CHECK(cfgflags_given(&f));
    CHECK_INT(cfgflags_apply(&f, &c, err), CF_OK);
    CHECK_INT(c.max_depth, 3);
    CHECK_INT(c.delay_ms, 500);
    CHECK_INT(c.obey_robots, 0);
    CHECK_INT(c.allow_private, 1);
    CHECK_INT(c.timeout_ms, 2000);
    CHECK_INT(c.lease_ms, 9000);
    CHECK_STR(c.scope, "any");
    CHECK_INT(c.store_links, 1);
    CHECK_INT(c.follow_nofollow, 0);
    cf_config_cleanup(&c);
    cfgflags_cleanup(&f);
}

/* --text takes an optional word: alone, =word, or the next argument
 * when it is a word (never a URL). */
static void test_word_flag(void)
{
    static const struct {
        const char *args[6];
        const char *want;
        int ind; /* where the command's own arguments start */
    } cases[] = {
        {{"x", "--text", "http://a.example/", NULL}, "plain", 2},
        {{"x", "--text", NULL}, "plain", 2},
        {{"x", "--text", "markdown", "http://a.example/", NULL}, "markdown",
         3},
        {{"x", "--text=markdown", "http://a.example/", NULL}, "markdown", 2},
        {{"x", "--text", "off", NULL}, "off", 3},
        {{"x", NULL}, "off", 1},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cfgflags f;
        struct cf_config c;
        char err[CF_ERRSTR_LEN] = "";
        int unknown, ind;

        cfgflags_init(&f, NULL);
        cf_config_init(&c);
        ind = parse(&f, cases[i].args, &unknown);
        CHECKF(cfgflags_apply(&f, &c, err) == CF_OK, "case %zu: %s", i, err);
        CHECKF(strcmp(c.text, cases[i].want) == 0, "case %zu: %s", i,
               c.text);
        CHECKF(ind == cases[i].ind, "case %zu: optind %d", i, ind);
        cf_config_cleanup(&c);
        cfgflags_cleanup(&f);
    }
}

static void test_bad_values(void)
{
    static const struct {
        const char *args[6];
        const char *want; /* in errstr */
    } cases[] = {
        {{"x", "--max-depth", "deep", NULL}, "--max-depth"},
        {{"x", "--delay", "-5", NULL}, "--delay"},
        {{"x", "--scope", "nowhere", NULL}, "--scope"},
        {{"x", "--include", "(", NULL}, "--include"},
        {{"x", "--obey-robots=maybe", NULL}, "--obey-robots"},
        {{"x", "--text", "html", NULL}, "unknown mode 'html'"},
        {{"x", "--text-max", "0", NULL}, "--text-max"},
        {{"x", "--config", "/nonexistent/cf.conf", NULL}, "--config"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cfgflags f;
        struct cf_config c;
        char err[CF_ERRSTR_LEN] = "";
        int unknown;

        cfgflags_init(&f, NULL);
        cf_config_init(&c);
        parse(&f, cases[i].args, &unknown);
        CHECKF(cfgflags_apply(&f, &c, err) == CF_EINVAL, "case %zu", i);
        CHECKF(strstr(err, cases[i].want) != NULL, "case %zu: '%s'", i, err);
        cf_config_cleanup(&c);
        cfgflags_cleanup(&f);
    }
}

static void test_file_then_flags(void)
{
    char path[] = "/tmp/cf-cfgflags-XXXXXX";
    int fd = mkstemp(path);
    static const char text[] = "max_depth = 7\nmax_pages = 100\n";
    const char *args[] = {"x", "--config", path, "--max-depth", "2", NULL};
    struct cfgflags f;
    struct cf_config c;
    char err[CF_ERRSTR_LEN];
    int unknown;

    CHECK(fd >= 0 && write(fd, text, sizeof(text) - 1) > 0);
    close(fd);
    cfgflags_init(&f, NULL);
    cf_config_init(&c);
    parse(&f, args, &unknown);
    CHECK_INT(cfgflags_apply(&f, &c, err), CF_OK);
    CHECK_INT(c.max_depth, 2);   /* the flag wins */
    CHECK_INT(c.max_pages, 100); /* the file's */
    cf_config_cleanup(&c);
    cfgflags_cleanup(&f);
    unlink(path);
}

static void test_command_options_pass_through(void)
{
    static const struct option mine[] = {
        {"crawl", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    const char *args[] = {"x", "--crawl", "n", "--max-pages", "5", NULL};
    struct cfgflags f;
    int unknown;

    cfgflags_init(&f, mine);
    parse(&f, args, &unknown);
    CHECK_INT(unknown, 1); /* --crawl is the command's own */
    CHECK_INT((long long)f.nsets, 1);
    cfgflags_cleanup(&f);
    cfgflags_init(&f, mine);
    CHECK(!cfgflags_given(&f));
    cfgflags_cleanup(&f);
}

int main(void)
{
    test_every_field_has_a_flag();
    test_values();
    test_word_flag();
    test_bad_values();
    test_file_then_flags();
    test_command_options_pass_through();
    return test_summary("test_cfgflags");
}
