/* testreply.h - a frontier script's reply read as one number, for the
 * integration tests. Each takes the reply over and frees it. */
#ifndef CF_TESTREPLY_H
#define CF_TESTREPLY_H

#include <hiredis/hiredis.h>

/* An integer reply's value; -999 for anything else (NULL included). */
long long testreply_int(redisReply *r);

/* A one-page ack's verdict: 1 accepted, 0 stale; -999 for anything else
 * (an error, a malformed reply, NULL). */
long long testreply_ack(redisReply *r);

#endif
