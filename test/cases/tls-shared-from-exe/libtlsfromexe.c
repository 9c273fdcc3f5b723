/* The library of the `tls-shared-from-exe` case: it only owns the TLS variable. The
 * executable reaches it in the initial-exec model through a GOT slot of its own, which
 * ld.so fills through the dynamic symbol (R_X86_64_TPOFF64 against lib_tls). */
__thread int lib_tls __attribute__((tls_model("initial-exec")));

__attribute__((noipa)) int lib_tls_get(void)
{
	return lib_tls;
}
