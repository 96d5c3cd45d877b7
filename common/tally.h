/* common/tally.h — refusals of unauthenticated clients counted in memory per source and time
 * window, taken out as one summary per source and window (one audit row, one log line), never one
 * per request. Bounded: at most `sources` sources are counted apart; the refusals of any further
 * source are summed under the source "*" until a flush makes room.
 * Owns: struct tally (fixed table). Thread-safety: every function takes its mutex. */
#ifndef COMMON_TALLY_H
#define COMMON_TALLY_H

#include <stddef.h>
#include <time.h>

#define TALLY_REASONS 6 /* reasons counted apart per source; the rest count as "other" */
#define TALLY_SOURCE_MAX 48
#define TALLY_TEXT_MAX 512 /* tally_format output, with room */

struct tally_entry {
    char source[TALLY_SOURCE_MAX];
    time_t first, last; /* first and last refusal counted */
    unsigned long count;
    const char *reason[TALLY_REASONS]; /* static strings given to tally_add */
    unsigned long reason_count[TALLY_REASONS];
    unsigned long other;
};

struct tally;
/* window_s: a source's window opens at its first refusal and closes window_s seconds later (its
 * summary is then taken by the next tally_take). NULL when out of memory. */
struct tally *tally_new(size_t sources, int window_s);
void tally_free(struct tally *t);
/* Count one refusal of source for reason (a string literal or other static text). */
void tally_add(struct tally *t, const char *source, const char *reason, time_t now);
/* Take the windows closed by now (every window when all is set) into *out (malloc'd, caller
 * frees; NULL when none) and forget them. Returns how many. */
size_t tally_take(struct tally *t, time_t now, int all, struct tally_entry **out);
/* Put summaries back (a failed audit write): merged into the current counts. */
void tally_put_back(struct tally *t, const struct tally_entry *e, size_t n);
/* "source=... count=N window_s=W first=... last=... reasons=r1:n1,r2:n2" into out (n bytes);
 * values with spaces are never produced (times are ISO 8601 UTC). Returns out. */
char *tally_format(const struct tally *t, const struct tally_entry *e, char *out, size_t n);
/* Total refusals counted since creation (taken or not). */
unsigned long tally_total(struct tally *t);

#endif
