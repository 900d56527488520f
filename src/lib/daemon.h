/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How `start` forks a container's monitor (src/manager/start.c). A caller
 * that exits once its containers run (the berth command) has it forked
 * once: the monitor is re-parented when the command exits. A library
 * caller lives on and would collect a zombie, so by default the monitor
 * is forked from a child that exits at once (the double fork, about a
 * millisecond dearer). */
#pragma once

void daemon_caller_exits(void);
