/*
 * qmp-replay.h: replay a recorded QMP conversation as a DrQmp transport
 *
 * A .replies file (tests/qmp/) holds exchanges separated by blank
 * lines: a command on one line, then QEMU's reply.  Lines starting with
 * '#' are comments.  Commands must come in the recorded order, equal as
 * JSON; a reply that no test used fails the test.
 */
#pragma once

#include "dr-qmp.h"

typedef struct _QmpReplay QmpReplay;

/* @name is a file under tests/qmp/. */
QmpReplay *qmp_replay_new(const char *name);
DrQmp *qmp_replay_qmp(QmpReplay *r);      /* owned by @r */
void qmp_replay_assert_done(QmpReplay *r);
void qmp_replay_free(QmpReplay *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QmpReplay, qmp_replay_free)
