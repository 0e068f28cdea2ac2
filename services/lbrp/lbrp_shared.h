/* Every struct and constant shared by lbrp's BPF code (lbrp.bpf.c) and its
 * control plane (lbrp.cpp).
 *
 * A new flow from a frontend port to a service (virtual IP, port,
 * protocol) gets a backend by Maglev: the service entry names a table
 * (shared by every service with the same backend slots and weights), the
 * table maps the flow's hash to a slot, and the backend entry of
 * (service, slot) gives the address and port. The flow's session then
 * holds the translation (polycube/xlate_shared.h):
 *   lbrp_sessions[client -> vip:vport]   = struct lbrp_session (-> backend:port)
 *   lbrp_reverse[backend:port -> client] = client -> vip:vport
 * so later packets, the replies and ICMP errors follow it whatever happens
 * to the service's backends. */
#pragma once

#include <linux/types.h>

#include <polycube/maglev_shared.h>
#include <polycube/xlate_shared.h>

/* Sizes (memory: docs/services/lbrp.md). The hash maps are not
 * preallocated: an idle cube holds their bucket arrays only (16 bytes per
 * entry of capacity). */
#define LBRP_MAX_SERVICES 262144 /* data-plane services (an ALL service is two) */
#define LBRP_MAX_BACKENDS 1048576 /* (service, slot) entries, all services together */
#define LBRP_MAX_SESSIONS 262144
#define LBRP_MAX_TABLES 4096 /* distinct Maglev tables (128 KiB each) */
#define LBRP_MAX_PORTS 64

/* Port types (lbrp_ports). */
#define LBRP_PORT_NONE 0
#define LBRP_PORT_FRONTEND 1
#define LBRP_PORT_BACKEND 2

#define LBRP_NO_PORT 0xffffffff
#define LBRP_NO_TABLE 0xffffffff

/* A service as the data plane looks it up: vport 0 is the every-port
 * service of the virtual IP and protocol. */
struct lbrp_service_key {
  __be32 vip;
  __be16 vport;
  __u8 proto;
  __u8 pad;
};

/* Service flags. */
#define LBRP_SVC_RESET 1 /* the flows of a removed backend are ended (else they drain) */

struct lbrp_service {
  __u32 table;    /* Maglev table index (LBRP_NO_TABLE: no backend) */
  __u16 backends; /* how many */
  __u8 flags;     /* LBRP_SVC_* */
  __u8 pad;
};

/* A backend of a service, by its slot (the value its Maglev table holds). */
struct lbrp_backend_key {
  struct lbrp_service_key svc;
  __u16 slot;
  __u16 pad;
};

struct lbrp_backend {
  __be32 ip;
  __be16 port; /* 0: the packet's destination port is kept */
  __u16 weight;
};

/* A balanced flow (value of lbrp_sessions); it starts as a
 * struct pcn_xlate_entry does. */
struct lbrp_session {
  struct pcn_ct_entry ct;  /* state machine, last seen, packets (both ways) */
  struct pcn_tuple xlated; /* client -> backend:port */
  __u64 bytes;             /* both ways */
  __u32 in_port;           /* the frontend port its first packet came from: replies leave there */
  __u16 slot;              /* the backend's slot when the flow began */
  __u16 pad;
};

/* Per-cube settings (lbrp_config, index 0). */
struct lbrp_config {
  __u32 backend_port;  /* port index, LBRP_NO_PORT if none yet */
  __u32 frontend_port; /* the first frontend port: where backend traffic of no session goes */
  __u8 any_port;       /* some service has vport 0: look it up after a miss */
  __u8 multi;          /* port_mode MULTI: frontend chosen by destination address */
  __u8 pad[2];
};

/* Counters (per CPU, index 0). */
struct lbrp_stats {
  __u64 sessions_created;
  __u64 echo_answered; /* ICMP echo requests to a virtual IP */
  __u64 no_backend;    /* new flows to a service without backends */
  __u64 table_full;    /* new flows dropped: the session table is full */
  __u64 clashes;       /* new flows dropped: their reply tuple is another live session's */
};

#ifdef __cplusplus
static_assert(__builtin_offsetof(struct lbrp_session, xlated) == __builtin_offsetof(struct pcn_xlate_entry, xlated));
#else
_Static_assert(__builtin_offsetof(struct lbrp_session, xlated) == __builtin_offsetof(struct pcn_xlate_entry, xlated),
               "an lbrp session starts with a pcn_xlate_entry");
#endif
