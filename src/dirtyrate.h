/*
 * dirtyrate.h: the public API of libdirtyrate
 *
 * libdirtyrate measures how fast a libvirt domain dirties its memory,
 * models QEMU's XBZRLE delta compression for it, and keeps a migration
 * policy in the domain XML.  Every symbol starts with dr_ / Dr / DR_.
 * Compile with `pkg-config --cflags dirtyrate`.
 */
#pragma once

#include "dr-error.h"
#include "dr-estimate.h"
#include "dr-xbzrle.h"
#include "dr-pagecache.h"
#include "dr-guestmem.h"
#include "dr-pagecodec.h"
#include "dr-compress.h"
#include "dr-dirtyrate.h"
#include "dr-qmp.h"
#include "dr-qmpdirtyrate.h"
#include "dr-qmpxbzrle.h"
#include "dr-probe.h"
#include "dr-measurer.h"
#include "dr-measureplan.h"
#include "dr-series.h"
#include "dr-wss.h"
#include "dr-units.h"
#include "dr-policy.h"
#include "dr-migsim.h"
#include "dr-advice.h"
#include "dr-migcaps.h"
#include "dr-migparams.h"
#include "dr-hostmem.h"
#include "dr-advisor.h"
#include "dr-status.h"
#include "dr-jobstats.h"
#include "dr-steer.h"
#include "dr-calibration.h"
#include "dr-schedule.h"
#include "dr-metrics.h"
