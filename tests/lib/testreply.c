/* testreply.c - see testreply.h. */
#include "testreply.h"

#include "err.h"
#include "frontier.h"

long long testreply_int(redisReply *r)
{
    long long v = -999;

    if (r && r->type == REDIS_REPLY_INTEGER)
        v = r->integer;
    freeReplyObject(r);
    return v;
}

long long testreply_ack(redisReply *r)
{
    char errstr[CF_ERRSTR_LEN];
    int acc = 0;
    long long v = -999;

    if (r && cf_frontier_ack_parse(r, 1, &acc, errstr) == 0)
        v = acc;
    freeReplyObject(r);
    return v;
}
