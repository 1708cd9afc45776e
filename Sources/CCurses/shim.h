#ifndef LP_CCURSES_SHIM_H
#define LP_CCURSES_SHIM_H
/* Wide-character ncurses for the explorer. Swift cannot import function-like or computed macros
 * (attributes, mouse masks, KEY_F, getmaxyx) nor the stdio streams reliably, so each one used is
 * wrapped here as a static inline function. Only Explorer/Terminal/Terminal.swift imports this. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <langinfo.h>
#include <stdio.h>
#include <strings.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

static inline int lp_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int lp_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline WINDOW *lp_stdscr(void) { return stdscr; }
static inline int lp_colors(void) { return COLORS; }
static inline int lp_color_pairs(void) { return COLOR_PAIRS; }

/* newterm on the process's own stdout/stdin (NULL type: $TERM). NULL when the type is unknown. */
static inline SCREEN *lp_newterm(const char *type) { return newterm(type, stdout, stdin); }

/* 1 when a terminfo entry exists for `type`, without printing anything or keeping it loaded. */
static inline int lp_terminfo_exists(const char *type) {
    int err = 0;
    TERMINAL *saved = cur_term;
    if (setupterm(type, fileno(stdout), &err) != OK) { set_curterm(saved); return 0; }
    TERMINAL *probe = cur_term;
    set_curterm(saved);
    del_curterm(probe);
    return 1;
}

/* A terminfo string capability, or NULL when absent or cancelled. */
static inline const char *lp_tigetstr(const char *name) {
    char *s = tigetstr(name);
    return (s == NULL || s == (char *)-1) ? NULL : s;
}
static inline int lp_tigetflag(const char *name) { return tigetflag(name) > 0; }

static inline attr_t lp_a_normal(void) { return A_NORMAL; }
static inline attr_t lp_a_bold(void) { return A_BOLD; }
static inline attr_t lp_a_dim(void) { return A_DIM; }
static inline attr_t lp_a_reverse(void) { return A_REVERSE; }
static inline attr_t lp_a_underline(void) { return A_UNDERLINE; }

static inline int lp_key_f(int n) { return KEY_F(n); }

static inline mmask_t lp_all_mouse_events(void) { return ALL_MOUSE_EVENTS; }
static inline mmask_t lp_report_mouse_position(void) { return REPORT_MOUSE_POSITION; }
static inline mmask_t lp_button1_pressed(void) { return BUTTON1_PRESSED; }
static inline mmask_t lp_button1_released(void) { return BUTTON1_RELEASED; }
static inline mmask_t lp_button1_clicked(void) { return BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON1_TRIPLE_CLICKED; }
static inline mmask_t lp_button3_pressed(void) { return BUTTON3_PRESSED | BUTTON3_CLICKED; }
static inline mmask_t lp_button4_pressed(void) { return BUTTON4_PRESSED; }
static inline mmask_t lp_button5_pressed(void) { return BUTTON5_PRESSED; }

/* One character cell with attributes and an extended colour pair (pairs above 255 cannot go
 * through COLOR_PAIR in the attribute bits). */
static inline int lp_put_cell(WINDOW *w, int y, int x, wchar_t ch, attr_t attrs, int pair) {
    cchar_t cell;
    wchar_t text[2] = { ch, 0 };
    setcchar(&cell, text, attrs, 0, &pair);
    return mvwadd_wch(w, y, x, &cell);
}

static inline int lp_is_utf8_locale(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}
#endif
