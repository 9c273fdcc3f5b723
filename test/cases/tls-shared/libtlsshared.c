/* The library of the `tls-shared` case: a per-thread value in initial-exec TLS, which
 * library code reaches through a GOT slot holding its offset from the thread pointer
 * (R_X86_64_GOTTPOFF). Only tls_set() and tls_get() use it before the patch; the
 * patched tls_report() reads it too, so the patch must reuse the library's own GOT slot. */
#include <stdio.h>

static __thread int tls_value __attribute__((tls_model("initial-exec")));

__attribute__((noipa)) void tls_set(int v)
{
	tls_value = v;
}

/* Exported, so gcc keeps the variable: a TLS block of a running program cannot grow. */
__attribute__((noipa)) int tls_get(void)
{
	return tls_value;
}

__attribute__((noipa)) void tls_report(int thread)
{
	printf("thread %d: tls UNPATCHED\n", thread);
	fflush(stdout);
}
