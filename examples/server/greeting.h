#ifndef GREETING_H
#define GREETING_H
#include <stddef.h>

/* Fills buf (n bytes) with the body of GET /greeting. */
void render_greeting(char *buf, size_t n);

#endif
