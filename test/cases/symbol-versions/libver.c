/* Two versions of one symbol: programs linked against the old library bound
 * ver_value@VER_1 (returns 1); a link today binds the default, ver_value@@VER_2 (returns 2). */
__attribute__((noipa)) int ver_value_1(void)
{
	return 1;
}

__attribute__((noipa)) int ver_value_2(void)
{
	return 2;
}

__asm__(".symver ver_value_1, ver_value@VER_1");
__asm__(".symver ver_value_2, ver_value@@VER_2");
