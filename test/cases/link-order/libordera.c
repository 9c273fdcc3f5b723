/* One of two libraries that both define who(); the program links libordera.so
 * FIRST, so ld.so binds who() here. */
__attribute__((noipa)) const char *who(void)
{
	return "libordera.so";
}

__attribute__((noipa)) int a_value(void)
{
	return 1;
}
