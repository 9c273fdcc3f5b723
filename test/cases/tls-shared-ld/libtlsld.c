/* The library of the `tls-shared-ld` case: two static per-thread values in the
 * local-dynamic model, the default for -fPIC code and static `__thread`: code calls
 * __tls_get_addr with the module's GOT pair (R_X86_64_TLSLD) for the start of the
 * library's TLS block, then adds each variable's offset (R_X86_64_DTPOFF32). Only tls_set()
 * and tls_value() use them before the patch; the patched tls_report() reads both. */
#include <stdio.h>

static __thread int tls_units;
static __thread int tls_tens;

__attribute__((noipa)) void tls_set(int v)
{
	tls_units = v % 10;
	tls_tens = v / 10;
}

/* Exported, so the variables are read somewhere and gcc keeps them. */
__attribute__((noipa)) int tls_value(void)
{
	return tls_tens * 10 + tls_units;
}

__attribute__((noipa)) void tls_report(int thread)
{
	printf("thread %d: tls UNPATCHED\n", thread);
	fflush(stdout);
}
