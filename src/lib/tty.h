/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A foreground `run` with process.terminal and no console socket: the
 * caller's terminal is relayed to the container's pty (raw mode, window
 * size on start and on SIGWINCH), as an interactive session expects. */
#pragma once
#include <poll.h>
#include <stdbool.h>
#include <termios.h>

#include "error.h"

struct tty_relay {
        int master;  /* the container's pty master, -1: no relay */
        bool in_open; /* our stdin still has data to give */
        bool out_open; /* the pty still has a writer on the container side */
        bool raw;    /* our stdin was a terminal, now in raw mode */
        struct termios saved;
};

/* Take over master (the relay closes it); puts our terminal in raw mode
 * and gives the pty our window size. */
void tty_relay_begin(struct tty_relay *t, int master);
/* Restore our terminal; copy what the container still wrote. */
void tty_relay_end(struct tty_relay *t);
/* The fds to watch this round (at most 2); returns how many were added. */
int tty_relay_pollfds(const struct tty_relay *t, struct pollfd *p);
/* Move data for the fds that poll reported. */
void tty_relay_io(struct tty_relay *t, const struct pollfd *p, int n);
/* Our window changed: pass it on (the kernel signals the container). */
void tty_relay_winch(const struct tty_relay *t);
