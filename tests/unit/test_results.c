/* test_results.c - coordinator/results.c: results as JSON and CSV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"
#include "test.h"

/* struct cf_result holds char *; the tests fill it with literals. */
#define S(x) ((char *)(x))

static char *dump(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);

    json_decref(o);
    return s;
}

static char *csv(const struct cf_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    export_csv_row(f, r);
    fclose(f);
    return buf;
}

static void test_json(void)
{
    char *links[] = {S("http://a/x"), S("http://a/y")};
    struct cf_result r;
    char *s;

    memset(&r, 0, sizeof(r));
    r.url = S("http://a/");
    r.status = 200;
    r.content_type = S("text/html");
    r.bytes = 1234;
    r.title = S("Say \"hi\"\n");
    r.depth = 2;
    r.nlinks = 7;
    r.fetch_ms = 12;
    r.worker = S("w1");
    r.error_type = S("ok");
    r.started_ms = 1000;
    r.done_ms = 1012;
    r.attempts = 1;
    s = dump(export_result_json(&r));
    CHECK_STR(s, "{\"url\":\"http://a/\",\"final_url\":null,\"status\":200,"
                 "\"content_type\":\"text/html\",\"bytes\":1234,\"title\":"
                 "\"Say \\\"hi\\\"\\n\",\"depth\":2,\"links\":7,\"fetch_ms\":"
                 "12,\"worker\":\"w1\",\"error_type\":\"ok\",\"error\":null,"
                 "\"started_ms\":1000,\"done_ms\":1012,\"attempts\":1}");
    free(s);
    r.outlinks = links;
    r.noutlinks = 2;
    s = dump(export_result_json(&r));
    CHECK(strstr(s, "\"outlinks\":[\"http://a/x\",\"http://a/y\"]") != NULL);
    free(s);
    /* invalid UTF-8 in a title still gives a string */
    r.outlinks = NULL;
    r.title = S("caf\xe9");
    s = dump(export_result_json(&r));
    CHECK(strstr(s, "\"title\":\"caf?\"") != NULL);
    free(s);
}

static void test_csv(void)
{
    struct cf_result r;
    char *s;

    memset(&r, 0, sizeof(r));
    r.url = S("http://a/?q=1,2");
    r.status = 404;
    r.title = S("He said \"no\"");
    r.error_type = S("http");
    r.error = S("HTTP 404");
    r.attempts = 1;
    s = csv(&r);
    CHECK_STR(s, "\"http://a/?q=1,2\",,404,,0,\"He said \"\"no\"\"\",0,0,0,,"
                 "http,HTTP 404,0,0,1\n");
    free(s);
}

static void test_format_parse(void)
{
    enum export_format f;

    CHECK(export_format_parse("jsonl", &f) == 0 && f == EXPORT_JSONL);
    CHECK(export_format_parse("csv", &f) == 0 && f == EXPORT_CSV);
    CHECK(export_format_parse("xml", &f) == -1);
}

int main(void)
{
    test_json();
    test_csv();
    test_format_parse();
    return test_summary("test_results");
}
