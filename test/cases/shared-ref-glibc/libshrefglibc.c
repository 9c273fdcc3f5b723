/* The library of the `shared-ref-glibc` case. Before the patch it calls only printf and
 * fflush from glibc; the patched report() calls strlen, snprintf and puts, which the
 * library never imported, so they can only be reached through the patch's jump table. */
#include <stdio.h>
#include <string.h>

__attribute__((noipa)) void report(const char *who)
{
	printf("%s: shared library UNPATCHED\n", who);
	fflush(stdout);
}
