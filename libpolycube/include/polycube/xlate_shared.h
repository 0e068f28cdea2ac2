/* Translated sessions: what the BPF helpers (xlate.bpf.h) and the control
 * planes (polycube/xlate.h) of services that rewrite a flow's addresses and
 * ports (nat, lbrp) agree on. A service keeps two maps:
 *
 *   sessions[first packet's tuple] = value starting with struct pcn_xlate_entry
 *   reverse[reply tuple]           = first packet's tuple
 *
 * where the reply tuple is the reverse of the translated first packet. A
 * packet whose tuple is a key of `sessions` goes the first packet's way and
 * is rewritten to `xlated`; one whose tuple is a key of `reverse` is a
 * reply and is rewritten to the reverse of the first packet. Inserting the
 * reverse entry with BPF_NOEXIST is the claim on the reply tuple: no two
 * live sessions ever share one. */
#pragma once

#include "conntrack_shared.h"

struct pcn_xlate_entry {
  struct pcn_ct_entry ct;  /* state machine, last seen, packets (both ways) */
  struct pcn_tuple xlated; /* the first packet's tuple after translation */
};
