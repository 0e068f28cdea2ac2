/* The frame the XDP generator writes (xdp_flood.bpf.c, xdp_flood.cpp). */
#pragma once

#define XDP_FLOOD_MAX_FRAME 256

struct xdp_flood_frame {
  unsigned char bytes[XDP_FLOOD_MAX_FRAME];
};
