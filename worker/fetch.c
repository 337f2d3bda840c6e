/* fetch.c - curl multi-socket driven by libevent. */
#include "fetch.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "alloc.h"
#include "clock.h"
#include "frontier.h"
#include "log.h"

#define FREE_EASY_MAX 1024
#define FETCH_READ_BUF 65536L /* bytes curl reads from a socket at once */
/* most of a body allocated ahead from its Content-Length: past it the
 * buffer grows as data comes, so a length that lies costs no memory */
#define FETCH_RESERVE_MAX (4u << 20)

/* An address fetch_set_public lets through. */
struct public_addr {
    int family;       /* AF_INET or AF_INET6 */
    uint8_t addr[16]; /* in network order */
};

struct fetch {
    struct event_base *base;  /* the loop */
    CURLM *multi;             /* one multi handle for everything */
    struct event *timer;      /* curl's timeout */
    CURL **free_easy;         /* easy handles ready for reuse */
    size_t nfree;             /* entries in free_easy */
    struct fetch_stats st;    /* counters */
    struct public_addr public_[FETCH_PUBLIC_MAX]; /* guard exceptions */
    size_t npublic;
    struct fetch_sock **socks; /* by fd: the sockets curl ever watched */
    size_t nsocks;             /* entries in socks */
};

/* Per socket curl has told of, in f->socks by fd until curl closes it.
 *
 * curl stops watching a keep-alive connection when its transfer ends
 * (CURL_POLL_REMOVE) and asks for it again when the next transfer takes
 * it from the cache, for nearly every page of a crawl: an event freed
 * and made again cost an epoll_ctl DEL and ADD a page (rust-doc, strace
 * -c). Here read interest outlives the REMOVE (the socket is "parked"):
 * a transfer that takes the connection again costs no system call. A
 * parked socket that turns readable (the server closed it, say) loses
 * its read interest then, without curl hearing of it: curl checks a
 * connection it reuses itself. Write interest never outlives a REMOVE
 * (a writable socket would wake the loop at every turn). Everything is
 * dropped when curl closes the socket (CURLOPT_CLOSESOCKETFUNCTION),
 * before the close, so that libevent never holds a closed fd whose
 * number a new socket may take. Only connections are parked: those made
 * by open_socket, which curl closes through that callback. Its threaded
 * resolver also has a socket watched (a socketpair), which it closes
 * itself after a REMOVE: such a socket loses all interest at the REMOVE,
 * as before. A new connection's fd clears whatever its entry held (that
 * number's socket was closed, or the kernel would not give it out). */
struct fetch_sock {
    struct fetch *f;          /* owner */
    struct event *rev;        /* readable: persistent */
    struct event *wev;        /* writable: persistent */
    int reading, writing;     /* rev, wev added */
    int parked;               /* curl said REMOVE: not curl's to hear of */
    int conn;                 /* a connection made by open_socket */
    curl_socket_t fd;
};

/* ---- SSRF guard ------------------------------------------------------- */

static int v4_private(uint32_t a)
{
    static const struct { uint32_t net, mask; } nets[] = {
        {0x00000000, 0xff000000}, /* 0/8 "this network", unspecified */
        {0x0a000000, 0xff000000}, /* 10/8 */
        {0x64400000, 0xffc00000}, /* 100.64/10 shared address space */
        {0x7f000000, 0xff000000}, /* 127/8 loopback */
        {0xa9fe0000, 0xffff0000}, /* 169.254/16 link-local */
        {0xac100000, 0xfff00000}, /* 172.16/12 */
        {0xc0000000, 0xffffff00}, /* 192.0.0/24 IETF protocol assignments */
        {0xc0000200, 0xffffff00}, /* 192.0.2/24 documentation */
        {0xc0a80000, 0xffff0000}, /* 192.168/16 */
        {0xc6120000, 0xfffe0000}, /* 198.18/15 benchmarking */
        {0xc6336400, 0xffffff00}, /* 198.51.100/24 documentation */
        {0xcb007100, 0xffffff00}, /* 203.0.113/24 documentation */
        {0xe0000000, 0xf0000000}, /* 224/4 multicast */
        {0xf0000000, 0xf0000000}, /* 240/4 reserved, broadcast */
    };
    size_t i;

    for (i = 0; i < sizeof(nets) / sizeof(nets[0]); i++)
        if ((a & nets[i].mask) == nets[i].net)
            return 1;
    return 0;
}

static uint32_t v4_at(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
           b[3];
}

int fetch_addr_private(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        return v4_private(ntohl(s4->sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        const struct in6_addr *a = &s6->sin6_addr;
        const uint8_t *b = a->s6_addr;
        static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b};

        if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a))
            return 1;
        /* IPv4 inside: ::ffff:0:0/96 mapped, ::/96 compatible, NAT64
         * 64:ff9b::/96 (RFC 6052) and 6to4 2002::/16 (RFC 3056) reach the
         * IPv4 address they carry */
        if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a) ||
            memcmp(b, nat64, sizeof(nat64)) == 0)
            return v4_private(v4_at(b + 12));
        if (b[0] == 0x20 && b[1] == 0x02)
            return v4_private(v4_at(b + 2));
        if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
            b[4] == 0 && b[5] == 1)                /* 64:ff9b:1::/48 local */
            return 1;
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
            return 1;                              /* 2001:db8::/32 docs */
        if ((b[0] & 0xfe) == 0xfc)                 /* fc00::/7 */
            return 1;
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* fe80::/10 */
            return 1;
        if (b[0] == 0xff)                          /* ff00::/8 */
            return 1;
        return 0;
    }
    return 1; /* unknown families are refused */
}

/* An address the guard lets through although it is private (the
 * CF_SSRF_PUBLIC test hook). */
static int addr_listed(const struct fetch *f, const struct sockaddr *sa)
{
    for (size_t i = 0; i < f->npublic; i++) {
        const struct public_addr *p = &f->public_[i];
        if (sa->sa_family == AF_INET && p->family == AF_INET &&
            memcmp(&((const struct sockaddr_in *)sa)->sin_addr, p->addr, 4) ==
                0)
            return 1;
        if (sa->sa_family == AF_INET6 && p->family == AF_INET6 &&
            memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, p->addr,
                   16) == 0)
            return 1;
    }
    return 0;
}

int fetch_set_public(struct fetch *f, const char *list, char *errstr)
{
    char *copy = cf_strdup(list), *save = NULL, *tok;
    int rc = CF_OK;

    f->npublic = 0;
    for (tok = strtok_r(copy, ", ", &save); tok;
         tok = strtok_r(NULL, ", ", &save)) {
        struct public_addr *p;

        if (f->npublic == FETCH_PUBLIC_MAX) {
            snprintf(errstr, CF_ERRSTR_LEN, "more than %d addresses",
                     FETCH_PUBLIC_MAX);
            rc = CF_EINVAL;
            break;
        }
        p = &f->public_[f->npublic];
        if (inet_pton(AF_INET, tok, p->addr) == 1) {
            p->family = AF_INET;
        } else if (inet_pton(AF_INET6, tok, p->addr) == 1) {
            p->family = AF_INET6;
        } else {
            snprintf(errstr, CF_ERRSTR_LEN, "not an IP address: '%.64s'",
                     tok);
            rc = CF_EINVAL;
            break;
        }
        f->npublic++;
    }
    free(copy);
    if (rc != CF_OK)
        f->npublic = 0;
    return rc;
}

/* An address as text ("127.0.0.1", "::1"), for messages. */
static void fetch_addr_text(const struct sockaddr *sa, char *out, size_t len)
{
    const void *p = NULL;

    if (sa->sa_family == AF_INET)
        p = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (sa->sa_family == AF_INET6)
        p = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (!p || !inet_ntop(sa->sa_family, p, out, (socklen_t)len))
        snprintf(out, len, "?");
}

static struct fetch_sock *sock_of(struct fetch *f, curl_socket_t fd);
static void sock_want(struct fetch_sock *s, int read, int write);

static curl_socket_t open_socket(void *clientp, curlsocktype purpose,
                                 struct curl_sockaddr *a)
{
    struct fetch_xfer *x = clientp;
    curl_socket_t fd;

    if (purpose == CURLSOCKTYPE_IPCXN && !x->allow_private &&
        fetch_addr_private(&a->addr) && !(x->f && addr_listed(x->f, &a->addr))) {
        x->blocked = 1;
        fetch_addr_text(&a->addr, x->blocked_addr, sizeof(x->blocked_addr));
        if (x->f)
            x->f->st.blocked++;
        return CURL_SOCKET_BAD;
    }
    fd = socket(a->family, a->socktype, a->protocol);
    if (fd >= 0 && x->f) {
        struct fetch_sock *s = sock_of(x->f, fd);

        sock_want(s, 0, 0); /* a closed socket's, if any */
        s->parked = 0;
        s->conn = 1;
    }
    return fd;
}

/* ---- callbacks from curl --------------------------------------------- */

int fetch_is_html(const char *ct)
{
    size_t n;

    if (!ct)
        return 1;
    while (*ct == ' ')
        ct++;
    n = strcspn(ct, "; ");
    return (n == 9 && strncasecmp(ct, "text/html", 9) == 0) ||
           (n == 21 && strncasecmp(ct, "application/xhtml+xml", 21) == 0);
}

/* One header line of a response (curl calls this per line, CRLF
 * included, for every response of a transfer: a status line starts the
 * next one). Keeps the block as received and the values the result
 * reports. */
static const struct {
    const char *name;
    size_t off; /* of the char * in struct fetch_xfer */
} head_fields[] = {
    {"last-modified", offsetof(struct fetch_xfer, last_modified)},
    {"etag", offsetof(struct fetch_xfer, etag)},
    {"content-length", offsetof(struct fetch_xfer, content_length)},
    {"content-language", offsetof(struct fetch_xfer, content_language)},
    {"location", offsetof(struct fetch_xfer, location)},
    {"content-encoding", offsetof(struct fetch_xfer, content_encoding)},
};
#define NHEAD_FIELDS (sizeof(head_fields) / sizeof(head_fields[0]))

static void head_reset(struct fetch_xfer *x)
{
    cf_buf_reset(&x->head);
    for (size_t i = 0; i < NHEAD_FIELDS; i++) {
        char **v = (char **)((char *)x + head_fields[i].off);
        free(*v);
        *v = NULL;
    }
}

int fetch_content_length_ok(const char *prev, const char *s, size_t n,
                            char *why, size_t len)
{
    int64_t first = -1, v = 0, pv = 0;
    size_t i = 0, k;

    /* items separated by commas, blanks around each */
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        for (k = i, v = 0; k < n && s[k] >= '0' && s[k] <= '9'; k++)
            if (k - i < FETCH_CL_DIGITS)
                v = v * 10 + (s[k] - '0');
        if (k == i) {
            snprintf(why, len, "Content-Length not a number: '%.40s'", s);
            return -1;
        }
        if (k - i > FETCH_CL_DIGITS) {
            snprintf(why, len, "Content-Length out of range: '%.40s'", s);
            return -1;
        }
        if (first >= 0 && v != first) {
            snprintf(why, len, "Content-Length lists different values: "
                               "'%.40s'", s);
            return -1;
        }
        first = v;
        while (k < n && (s[k] == ' ' || s[k] == '\t'))
            k++;
        if (k == n)
            break;
        if (s[k] != ',') {
            snprintf(why, len, "Content-Length not a number: '%.40s'", s);
            return -1;
        }
        i = k + 1;
    }
    if (prev) {
        for (k = 0; prev[k] >= '0' && prev[k] <= '9' &&
                    k < FETCH_CL_DIGITS; k++)
            pv = pv * 10 + (prev[k] - '0');
        if (pv != first) {
            snprintf(why, len, "two different Content-Length values: %lld "
                               "and %lld", (long long)pv, (long long)first);
            return -1;
        }
    }
    return 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct fetch_xfer *x = arg;
    size_t len = size * n, k, e;

    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
        head_reset(x);
    /* over the cap the rest is dropped: the fields below still count */
    cf_buf_add(&x->head, p, len);
    for (size_t i = 0; i < NHEAD_FIELDS; i++) {
        k = strlen(head_fields[i].name);
        if (len > k && p[k] == ':' &&
            strncasecmp(p, head_fields[i].name, k) == 0) {
            char **v = (char **)((char *)x + head_fields[i].off);
            size_t b = k + 1;

            while (b < len && (p[b] == ' ' || p[b] == '\t'))
                b++;
            e = len;
            while (e > b && (p[e - 1] == '\r' || p[e - 1] == '\n' ||
                             p[e - 1] == ' ' || p[e - 1] == '\t'))
                e--;
            /* curl reads the first number and lets the rest go: a
             * message whose length is in doubt is broken (RFC 9112
             * 6.3), and stopped here (curl: CURLE_WRITE_ERROR) */
            if (v == &x->content_length) {
                char *val = cf_strndup(p + b, e - b);
                int bad = fetch_content_length_ok(*v, val, e - b, x->why,
                                                  sizeof(x->why));

                free(val);
                if (bad)
                    return 0;
            }
            free(*v);
            *v = cf_strndup(p + b, e - b);
            break;
        }
    }
    return len;
}

/* The request as sent (curl's debug callback, only with keep_request):
 * the last request's headers. */
static int on_debug(CURL *e, curl_infotype type, char *p, size_t n,
                    void *arg)
{
    struct fetch_xfer *x = arg;

    (void)e;
    if (type == CURLINFO_HEADER_OUT) {
        cf_buf_reset(&x->req_head);
        cf_buf_add(&x->req_head, p, n);
    }
    return 0;
}

int fetch_type_wanted(const char *types, const char *ct)
{
    size_t n, k;
    const char *slash;

    if (!ct || strcmp(types, "all") == 0)
        return 1;
    if (strcmp(types, "html") == 0)
        return fetch_is_html(ct);
    while (*ct == ' ')
        ct++;
    n = strcspn(ct, "; ");
    slash = memchr(ct, '/', n);
    while (*types) {
        k = strcspn(types, ",");
        if (k == n && strncasecmp(types, ct, n) == 0)
            return 1;
        /* a subtype "*" */
        if (slash && k >= 2 && types[k - 1] == '*' && types[k - 2] == '/' &&
            (size_t)(slash - ct) == k - 2 &&
            strncasecmp(types, ct, k - 2) == 0)
            return 1;
        types += k;
        if (*types == ',')
            types++;
    }
    return 0;
}

static size_t on_write(char *p, size_t size, size_t n, void *arg)
{
    struct fetch_xfer *x = arg;
    size_t len = size * n;
    size_t room;

    if (x->types && x->bytes == 0 && x->body.len == 0) {
        char *ct = NULL;
        curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
        if (!fetch_type_wanted(x->types, ct)) {
            x->not_html = 1;
            return 0; /* stop: not ours to parse */
        }
    }
    if (x->bytes == 0 && x->body.len == 0) {
        curl_off_t cl = -1;

        cf_sha1_init(&x->sha);
        /* One allocation for the whole body instead of a doubling from
         * 64 bytes (eleven reallocs and their copies for a 64 KB page:
         * 3% of the worker's instructions on rust-doc). A body that is
         * content-encoded grows past it as before. */
        curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
        if (cl > 0)
            cf_buf_reserve(&x->body, cl < FETCH_RESERVE_MAX
                                         ? (size_t)cl : FETCH_RESERVE_MAX);
    }
    x->bytes += (int64_t)len;
    if (cf_buf_add(&x->body, p, len) == 0) {
        cf_sha1_update(&x->sha, p, len);
        return len;
    }
    x->too_large = 1;
    if (x->f)
        x->f->st.too_large++;
    if (x->truncate) {
        room = x->body.cap - x->body.len;
        cf_buf_add(&x->body, p, room);
        cf_sha1_update(&x->sha, p, room);
    }
    return 0; /* abort the transfer */
}

/* CURLE_TOO_LARGE (curl 8.6) where it exists, else a code never seen */
#if LIBCURL_VERSION_NUM >= 0x080600
#define FETCH_CURLE_TOO_LARGE CURLE_TOO_LARGE
#else
#define FETCH_CURLE_TOO_LARGE CURL_LAST
#endif

static const struct {
    CURLcode code;
    enum cf_outcome outcome;
    int transient;
} curl_codes[] = {
    {CURLE_OPERATION_TIMEDOUT, CF_OUT_TIMEOUT, 1},
    {CURLE_COULDNT_RESOLVE_HOST, CF_OUT_DNS, 1},
    {CURLE_COULDNT_RESOLVE_PROXY, CF_OUT_PROXY, 1},
    {CURLE_COULDNT_CONNECT, CF_OUT_CONNECT, 1},
    {CURLE_SEND_ERROR, CF_OUT_CONNECT, 1},
    {CURLE_RECV_ERROR, CF_OUT_CONNECT, 1},
    {CURLE_GOT_NOTHING, CF_OUT_CONNECT, 1},
    {CURLE_PARTIAL_FILE, CF_OUT_PROTOCOL, 1}, /* body short of its length */
    {CURLE_HTTP2, CF_OUT_CONNECT, 1},
    {CURLE_HTTP2_STREAM, CF_OUT_CONNECT, 1},
    {CURLE_SSL_CONNECT_ERROR, CF_OUT_TLS, 0},
    {CURLE_PEER_FAILED_VERIFICATION, CF_OUT_TLS, 0},
    {CURLE_SSL_CERTPROBLEM, CF_OUT_TLS, 0},
    {CURLE_SSL_CIPHER, CF_OUT_TLS, 0},
    {CURLE_SSL_CACERT_BADFILE, CF_OUT_TLS, 0},
    {CURLE_FILESIZE_EXCEEDED, CF_OUT_TOO_LARGE, 0},
    {CURLE_TOO_MANY_REDIRECTS, CF_OUT_REDIRECT, 0},
    {CURLE_UNSUPPORTED_PROTOCOL, CF_OUT_REDIRECT, 0},
    /* a body that does not decode as its Content-Encoding says: the
     * message is broken, whatever HTML it might hold */
    {CURLE_BAD_CONTENT_ENCODING, CF_OUT_PROTOCOL, 1},
    {CURLE_WEIRD_SERVER_REPLY, CF_OUT_PROTOCOL, 1},
};

/* curl (7.88) gives one code to causes that are not one outcome; its
 * words tell them apart. A code here with none of its words keeps the
 * table's outcome above. */
static const struct {
    CURLcode code;
    const char *words;
} protocol_words[] = {
    /* a reset, or a broken answer: "Illegal or missing hexadecimal
     * sequence in chunked-encoding", "Too large response headers: 307982
     * > 307200" */
    {CURLE_RECV_ERROR, "chunk"},
    {CURLE_RECV_ERROR, "header"},
    {CURLE_RECV_ERROR, "Header"},
    /* a redirect to another scheme ("Protocol \"ftp\" not supported"),
     * or an answer that is not HTTP: "Received HTTP/0.9 when not allowed",
     * "Unsupported HTTP version in response", "Unsupported response code
     * in HTTP response" */
    {CURLE_UNSUPPORTED_PROTOCOL, "HTTP"},
};

void fetch_classify(struct fetch_xfer *x)
{
    size_t i;

    x->transient = 0;
    if (x->too_large) {
        x->outcome = CF_OUT_TOO_LARGE;
        return;
    }
    /* on_header stopped a response whose length is in doubt */
    if (x->why[0] && x->code == CURLE_WRITE_ERROR) {
        x->outcome = CF_OUT_PROTOCOL;
        x->transient = 1;
        return;
    }
    /* not_html: stopped on purpose after the headers, a whole answer */
    if (x->code == CURLE_OK || x->not_html) {
        if (x->status >= 200 && x->status < 300) {
            x->outcome = CF_OUT_OK;
        } else if (x->status >= 300 && x->status < 400 && x->redirect_url) {
            x->outcome = CF_OUT_OK;
        } else {
            x->outcome = CF_OUT_HTTP;
            x->transient = x->status == 429 || x->status >= 500;
        }
        return;
    }
    if (x->blocked && (x->code == CURLE_COULDNT_CONNECT)) {
        x->outcome = CF_OUT_BLOCKED;
        return;
    }
    x->outcome = CF_OUT_OTHER;
    for (i = 0; i < sizeof(curl_codes) / sizeof(curl_codes[0]); i++) {
        if (curl_codes[i].code == x->code) {
            x->outcome = curl_codes[i].outcome;
            x->transient = curl_codes[i].transient;
            break;
        }
    }
    /* through a proxy, every connection is to the proxy */
    if (x->proxied && x->code == CURLE_COULDNT_CONNECT)
        x->outcome = CF_OUT_PROXY;
    /* HTTP/2: a stream the server reset (RST_STREAM, "HTTP/2 stream 1 was
     * not closed cleanly: INTERNAL_ERROR") once its answer had begun is an
     * answer cut short, as "transfer closed with N bytes remaining" is
     * over HTTP/1.1; reset before any answer, it is what "Empty reply
     * from server" is there: connect (worker_https.sh makes both with
     * nginx). CURLE_HTTP2, the framing layer as a whole, stays connect:
     * no server on hand makes curl 7.88 report it. */
    if (x->code == CURLE_HTTP2_STREAM && x->status > 0)
        x->outcome = CF_OUT_PROTOCOL;
    for (i = 0; i < sizeof(protocol_words) / sizeof(protocol_words[0]);
         i++) {
        if (protocol_words[i].code == x->code &&
            strstr(x->errbuf, protocol_words[i].words)) {
            x->outcome = CF_OUT_PROTOCOL;
            x->transient = 1;
            break;
        }
    }
    /* curl 7.88 stores one header line in a buffer capped at
     * CURL_MAX_HTTP_HEADER and reports a longer one as out of memory
     * (newer curls: CURLE_TOO_LARGE); before any body byte, that is what
     * it is (a real allocation failure there is not told apart) */
    if ((x->code == CURLE_OUT_OF_MEMORY || x->code == FETCH_CURLE_TOO_LARGE) &&
        x->bytes == 0 && x->body.len == 0) {
        x->outcome = CF_OUT_PROTOCOL;
        x->transient = 1;
        snprintf(x->why, sizeof(x->why),
                 "a response header line over %d bytes (curl's cap)",
                 CURL_MAX_HTTP_HEADER);
    }
    if (x->code == CURLE_BAD_CONTENT_ENCODING)
        snprintf(x->why, sizeof(x->why), "Content-Encoding %.40s: %.110s",
                 x->content_encoding ? x->content_encoding : "(none)",
                 x->errbuf);
}

/* Every X-Robots-Tag header of the last response, one per line (a
 * value holds no newline), at most X_ROBOTS_MAX headers; NULL if none. */
#define X_ROBOTS_MAX 16
static char *x_robots_tag(CURL *easy)
{
    struct curl_header *h;
    size_t i, n = 0;
    char *out = NULL, *more;

    if (curl_easy_header(easy, "X-Robots-Tag", 0, CURLH_HEADER, -1, &h) !=
        CURLHE_OK)
        return NULL;
    n = h->amount < X_ROBOTS_MAX ? h->amount : X_ROBOTS_MAX;
    for (i = 0; i < n; i++) {
        if (curl_easy_header(easy, "X-Robots-Tag", i, CURLH_HEADER, -1,
                             &h) != CURLHE_OK)
            break;
        more = out ? cf_asprintf("%s\n%s", out, h->value)
                   : cf_strdup(h->value);
        free(out);
        out = more;
    }
    return out;
}

static void free_lists(struct fetch_xfer *x)
{
    curl_slist_free_all(x->headers);
    curl_slist_free_all(x->connect_to);
    x->headers = x->connect_to = NULL;
}

static void finish(struct fetch *f, CURL *easy, CURLcode code)
{
    struct fetch_xfer *x = NULL;
    long status = 0;
    char *s = NULL;
    curl_off_t ra = -1, pre = 0;

    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    x->code = code;
    x->status = (int)status;
    if (curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK && s)
        x->content_type = cf_strdup(s);
    s = NULL;
    if (curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &s) == CURLE_OK && s)
        x->redirect_url = cf_strdup(s);
    s = NULL;
    if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &s) == CURLE_OK && s)
        x->effective_url = cf_strdup(s);
    x->x_robots = x_robots_tag(easy);
    if (curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
        ra > 0)
        x->retry_after_ms = (int64_t)ra * 1000;
    x->done_ms = cf_wall_ms();
    x->fetch_ms = cf_mono_ms() - x->start_mono_ms;
    s = NULL;
    if (curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &s) == CURLE_OK && s)
        snprintf(x->ip, sizeof(x->ip), "%s", s);
    if (x->sha.ctx && (x->bytes > 0 || x->body.len > 0))
        cf_sha1_final_text(&x->sha, x->payload_digest);
    else if (code == CURLE_OK && !x->not_html)
        /* an empty body has a digest too */
        cf_sha1_text((const uint8_t *)"\xda\x39\xa3\xee\x5e\x6b\x4b\x0d"
                     "\x32\x55\xbf\xef\x95\x60\x18\x90\xaf\xd8\x07\x09",
                     x->payload_digest);
    x->sent_ms = x->started_ms;
    if (curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pre) ==
            CURLE_OK && pre > 0)
        x->sent_ms += (int64_t)(pre / 1000);
    fetch_classify(x);

    curl_multi_remove_handle(f->multi, easy);
    x->easy = NULL;
    x->f = NULL;
    /* Every handle is kept for the next transfer (connections stay in
     * the multi handle's cache either way). A crawl's jar turns the
     * cookie engine on with CURLOPT_COOKIEJAR set to NULL, not with
     * CURLOPT_COOKIEFILE "": curl 7.88's curl_easy_reset drops the file
     * list that COOKIEFILE builds without freeing it (17 bytes a handle,
     * LeakSanitizer in worker_headers.sh), so jar handles used to be
     * cleaned up instead, a new handle per transfer. */
    if (f->nfree < FREE_EASY_MAX) {
        curl_easy_reset(easy);
        /* a reset keeps the share: let go of the crawl's jar now */
        curl_easy_setopt(easy, CURLOPT_SHARE, NULL);
        f->free_easy[f->nfree++] = easy;
    } else {
        curl_easy_cleanup(easy);
    }
    free_lists(x);
    f->st.finished++;
    f->st.running--;
    x->cb(x, x->arg); /* x may be freed here: not touched after */
}

static void check_multi_info(struct fetch *f)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
        if (m->msg == CURLMSG_DONE)
            finish(f, m->easy_handle, m->data.result);
    }
}

static void on_event(evutil_socket_t fd, short what, void *arg)
{
    struct fetch_sock *s = arg;
    struct fetch *f = s->f;
    int action = 0, running;

    if (s->parked) {
        /* not curl's socket now: stop hearing of it until it is */
        sock_want(s, 0, 0);
        return;
    }
    if (what & EV_READ)
        action |= CURL_CSELECT_IN;
    if (what & EV_WRITE)
        action |= CURL_CSELECT_OUT;
    curl_multi_socket_action(f->multi, fd, action, &running);
    check_multi_info(f);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct fetch *f = arg;
    int running;

    (void)fd;
    (void)what;
    curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_multi_info(f);
}

/* Read and write interest of s as asked: an epoll_ctl only for what
 * changes. */
static void sock_want(struct fetch_sock *s, int read, int write)
{
    if (read && !s->reading)
        event_add(s->rev, NULL);
    else if (!read && s->reading)
        event_del(s->rev);
    if (write && !s->writing)
        event_add(s->wev, NULL);
    else if (!write && s->writing)
        event_del(s->wev);
    s->reading = read;
    s->writing = write;
}

/* The entry of fd, made on first use. */
static struct fetch_sock *sock_of(struct fetch *f, curl_socket_t fd)
{
    struct fetch_sock *s;

    if ((size_t)fd >= f->nsocks) {
        size_t n = f->nsocks ? f->nsocks : 64;

        while (n <= (size_t)fd)
            n *= 2;
        f->socks = cf_realloc(f->socks, n * sizeof(*f->socks));
        memset(f->socks + f->nsocks, 0,
               (n - f->nsocks) * sizeof(*f->socks));
        f->nsocks = n;
    }
    s = f->socks[fd];
    if (!s) {
        s = cf_calloc(1, sizeof(*s));
        s->f = f;
        s->fd = fd;
        s->rev = event_new(f->base, fd, EV_READ | EV_PERSIST, on_event, s);
        s->wev = event_new(f->base, fd, EV_WRITE | EV_PERSIST, on_event, s);
        if (!s->rev || !s->wev)
            abort(); /* out of memory, as cf_malloc */
        f->socks[fd] = s;
    }
    return s;
}

static void sock_free(struct fetch_sock *s)
{
    if (!s)
        return;
    event_free(s->rev);
    event_free(s->wev);
    free(s);
}

static int sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
                   void *sockp)
{
    struct fetch *f = userp;
    struct fetch_sock *s;

    (void)easy;
    (void)sockp;
    if (fd < 0)
        return 0;
    s = sock_of(f, fd);
    if (what == CURL_POLL_REMOVE) {
        s->parked = 1;
        sock_want(s, s->conn && s->reading, 0);
        return 0;
    }
    s->parked = 0;
    sock_want(s, (what & CURL_POLL_IN) != 0, (what & CURL_POLL_OUT) != 0);
    return 0;
}

/* curl closes a socket: no interest left in it first (see fetch_sock). */
static int close_socket(void *clientp, curl_socket_t fd)
{
    struct fetch *f = clientp;

    if (fd >= 0 && (size_t)fd < f->nsocks && f->socks[fd]) {
        sock_free(f->socks[fd]);
        f->socks[fd] = NULL;
    }
    return close(fd);
}

static int timer_cb(CURLM *multi, long ms, void *userp)
{
    struct fetch *f = userp;
    struct timeval tv;

    (void)multi;
    if (ms < 0) {
        evtimer_del(f->timer);
        return 0;
    }
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    evtimer_add(f->timer, &tv);
    return 0;
}

/* ---- public ------------------------------------------------------------ */

struct fetch *fetch_new(struct event_base *base, long maxconns)
{
    struct fetch *f = cf_calloc(1, sizeof(*f));

    f->base = base;
    f->multi = curl_multi_init();
    f->timer = evtimer_new(base, on_timer, f);
    f->free_easy = cf_calloc(FREE_EASY_MAX, sizeof(*f->free_easy));
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, maxconns);
    curl_multi_setopt(f->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    return f;
}

void fetch_free(struct fetch *f)
{
    CURL **all = NULL;
    int n = 0, i;

    if (!f)
        return;
    /* curl_multi_get_handles is newer than 7.88: walk info instead */
    (void)all;
    (void)n;
    (void)i;
    for (size_t k = 0; k < f->nfree; k++)
        curl_easy_cleanup(f->free_easy[k]);
    free(f->free_easy);
    curl_multi_cleanup(f->multi); /* closes the cached connections */
    for (size_t k = 0; k < f->nsocks; k++)
        sock_free(f->socks[k]);
    free(f->socks);
    event_free(f->timer);
    free(f);
}

/* ---- extra CAs ----------------------------------------------------------- */

struct fetch_cas {
    STACK_OF(X509) *certs; /* parsed once, added to every new store */
};

/* curl's hook on each new TLS context (OpenSSL builds), after it loaded
 * the system CAs: add ours beside them. */
static CURLcode add_cas(CURL *e, void *ssl_ctx, void *arg)
{
    struct fetch_cas *cas = arg;
    X509_STORE *st = SSL_CTX_get_cert_store((SSL_CTX *)ssl_ctx);

    (void)e;
    for (int i = 0; i < sk_X509_num(cas->certs); i++)
        X509_STORE_add_cert(st, sk_X509_value(cas->certs, i)); /* a
                                   * duplicate of a system CA fails: fine */
    return CURLE_OK;
}

struct fetch_cas *fetch_cas_new(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    struct fetch_cas *cas;
    X509 *x;

    if (!bio)
        abort(); /* out of memory, as cf_malloc */
    cas = cf_calloc(1, sizeof(*cas));
    cas->certs = sk_X509_new_null();
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        sk_X509_push(cas->certs, x);
    BIO_free(bio);
    ERR_clear_error(); /* the read past the last certificate left one */
    if (sk_X509_num(cas->certs) == 0) {
        fetch_cas_free(cas);
        return NULL;
    }
    return cas;
}

void fetch_cas_free(struct fetch_cas *cas)
{
    if (!cas)
        return;
    sk_X509_pop_free(cas->certs, X509_free);
    free(cas);
}

int fetch_cas_count(const struct fetch_cas *cas)
{
    return cas ? sk_X509_num(cas->certs) : 0;
}

/* curl keeps a pointer to a list: each transfer owns its own. With
 * connect_to, "host:port:addr" becomes curl's "host:port:addr:port". */
static struct curl_slist *line_list(const char *lines, int connect_to)
{
    struct curl_slist *l = NULL;
    const char *p = lines;

    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *one = cf_strndup(p, n);
        struct curl_slist *t;

        if (connect_to) {
            const char *c1 = strchr(one, ':');
            const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
            char *ct = c2 ? cf_asprintf("%s:%.*s", one, (int)(c2 - c1 - 1),
                                        c1 + 1)
                          : cf_strdup(one);
            free(one);
            one = ct;
        }
        t = curl_slist_append(l, one);

        free(one);
        if (!t)
            abort(); /* out of memory, as cf_malloc */
        l = t;
        p += n + (nl != NULL);
    }
    return l;
}

int fetch_start(struct fetch *f, struct fetch_xfer *x,
                const struct fetch_opts *o, fetch_done_cb *cb, void *arg)
{
    CURL *e = f->nfree ? f->free_easy[--f->nfree] : curl_easy_init();
    CURLMcode mc;

    x->easy = e;
    x->f = f;
    x->cb = cb;
    x->arg = arg;
    x->allow_private = o->allow_private;
    free(x->types);
    x->types = o->types ? cf_strdup(o->types) : NULL;
    x->truncate = o->truncate;
    x->keep_request = o->keep_request;
    x->retry_after_ms = -1;
    x->started_ms = cf_wall_ms();
    x->start_mono_ms = cf_mono_ms();
    x->payload_digest[0] = '\0';
    cf_buf_init(&x->body, o->max_body);
    cf_buf_init(&x->head, FETCH_HEAD_MAX);
    cf_buf_init(&x->req_head, FETCH_HEAD_MAX);

    curl_easy_setopt(e, CURLOPT_URL, o->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    if (o->keep_request) {
        curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
        curl_easy_setopt(e, CURLOPT_DEBUGDATA, x);
        curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    }
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, f);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    /* a real page (rust-doc: 21 KB) in one read, not two or three of
     * curl's default 16 KB: 3.8 recvfrom and 4.9 poll calls a page
     * became 1.5 and 2.7 (strace -c, 5,000 rust-doc pages) */
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, FETCH_READ_BUF);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    /* Waiting for a connection that is still being made pays only where
     * it may turn out to multiplex: HTTP/2 comes with TLS here. Over
     * cleartext HTTP/1.1, curl only learns that it cannot multiplex from
     * the first response, and every other transfer to a new host would
     * queue behind it. */
    curl_easy_setopt(e, CURLOPT_PIPEWAIT,
                     strncmp(o->url, "https:", 6) == 0 ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, o->follow ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, o->max_redirects);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    if (o->low_speed_bps > 0 && o->low_speed_ms > 0) {
        long secs = (o->low_speed_ms + 999) / 1000;
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bps);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, secs);
    }
    if (o->user_agent)
        curl_easy_setopt(e, CURLOPT_USERAGENT, o->user_agent);
    x->proxied = o->proxy && *o->proxy;
    if (x->proxied)
        curl_easy_setopt(e, CURLOPT_PROXY, o->proxy);
    x->headers = line_list(o->headers, 0);
    if (x->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    x->connect_to = line_list(o->resolve, 1);
    if (x->connect_to)
        curl_easy_setopt(e, CURLOPT_CONNECT_TO, x->connect_to);
    if (o->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (o->cas) {
        curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, add_cas);
        curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, o->cas);
    }
    curl_easy_setopt(e, CURLOPT_SHARE, o->jar);
    if (o->jar)
        /* the cookie engine on, no file read or written (see finish) */
        curl_easy_setopt(e, CURLOPT_COOKIEJAR, NULL);
    x->errbuf[0] = '\0';
    x->why[0] = '\0';

    mc = curl_multi_add_handle(f->multi, e);
    if (mc != CURLM_OK) {
        snprintf(x->errbuf, sizeof(x->errbuf), "%s",
                 curl_multi_strerror(mc));
        curl_easy_cleanup(e);
        free_lists(x);
        x->easy = NULL;
        x->f = NULL;
        return CF_ERR;
    }
    f->st.started++;
    f->st.running++;
    return 0;
}

void fetch_abort(struct fetch_xfer *x)
{
    if (!x->easy || !x->f)
        return;
    curl_multi_remove_handle(x->f->multi, x->easy);
    curl_easy_cleanup(x->easy);
    free_lists(x);
    x->f->st.running--;
    x->easy = NULL;
    x->f = NULL;
}

void fetch_xfer_cleanup(struct fetch_xfer *x)
{
    if (!x)
        return;
    fetch_abort(x);
    cf_buf_cleanup(&x->body);
    head_reset(x);
    cf_buf_cleanup(&x->head);
    cf_buf_cleanup(&x->req_head);
    cf_sha1_cleanup(&x->sha);
    free(x->types);
    x->types = NULL;
    free(x->content_type);
    free(x->x_robots);
    x->x_robots = NULL;
    free(x->redirect_url);
    free(x->effective_url);
    x->content_type = x->redirect_url = x->effective_url = NULL;
}

const struct fetch_stats *fetch_stats(const struct fetch *f)
{
    return &f->st;
}

/* ---- cookie jars ------------------------------------------------------- */

CURLSH *fetch_jar_new(void)
{
    CURLSH *sh = curl_share_init();

    if (!sh)
        abort(); /* out of memory, as cf_malloc */
    curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
    return sh;
}

int fetch_jar_load(CURLSH *jar, const char *lines)
{
    CURL *e = curl_easy_init();
    const char *p = lines;
    int rc = 0;

    if (!e)
        return CF_ERR;
    curl_easy_setopt(e, CURLOPT_SHARE, jar);
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *one = cf_strndup(p, n);

        if (curl_easy_setopt(e, CURLOPT_COOKIELIST, one) != CURLE_OK)
            rc = CF_ERR;
        free(one);
        p += n + (nl != NULL);
    }
    curl_easy_cleanup(e);
    return rc;
}

void fetch_jar_free(CURLSH *jar)
{
    if (jar)
        curl_share_cleanup(jar);
}
