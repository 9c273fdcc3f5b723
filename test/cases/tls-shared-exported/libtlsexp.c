/* The library of the `tls-shared-exported` case: as in `tls-shared`, but the initial-exec
 * TLS variable is exported, so another object could interpose it. Its GOT slot is then
 * filled through the dynamic symbol (R_X86_64_TPOFF64 against tls_value, addend 0), not
 * with a fixed offset (symbol 0, addend = offset) as for a static variable. */
#include <stdio.h>

__thread int tls_value __attribute__((tls_model("initial-exec")));

__attribute__((noipa)) void tls_set(int v)
{
	tls_value = v;
}

__attribute__((noipa)) int tls_get(void)
{
	return tls_value;
}

__attribute__((noipa)) void tls_report(int thread)
{
	printf("thread %d: tls UNPATCHED\n", thread);
	fflush(stdout);
}
