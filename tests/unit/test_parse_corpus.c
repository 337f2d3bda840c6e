/* test_parse_corpus.c - the links path (htmlscan.h) against gumbo, page
 * by page, on documentation trees written by others.
 *
 * Every *.html file under each corpus is parsed twice by parse_page():
 * PARSE_TREE with the text kept whole (gumbo, the reference) and
 * PARSE_LINKS. Title, base, canonical, description, lang, meta robots,
 * every link in order and every counter must be the same. A page where they differ fails,
 * unless the links path flagged it (htmlscan.h, HTMLSCAN_APPROX_*: the
 * tree builder moved content); those are listed and counted.
 *
 * Corpora: python3.11-doc must be installed (tools/deps.sh installs it;
 * its absence is a failure, not a skip); rust-doc and postgresql-doc-15
 * are checked too where installed. CF_CORPORA="dir:dir..." replaces the
 * list (every entry then required). */
#define _GNU_SOURCE /* nftw */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "parse.h"
#include "test.h"
#include "treedump.h"

#define PAGE_BASE "http://corpus.example/"
#define SHOW_MAX 10 /* differences printed per corpus */

static const struct {
    const char *dir;
    int required;
} corpora[] = {
    {"/usr/share/doc/python3.11/html", 1},
    {"/usr/share/doc/rust-doc/html", 0},
    {"/usr/share/doc/postgresql-doc-15/html", 0},
};

static const char *root;     /* corpus being walked */
static size_t pages, differ, approx_pages, approx_differ, links, shown;
static size_t held_differ; /* pages whose held tree is not the whole one */
static char *buf;
static size_t abuf;

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* "" when a and b agree, else what differs first. */
static const char *first_diff(const struct parse_result *a,
                              const struct parse_result *b, size_t *at)
{
    *at = 0;
    if (!same_str(a->title, b->title))
        return "title";
    if (!same_str(a->base, b->base))
        return "base";
    if (!same_str(a->canonical, b->canonical))
        return "canonical";
    if (a->noindex != b->noindex || a->nofollow != b->nofollow ||
        !same_str(a->meta_robots, b->meta_robots))
        return "meta robots";
    if (!same_str(a->description, b->description))
        return "description";
    if (!same_str(a->lang, b->lang))
        return "lang";
    if (a->links_internal != b->links_internal ||
        a->links_external != b->links_external)
        return "internal/external";
    for (size_t i = 0; i < a->nlinks && i < b->nlinks; i++)
        if (strcmp(a->links[i], b->links[i]) != 0) {
            *at = i;
            return "link";
        }
    if (a->nlinks != b->nlinks)
        return "link count";
    if (memcmp(&a->stats, &b->stats, sizeof(a->stats)) != 0)
        return "counters";
    return "";
}

static int read_all(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    size_t got = 0;

    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if ((size_t)st.st_size + 1 > abuf) {
        abuf = (size_t)st.st_size + 1;
        buf = cf_realloc(buf, abuf);
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return 0;
}

static int one_page(const char *path, const struct stat *st, int type,
                    struct FTW *ftw)
{
    struct parse_opts o = {.max_links = 1000000};
    struct parse_result tree, scan, scan_held = {0};
    struct treedump held = {0}, whole = {0};
    char url[4096];
    const char *what;
    size_t len, at;

    (void)st;
    (void)ftw;
    if (type != FTW_F || strlen(path) < 5 ||
        strcmp(path + strlen(path) - 5, ".html") != 0)
        return 0;
    if (read_all(path, &len) != 0) {
        CHECKF(0, "%s: unreadable", path);
        return 0;
    }
    snprintf(url, sizeof(url), PAGE_BASE "%s", path + strlen(root) + 1);
    o.mode = PARSE_TREE;
    o.keep_text = 1;
    o.tree_cb = treedump_cb;
    o.tree_arg = &whole;
    parse_page(buf, len, url, "text/html; charset=utf-8", &o, &tree);
    parse_result_cleanup(&scan_held);
    /* the tree extraction reads: text held and put back (squeeze.h) */
    o.keep_text = 0;
    o.tree_arg = &held;
    parse_page(buf, len, url, "text/html; charset=utf-8", &o, &scan_held);
    parse_result_cleanup(&scan_held);
    if (strcmp(held.s, whole.s) != 0 && held_differ++ < SHOW_MAX)
        fprintf(stderr, "DIFF %s: the tree with held text differs\n", path);
    free(held.s);
    free(whole.s);
    o.tree_cb = NULL;
    o.mode = PARSE_LINKS;
    parse_page(buf, len, url, "text/html; charset=utf-8", &o, &scan);
    pages++;
    links += tree.nlinks;
    if (scan.approx)
        approx_pages++;
    what = first_diff(&tree, &scan, &at);
    if (*what != '\0') {
        if (scan.approx)
            approx_differ++;
        else
            differ++;
        if (shown++ < SHOW_MAX)
            fprintf(stderr,
                    "%s %s: %s differs%s (tree %zu links, scan %zu)\n"
                    "  tree: %s\n  scan: %s\n",
                    scan.approx ? "flagged" : "DIFF", path, what,
                    scan.approx ? " (flagged approximate)" : "",
                    tree.nlinks, scan.nlinks,
                    !strcmp(what, "title") ? tree.title
                    : at < tree.nlinks     ? tree.links[at]
                                           : "-",
                    !strcmp(what, "title") ? scan.title
                    : at < scan.nlinks     ? scan.links[at]
                                           : "-");
    }
    parse_result_cleanup(&tree);
    parse_result_cleanup(&scan);
    return 0;
}

static void check_corpus(const char *dir, int required)
{
    struct stat st;

    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (required)
            CHECKF(0, "%s: corpus missing (tools/deps.sh installs it)", dir);
        else
            printf("%s: not installed, not checked\n", dir);
        return;
    }
    root = dir;
    pages = differ = approx_pages = approx_differ = links = shown = 0;
    held_differ = 0;
    nftw(dir, one_page, 16, FTW_PHYS);
    printf("%s: %zu pages, %zu links; %zu differ; %zu flagged approximate, "
           "%zu of them differ\n",
           dir, pages, links, differ, approx_pages, approx_differ);
    CHECKF(pages > 0, "%s: no pages", dir);
    CHECKF(differ == 0, "%s: %zu pages differ", dir, differ);
    CHECKF(held_differ == 0, "%s: %zu pages differ with held text", dir,
           held_differ);
}

int main(void)
{
    const char *env = getenv("CF_CORPORA");

    if (env != NULL && *env != '\0') {
        char *list = cf_strdup(env), *save = NULL, *d;
        for (d = strtok_r(list, ":", &save); d != NULL;
             d = strtok_r(NULL, ":", &save))
            check_corpus(d, 1);
        free(list);
    } else {
        for (size_t i = 0; i < sizeof(corpora) / sizeof(corpora[0]); i++)
            check_corpus(corpora[i].dir, corpora[i].required);
    }
    free(buf);
    return test_summary("test_parse_corpus");
}
