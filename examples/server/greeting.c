/* The part of the server that the live patch changes: what GET /greeting answers.
 * It lives in its own file so that fix.patch touches one small function. */
#include <stdio.h>
#include "greeting.h"

/* Writes the whole body in one call, so a response is produced either entirely by the
 * old code or entirely by the new one: the applier only swaps functions between calls. */
void render_greeting(char *buf, size_t n)
{
	snprintf(buf, n, "hello v1\n");
}
