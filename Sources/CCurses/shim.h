#ifndef LP_CCURSES_SHIM_H
#define LP_CCURSES_SHIM_H
/* Wide-character ncurses. Macros Swift cannot import are wrapped as static inline functions. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <ncursesw/curses.h>

static inline int lp_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int lp_getmaxx(WINDOW *w) { return getmaxx(w); }
#endif
