/* The library of the `tls-shared-gd` case: an exported per-thread value in the
 * global-dynamic model, the default for -fPIC code. Code reaches it by calling
 * __tls_get_addr with a GOT pair (module id, offset) that ld.so filled in
 * (R_X86_64_TLSGD). Only tls_set() and tls_get() use it before the patch; the patched
 * tls_report() reads it too, so the patch must reuse the library's own GOT pair. */
#include <stdio.h>

__thread int tls_gd_value __attribute__((tls_model("global-dynamic")));

__attribute__((noipa)) void tls_set(int v)
{
	tls_gd_value = v;
}

__attribute__((noipa)) int tls_get(void)
{
	return tls_gd_value;
}

__attribute__((noipa)) void tls_report(int thread)
{
	printf("thread %d: tls UNPATCHED\n", thread);
	fflush(stdout);
}
