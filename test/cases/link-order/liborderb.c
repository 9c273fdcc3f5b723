/* One of two libraries that both define who(); the program links liborderb.so
 * SECOND: ld.so finds libordera.so's who() first. */
__attribute__((noipa)) const char *who(void)
{
	return "liborderb.so";
}

__attribute__((noipa)) int b_value(void)
{
	return 2;
}
