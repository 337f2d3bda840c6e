/* test_fetch.c - the fetch module's pure parts: the SSRF guard's address
 * classes, the outcome table and the HTML content-type check. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "fetch.h"
#include "test.h"

/* 1 private, 0 public, -1 not an address (test bug). */
static int addr_private(const char *text)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, text, &s4->sin_addr) == 1)
        s4->sin_family = AF_INET;
    else if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1)
        s6->sin6_family = AF_INET6;
    else
        return -1;
    return fetch_addr_private((struct sockaddr *)&ss);
}

static void test_ssrf(void)
{
    static const struct {
        const char *addr;
        int private_;
    } cases[] = {
        {"127.0.0.1", 1},        {"127.255.255.254", 1},
        {"10.1.2.3", 1},         {"172.16.0.1", 1},
        {"172.31.255.255", 1},   {"172.32.0.1", 0},
        {"172.15.255.255", 0},   {"192.168.1.1", 1},
        {"192.169.0.1", 0},      {"169.254.169.254", 1},
        {"100.64.0.1", 1},       {"100.127.255.255", 1},
        {"100.128.0.1", 0},      {"0.0.0.0", 1},
        {"0.1.2.3", 1},          {"224.0.0.1", 1},
        {"239.255.255.250", 1},  {"240.0.0.1", 1},
        {"255.255.255.255", 1},  {"8.8.8.8", 0},
        {"1.1.1.1", 0},          {"93.184.216.34", 0},
        {"11.0.0.1", 0},         {"126.255.255.255", 0},
        {"::", 1},               {"::1", 1},
        {"fe80::1", 1},          {"febf::1", 1},
        {"fec0::1", 0},          {"fc00::1", 1},
        {"fd12:3456::1", 1},     {"ff02::1", 1},
        {"::ffff:127.0.0.1", 1}, {"::ffff:10.0.0.1", 1},
        {"::ffff:8.8.8.8", 0},   {"::127.0.0.1", 1},
        {"2001:4860:4860::8888", 0}, {"2606:4700::1111", 0},
        /* IPv4 inside IPv6: NAT64 (RFC 6052), 6to4 (RFC 3056), mapped */
        {"64:ff9b::7f00:1", 1},  {"64:ff9b::a00:1", 1},
        {"64:ff9b::c0a8:101", 1}, {"64:ff9b::a9fe:a9fe", 1},
        {"64:ff9b::808:808", 0}, {"64:ff9b::", 1},
        {"64:ff9b:1::1", 1},     {"64:ff9b:2::1", 0},
        {"2002:7f00:1::1", 1},   {"2002:c0a8:101::1", 1},
        {"2002:a9fe:a9fe::", 1}, {"2002:808:808::1", 0},
        {"::ffff:169.254.169.254", 1}, {"::ffff:0.0.0.0", 1},
        {"::ffff:192.168.0.1", 1}, {"::ffff:100.64.0.1", 1},
        {"::ffff:1.1.1.1", 0},   {"::ffff:7f00:1", 1},
        {"0:0:0:0:0:0:0:1", 1},  {"0:0:0:0:0:0:0:0", 1},
        {"::8.8.8.8", 0},        {"::10.0.0.1", 1},
        {"fe80::1ff:fe23:4567:890a", 1}, {"fdff:ffff::1", 1},
        {"fbff::1", 0},          {"ff05::2", 1},
        {"2001:db8::1", 1},      {"2001:db9::1", 0},
        /* reserved IPv4 ranges */
        {"192.0.0.8", 1},        {"192.0.2.1", 1},
        {"192.0.3.1", 0},        {"198.18.0.1", 1},
        {"198.19.255.255", 1},   {"198.20.0.1", 0},
        {"198.51.100.7", 1},     {"203.0.113.9", 1},
        {"203.0.114.1", 0},      {"10.255.255.255", 1},
        {"9.255.255.255", 0},    {"127.0.0.0", 1},
        {"128.0.0.1", 0},        {"169.253.255.255", 0},
        {"169.255.0.1", 0},      {"223.255.255.255", 0},
    };
    struct sockaddr sa;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = addr_private(cases[i].addr);

        CHECKF(got == cases[i].private_, "%s: private %d, want %d",
               cases[i].addr, got, cases[i].private_);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_family = AF_UNIX;
    CHECK_INT(fetch_addr_private(&sa), 1); /* unknown families refused */
}

static void test_classify(void)
{
    static const struct {
        CURLcode code;
        int status, redirect, not_html, too_large, blocked;
        enum cf_outcome outcome;
        int transient;
    } cases[] = {
        {CURLE_OK, 200, 0, 0, 0, 0, CF_OUT_OK, 0},
        {CURLE_OK, 204, 0, 0, 0, 0, CF_OUT_OK, 0},
        {CURLE_OK, 301, 1, 0, 0, 0, CF_OUT_OK, 0},
        {CURLE_OK, 302, 0, 0, 0, 0, CF_OUT_HTTP, 0}, /* no Location */
        {CURLE_OK, 304, 0, 0, 0, 0, CF_OUT_HTTP, 0},
        {CURLE_OK, 404, 0, 0, 0, 0, CF_OUT_HTTP, 0},
        {CURLE_OK, 410, 0, 0, 0, 0, CF_OUT_HTTP, 0},
        {CURLE_OK, 429, 0, 0, 0, 0, CF_OUT_HTTP, 1},
        {CURLE_OK, 500, 0, 0, 0, 0, CF_OUT_HTTP, 1},
        {CURLE_OK, 503, 0, 0, 0, 0, CF_OUT_HTTP, 1},
        {CURLE_OK, 599, 0, 0, 0, 0, CF_OUT_HTTP, 1},
        {CURLE_OK, 100, 0, 0, 0, 0, CF_OUT_HTTP, 0},
        {CURLE_WRITE_ERROR, 200, 0, 1, 0, 0, CF_OUT_OK, 0},
        {CURLE_WRITE_ERROR, 404, 0, 1, 0, 0, CF_OUT_HTTP, 0},
        {CURLE_WRITE_ERROR, 200, 0, 0, 1, 0, CF_OUT_TOO_LARGE, 0},
        {CURLE_COULDNT_CONNECT, 0, 0, 0, 0, 1, CF_OUT_BLOCKED, 0},
        {CURLE_COULDNT_CONNECT, 0, 0, 0, 0, 0, CF_OUT_CONNECT, 1},
        {CURLE_OPERATION_TIMEDOUT, 0, 0, 0, 0, 0, CF_OUT_TIMEOUT, 1},
        {CURLE_OPERATION_TIMEDOUT, 200, 0, 0, 0, 0, CF_OUT_TIMEOUT, 1},
        {CURLE_COULDNT_RESOLVE_HOST, 0, 0, 0, 0, 0, CF_OUT_DNS, 1},
        {CURLE_RECV_ERROR, 0, 0, 0, 0, 0, CF_OUT_CONNECT, 1},
        {CURLE_GOT_NOTHING, 0, 0, 0, 0, 0, CF_OUT_CONNECT, 1},
        {CURLE_PARTIAL_FILE, 200, 0, 0, 0, 0, CF_OUT_PROTOCOL, 1},
        {CURLE_WEIRD_SERVER_REPLY, 0, 0, 0, 0, 0, CF_OUT_PROTOCOL, 1},
        {CURLE_COULDNT_RESOLVE_PROXY, 0, 0, 0, 0, 0, CF_OUT_PROXY, 1},
        {CURLE_PEER_FAILED_VERIFICATION, 0, 0, 0, 0, 0, CF_OUT_TLS, 0},
        {CURLE_SSL_CONNECT_ERROR, 0, 0, 0, 0, 0, CF_OUT_TLS, 0},
        {CURLE_TOO_MANY_REDIRECTS, 301, 0, 0, 0, 0, CF_OUT_REDIRECT, 0},
        {CURLE_UNSUPPORTED_PROTOCOL, 0, 0, 0, 0, 0, CF_OUT_REDIRECT, 0},
        {CURLE_BAD_CONTENT_ENCODING, 200, 0, 0, 0, 0, CF_OUT_PROTOCOL, 1},
        {CURLE_FILESIZE_EXCEEDED, 200, 0, 0, 0, 0, CF_OUT_TOO_LARGE, 0},
        /* a header line over curl's cap (no body byte yet) */
        {CURLE_OUT_OF_MEMORY, 200, 0, 0, 0, 0, CF_OUT_PROTOCOL, 1},
        {CURLE_PARTIAL_FILE, 0, 0, 0, 0, 0, CF_OUT_PROTOCOL, 1},
        {CURLE_BAD_DOWNLOAD_RESUME, 0, 0, 0, 0, 0, CF_OUT_OTHER, 0},
    };
    static char loc[] = "http://a.test/";
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fetch_xfer x;

        memset(&x, 0, sizeof(x));
        x.code = cases[i].code;
        x.status = cases[i].status;
        x.redirect_url = cases[i].redirect ? loc : NULL;
        x.not_html = cases[i].not_html;
        x.too_large = cases[i].too_large;
        x.blocked = cases[i].blocked;
        x.transient = 7; /* must be overwritten */
        fetch_classify(&x);
        CHECKF(x.outcome == cases[i].outcome &&
                   x.transient == cases[i].transient,
               "case %zu (curl %d, HTTP %d): %s transient %d, want %s %d",
               i, (int)cases[i].code, cases[i].status,
               cf_outcome_name(x.outcome), x.transient,
               cf_outcome_name(cases[i].outcome), cases[i].transient);
    }
}

/* The codes curl gives to more than one cause, told apart by its words
 * (curl 7.88's messages, as the raw fixture draws them), and the
 * responses fetch itself stopped. */
static void test_classify_words(void)
{
    static const struct {
        CURLcode code;
        const char *errbuf, *why; /* why: set by on_header, or NULL */
        int64_t bytes;
        enum cf_outcome outcome;
        const char *msg; /* in x.why after, or NULL: why stays "" */
    } t[] = {
        {CURLE_RECV_ERROR, "Illegal or missing hexadecimal sequence in "
                           "chunked-encoding", NULL, 0, CF_OUT_PROTOCOL, NULL},
        {CURLE_RECV_ERROR, "Too large response headers: 307982 > 307200",
         NULL, 0, CF_OUT_PROTOCOL, NULL},
        {CURLE_RECV_ERROR, "Recv failure: Connection reset by peer", NULL, 0,
         CF_OUT_CONNECT, NULL},
        {CURLE_UNSUPPORTED_PROTOCOL, "Received HTTP/0.9 when not allowed",
         NULL, 0, CF_OUT_PROTOCOL, NULL},
        {CURLE_UNSUPPORTED_PROTOCOL, "Unsupported HTTP version in response",
         NULL, 0, CF_OUT_PROTOCOL, NULL},
        {CURLE_UNSUPPORTED_PROTOCOL,
         "Protocol \"ftp\" not supported or disabled in libcurl", NULL, 0,
         CF_OUT_REDIRECT, NULL},
        {CURLE_OUT_OF_MEMORY, "Out of memory", NULL, 0, CF_OUT_PROTOCOL,
         "a response header line over 102400 bytes (curl's cap)"},
        {CURLE_OUT_OF_MEMORY, "Out of memory", NULL, 100, CF_OUT_OTHER, NULL},
        {CURLE_BAD_CONTENT_ENCODING,
         "Error while processing content unencoding: incorrect header check",
         NULL, 12, CF_OUT_PROTOCOL,
         "Content-Encoding gzip: Error while processing content unencoding: "
         "incorrect header check"},
        {CURLE_WRITE_ERROR, "Failed writing header",
         "two different Content-Length values: 2 and 5", 0, CF_OUT_PROTOCOL,
         "two different Content-Length values: 2 and 5"},
        /* a write error of ours without a why: not a protocol error */
        {CURLE_WRITE_ERROR, "Failed writing body", NULL, 0, CF_OUT_OTHER,
         NULL},
    };
    static char gzip[] = "gzip";

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct fetch_xfer x;

        memset(&x, 0, sizeof(x));
        x.code = t[i].code;
        x.status = 200;
        x.bytes = t[i].bytes;
        x.content_encoding = gzip;
        snprintf(x.errbuf, sizeof(x.errbuf), "%s", t[i].errbuf);
        if (t[i].why)
            snprintf(x.why, sizeof(x.why), "%s", t[i].why);
        fetch_classify(&x);
        CHECKF(x.outcome == t[i].outcome &&
                   x.transient == (t[i].outcome == CF_OUT_PROTOCOL ||
                                   t[i].outcome == CF_OUT_CONNECT),
               "row %zu (curl %d \"%s\"): %s transient %d, want %s", i,
               (int)t[i].code, t[i].errbuf, cf_outcome_name(x.outcome),
               x.transient, cf_outcome_name(t[i].outcome));
        CHECKF(strcmp(x.why, t[i].msg ? t[i].msg : "") == 0,
               "row %zu: why \"%s\", want \"%s\"", i, x.why,
               t[i].msg ? t[i].msg : "");
    }
}

/* Content-Length values: one number, a list of equal ones, the same as
 * an earlier header's; anything else is refused with its reason. */
static void test_content_length(void)
{
    static const struct {
        const char *prev, *v;
        const char *why; /* NULL: sound; else the start of the reason */
    } t[] = {
        {NULL, "0", NULL},
        {NULL, "1234", NULL},
        {NULL, "000012", NULL},
        {NULL, "5, 5", NULL},
        {NULL, "5,5 ,  5", NULL},
        {NULL, "999999999999999999", NULL}, /* 18 digits */
        {"5", "5", NULL},
        {"5, 5", "5", NULL},
        {NULL, "", "Content-Length not a number: ''"},
        {NULL, "abc", "Content-Length not a number: 'abc'"},
        {NULL, "-5", "Content-Length not a number"},
        {NULL, "+5", "Content-Length not a number"},
        {NULL, "5x", "Content-Length not a number"},
        {NULL, "5 6", "Content-Length not a number"},
        {NULL, "5,", "Content-Length not a number"},
        {NULL, ",5", "Content-Length not a number"},
        {NULL, "0x10", "Content-Length not a number"},
        {NULL, "1e3", "Content-Length not a number"},
        {NULL, "1000000000000000000", "Content-Length out of range"},
        {NULL, "99999999999999999999999", "Content-Length out of range"},
        {NULL, "5, 7", "Content-Length lists different values: '5, 7'"},
        {"2", "5", "two different Content-Length values: 2 and 5"},
        {"5, 5", "7", "two different Content-Length values: 5 and 7"},
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char why[FETCH_WHY_LEN] = "";
        int rc = fetch_content_length_ok(t[i].prev, t[i].v, strlen(t[i].v),
                                         why, sizeof(why));

        if (t[i].why == NULL)
            CHECKF(rc == 0, "'%s' (after '%s'): refused: %s", t[i].v,
                   t[i].prev ? t[i].prev : "-", why);
        else
            CHECKF(rc == -1 && strncmp(why, t[i].why, strlen(t[i].why)) == 0,
                   "'%s' (after '%s'): rc %d why \"%s\", want \"%s\"",
                   t[i].v, t[i].prev ? t[i].prev : "-", rc, why, t[i].why);
    }
}

static void test_is_html(void)
{
    static const struct {
        const char *ct;
        int html;
    } cases[] = {
        {NULL, 1},
        {"text/html", 1},
        {"text/html; charset=utf-8", 1},
        {"TEXT/HTML;charset=ISO-8859-1", 1},
        {"  text/html", 1},
        {"application/xhtml+xml", 1},
        {"application/xhtml+xml; charset=utf-8", 1},
        {"text/htmlx", 0},
        {"text/plain", 0},
        {"application/pdf", 0},
        {"image/jpeg", 0},
        {"", 0},
        {"text/xml", 0},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECKF(fetch_is_html(cases[i].ct) == cases[i].html, "\"%s\"",
               cases[i].ct ? cases[i].ct : "(null)");
}

/* fetch_types: which responses are read past their headers. */
static void test_type_wanted(void)
{
    static const struct {
        const char *types, *ct;
        int want;
    } t[] = {
        {"all", "image/png", 1},
        {"html", "text/html; charset=utf-8", 1},
        {"html", "application/xhtml+xml", 1},
        {"html", "application/pdf", 0},
        {"html", NULL, 1},
        {"text/html,application/pdf", "Application/PDF", 1},
        {"text/html,application/pdf", "application/pdfx", 0},
        {"text/html,image/*", "image/jpeg", 1},
        {"text/html,image/*", "imagex/jpeg", 0},
        {"image/*", "image", 0},
        {"application/json", " application/json;q=1", 1},
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        CHECKF(fetch_type_wanted(t[i].types, t[i].ct) == t[i].want,
               "fetch_type_wanted(%s, %s) != %d", t[i].types,
               t[i].ct ? t[i].ct : "NULL", t[i].want);
}

int main(void)
{
    test_type_wanted();
    test_ssrf();
    test_classify();
    test_classify_words();
    test_content_length();
    test_is_html();
    return test_summary("test_fetch");
}
