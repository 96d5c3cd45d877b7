/* acs/session/acs_lenient_db.c — SQL for the leniency record of a session (db/0005): the kinds on the
 * sessions row, the running count and the kinds seen on the devices row, one statement. */
#include <stdio.h>

#include "acs_db.h"
#include "err.h"

#define NUM(buf, v) (snprintf((buf), sizeof(buf), "%ld", (long)(v)), (buf))

static const char SQL_SESSION_LENIENT[] =
    "WITH s AS (UPDATE sessions SET lenient = string_to_array($2, ',') WHERE id = $1) "
    "UPDATE devices SET lenient_messages = lenient_messages + $4::bigint, "
    " lenient_kinds = ARRAY(SELECT DISTINCT k FROM unnest(lenient_kinds || string_to_array($2, ',')) k "
    "  ORDER BY k) "
    "WHERE id = $3";

int acs_db_session_lenient(struct db *db, long session_row, long device_pk, const char *kinds, int messages,
                           char **errmsg)
{
    char sb[24], pb[24], mb[24];
    const char *p[4] = {NUM(sb, session_row), kinds, NUM(pb, device_pk), NUM(mb, messages)};
    return db_run(db, SQL_SESSION_LENIENT, 4, p, errmsg) < 0 ? -ERR_DB : 0;
}
