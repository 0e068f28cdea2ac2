/* Structs and constants shared by transparenthelloworld's BPF code and
 * control plane. */
#pragma once
#include <linux/types.h>

/* What the cube does with packets in one direction. */
enum thw_action { THW_PASS = 0, THW_DROP = 1, THW_SLOWPATH = 2 };

/* Map thw_config: index 0 = ingress action, 1 = egress action. */
/* Map thw_counters (per-CPU): index 0 = ingress packets, 1 = egress. */
#define THW_REASON_SLOWPATH 1
