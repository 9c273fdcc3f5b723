/* The program's own library. lib_name() is also defined by the preloaded libpre.so,
 * which ld.so searches first: nothing in the program calls it before the patch. */
__attribute__((noipa)) const char *lib_name(void)
{
	return "libldapp.so";
}

__attribute__((noipa)) int app_version(void)
{
	return 1;
}
