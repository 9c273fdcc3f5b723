/* libpre.so, started with LD_PRELOAD: ld.so searches it after the executable and before
 * every other library, so its rand() hides glibc's and its lib_name() hides libldapp.so's. */
int rand(void)
{
	return 4242;
}

const char *lib_name(void)
{
	return "libpre.so";
}
