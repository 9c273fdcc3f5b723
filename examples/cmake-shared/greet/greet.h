#ifndef GREET_H
#define GREET_H

/* Prints one greeting line for `who` (libgreet.so). */
void greet_print(const char *who);

#endif
